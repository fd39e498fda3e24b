"""A team's reference file, run in a child process of its own (hil/reference_child.py).

The file is the team's code: it runs neither in the qualifier nor in the HIL suite, so
it cannot change a check's outcome or a verdict in memory, and a `sys.exit`, a crash or
a hang of it is a typed SpecificationError with what it said, within a deadline. What
it answers is only ever what the module must compute, which its authors declare anyway.
It is still code the release manager runs: it can do what any program they start can.
"""

from __future__ import annotations

import atexit
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from firmware_host.deadlines import now
from firmware_host.errors import FirmwareError

START_DEADLINE_S = 30.0
ANSWER_DEADLINE_S = 30.0
PER_CASE_S = 0.001  # added to an answer's deadline per case asked (pure Python: ~1 us)
STDERR_TAIL = 1000


class SpecificationError(FirmwareError):
    """A declared specification that cannot be used: a reference file that does not
    load, lacks `price`, answers late or with something that is not a price."""


class ReferenceProcess:
    """One reference file's child process, answering one request at a time."""

    def __init__(self, path: Path, result: str) -> None:
        self.path = path
        self._lock = threading.Lock()
        self._stderr = tempfile.TemporaryFile()  # noqa: SIM115 - closed with the process
        self._proc = subprocess.Popen(
            [sys.executable, "-I", "-m", "hil.reference_child", str(path), result],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            cwd=path.parent,
        )
        self._read(START_DEADLINE_S)

    def _said(self) -> str:
        if self._stderr.closed:
            return ""
        self._stderr.seek(0)
        tail = self._stderr.read()[-STDERR_TAIL:].decode("utf-8", "replace").strip()
        return f"; it printed: {tail}" if tail else ""

    def _fail(self, why: str) -> SpecificationError:
        error = SpecificationError(f"{self.path}: {why}{self._said()}")
        self.close()
        return error

    def _read(self, deadline_s: float) -> dict[str, Any]:
        stdout = self._proc.stdout
        assert stdout is not None
        end = now() + deadline_s
        line = b""
        while not line.endswith(b"\n"):
            left = end - now()
            if left <= 0:
                raise self._fail(f"expected an answer within {deadline_s:g} s, found none")
            ready, _, _ = select.select([stdout], [], [], left)
            if ready:
                chunk = os.read(stdout.fileno(), 1 << 20)
                if not chunk:
                    code = self._proc.wait(timeout=5)
                    raise self._fail(f"expected an answer, found the process ended (exit {code})")
                line += chunk
        try:
            message: dict[str, Any] = json.loads(line)
        except ValueError as exc:
            raise self._fail(f"expected a JSON answer, found {line[:200]!r}") from exc
        if "error" in message:
            raise SpecificationError(f"{self.path}: {message['error']}")
        return message

    def ask(self, request: dict[str, Any], cases: int) -> Any:
        """The answer's `ok` value; SpecificationError for anything else."""
        with self._lock:
            stdin = self._proc.stdin
            if stdin is None or self._proc.poll() is not None:
                raise self._fail("expected the reference process to run, found it ended")
            try:
                stdin.write(json.dumps(request).encode() + b"\n")
                stdin.flush()
            except OSError as exc:
                raise self._fail(f"expected to send it a request, found {exc}") from exc
            return self._read(ANSWER_DEADLINE_S + PER_CASE_S * cases)["ok"]

    def prices(self, cases: Sequence[tuple[int, int, int]]) -> list[int | float]:
        answer: list[int | float] = self.ask({"op": "prices", "cases": list(cases)}, len(cases))
        return answer

    def close(self) -> None:
        if self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait(timeout=5)
        for pipe in (self._proc.stdin, self._proc.stdout):
            if pipe is not None:
                pipe.close()
        self._stderr.close()


_RUNNING: dict[tuple[Path, str], ReferenceProcess] = {}
_BROKEN: dict[tuple[Path, str], SpecificationError] = {}


def reference_process(path: Path, result: str) -> ReferenceProcess:
    """The one child process of `path`, started on first use, stopped at exit; a file
    whose process ended or hung stays refused with that reason (no restart per case)."""
    key = (path, result)
    if key in _BROKEN:
        raise _BROKEN[key]
    process = _RUNNING.get(key)
    try:
        if process is None:
            process = _RUNNING[key] = ReferenceProcess(path, result)
        elif process._proc.poll() is not None:
            raise process._fail("expected the reference process to run, found it ended")
    except SpecificationError as exc:
        _BROKEN[key] = exc
        raise
    return process


@atexit.register
def _stop_all() -> None:
    for process in _RUNNING.values():
        process.close()
