"""One exit-code table for every console script, so a pipeline needs no parsing.

`pos-firmware`, `pos-module`, `pos-sim`, `pos-board` and `pos-qualify` all exit with
these codes and nothing else: 0 done (PASS), 1 refused (FAIL: the module, document or
driver is wrong), 2 the rig or the machine could not do its part (ERROR: a board, a
port, a file that could not be written, the command's own output among them, or an
interrupt (Ctrl-C); nothing proved wrong), 3 a usage error (the
arguments name nothing usable), 4 an internal error: a bug, reported with its traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import traceback
from collections.abc import Callable
from enum import IntEnum
from typing import Any, NoReturn, TextIO, cast

from firmware_host.files import reason


class ExitCode(IntEnum):
    OK = 0
    REFUSED = 1
    RIG = 2
    USAGE = 3
    INTERNAL = 4


class UsageParser(argparse.ArgumentParser):
    """argparse, but a usage error exits 3 (argparse's own code, 2, means a rig error)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: usage error: {message}\n")


def _quiet(stream: TextIO) -> None:
    """Send the rest of `stream`'s output nowhere (its descriptor to /dev/null), so what
    is still buffered cannot fail again when the interpreter flushes it at exit."""
    try:
        fileno = stream.fileno()
    except (AttributeError, OSError, ValueError):  # no descriptor of its own (a capture)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fileno)
    os.close(devnull)


def quiet_stdout() -> None:
    """The reader of our output went away (`| head`): send the rest nowhere, so the
    command finishes its work and exits with its own code."""
    _quiet(sys.stdout)


class _Output:
    """sys.stdout or sys.stderr, noting a write or flush that fails, so `run_main` can
    tell a failure of the command's own output (the machine's: a full disk, a closed
    pipe) from an OSError anywhere else (a bug). The exception itself goes on
    unchanged: a command that catches BrokenPipeError still sees one."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.failure: OSError | None = None

    def write(self, text: str) -> int:
        try:
            return self.stream.write(text)
        except OSError as exc:
            self.failure = exc
            raise

    def flush(self) -> None:
        try:
            self.stream.flush()
        except OSError as exc:
            self.failure = exc
            raise

    def __getattr__(self, name: str) -> Any:  # fileno, isatty, encoding, reconfigure...
        return getattr(self.stream, name)


def _output_lost(prog: str, exc: OSError, outputs: tuple[_Output, _Output]) -> bool:
    """True when `exc` is the failure of a write to stdout or stderr: the rest of that
    stream goes nowhere and, unless the reader merely went away, a line says why."""
    lost = [out for out in outputs if out.failure is exc]
    for out in lost:
        _quiet(out.stream)
    if lost and not isinstance(exc, BrokenPipeError):
        with contextlib.suppress(OSError):
            print(f"{prog}: could not write its output: {reason(exc)}", file=sys.stderr)
    return bool(lost)


def run_main(prog: str, main: Callable[[], int]) -> int:
    """`main()`'s code; an exception it lets escape is a bug in the command: its traceback
    is printed and the code is INTERNAL, never a code that means a verdict. The command's
    own output failing to be written (a closed pipe, a full disk) is not a bug: RIG (the
    machine did not let us finish). Output is flushed here, inside the watch, so such a
    failure is not left to the interpreter's exit (which would exit 120)."""
    outputs = (_Output(sys.stdout), _Output(sys.stderr))
    sys.stdout, sys.stderr = (cast(TextIO, out) for out in outputs)
    try:
        try:
            code = main()
        except SystemExit:  # argparse's help, or a usage error: its message is output too
            _flush(outputs)
            lost = next((out.failure for out in outputs if out.failure), None)
            if lost is not None:  # argparse swallows a failed write of its message
                raise lost from None
            raise
        _flush(outputs)
        return code
    except SystemExit:
        raise
    except KeyboardInterrupt:  # Ctrl-C: what was under way did not finish, nothing proven
        with contextlib.suppress(OSError):
            print(f"{prog}: interrupted (Ctrl-C): stopped before it finished", file=sys.stderr)
        return ExitCode.RIG
    except OSError as exc:
        return ExitCode.RIG if _output_lost(prog, exc, outputs) else _internal(prog)
    except Exception:
        return _internal(prog)
    finally:
        sys.stdout, sys.stderr = outputs[0].stream, outputs[1].stream


def _flush(outputs: tuple[_Output, _Output]) -> None:
    for out in outputs:
        out.flush()


def _internal(prog: str) -> int:
    with contextlib.suppress(OSError):  # with stderr gone too, the code says it alone
        traceback.print_exc()
        print(
            f"{prog}: internal error (a bug, not a verdict): see the traceback above",
            file=sys.stderr,
        )
    return ExitCode.INTERNAL


OUR_PACKAGES = ("firmware_host", "price_modules", "boardcore", "boardlink", "simulator", "hil")
DISTRIBUTION = "pos-hil-rig"


def missing_extra(prog: str, extra: str, error: ModuleNotFoundError) -> int:
    """A command whose optional packages are not installed says which extra brings them
    (RIG: this machine lacks a part); a module of our own missing is a bug: re-raised."""
    if (error.name or "").split(".")[0] in OUR_PACKAGES:
        raise error
    print(
        f"{prog}: needs the '{extra}' extra, which is not installed (no module "
        f"{error.name!r}): pip install '{DISTRIBUTION}[{extra}]'",
        file=sys.stderr,
    )
    return ExitCode.RIG
