"""The board check: the HIL suite (`pytest hil/`) run for the candidate on the rig.

The suite runs in its own process, so a board that hangs or a crash in the path cannot
take the qualification with it, and every wait of the run has one overall deadline.
Its reports come back line by line through a pipe (hil/qualify/feed.py): a test that
FAILED is a wrong outcome of the module, a test that ERRORED is a fault of the rig.
"""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firmware_host.deadlines import now
from hil.cases import CASE_SOURCES, Selection
from hil.qualify.boards import PreparedRig, write_rig
from hil.qualify.context import Context
from hil.qualify.feed import FEED_ENV
from hil.qualify.progress import Reporter
from hil.qualify.results import MAX_CASES, CaseResult, CheckResult, NotRun, Outcome
from hil.rig import Rig

HIL_DIR = Path(__file__).resolve().parent.parent
SOURCE_ROOT = HIL_DIR.parent
DEFAULT_SUITE_TIMEOUT_S = 600.0
OUTPUT_TAIL = 2000
SUITE_LOG = "hil-suite.log"
SUITE_JUNIT = "hil-suite.junit.xml"
SUITE_INI = "hil-suite.ini"
# The suite's own settings, written beside the record: nothing is read from the folder
# the rig was installed from (a wheel has no pyproject.toml), and every setting is named.
# xunit1 keeps per-test <properties> (limits, expected, observed) schema-valid.
SUITE_SETTINGS = "[pytest]\njunit_family = xunit1\n"
EXIT_GRACE_S = 5.0
TITLE = "HIL suite through the boards"
# pytest's exit codes: 0 all passed, 1 some failed; any other code means the run itself
# broke (these four by name, a negative one is the signal that killed the process).
FINISHED_RUN = (0, 1)
BROKEN_RUN = {2: "interrupted", 3: "internal error", 4: "usage error", 5: "no tests collected"}


def failing_entry(pairs: list[list[Any]]) -> dict[str, Any]:
    """The properties of the first checked sale that failed, else the last one's: a
    scenario test records limits/expected/observed/outcome once per sale, in order,
    the sale's entries prefixed (`sale1.expected`)."""
    current: dict[str, Any] = {}
    for name, value in pairs:
        key = name.rsplit(".", 1)[-1]
        current[key] = value
        if key == "outcome" and value == "fail":
            break
    return current


def error_message(reason: str) -> str:
    """The exception lines of a pytest traceback (`E   ...`), else its last line."""
    lines = reason.strip().splitlines()
    raised = [line[1:].strip() for line in lines if line.startswith("E ")]
    return " ".join(raised) if raised else (lines[-1] if lines else "")


@dataclass
class SuiteTest:
    nodeid: str
    outcome: Outcome = Outcome.PASS
    properties: dict[str, Any] = field(default_factory=dict)
    reason: str = ""
    done: bool = False

    def take(self, event: dict[str, Any]) -> None:
        """Fold one phase report in: a failed call is a FAIL, a failed setup or teardown
        an ERROR (where the plugin reports rig faults), a skip a SKIPPED."""
        self.properties = failing_entry(event.get("properties", [])) or self.properties
        outcome, when = event["outcome"], event["when"]
        if outcome == "failed" and self.outcome is not Outcome.FAIL:
            self.outcome = Outcome.FAIL if when == "call" else Outcome.ERROR
            self.reason = event.get("reason", "")
        elif outcome == "skipped" and self.outcome is Outcome.PASS:
            self.outcome = Outcome.SKIPPED
            self.reason = event.get("reason", "")
        self.done = when == "teardown"

    @property
    def case_id(self) -> str:
        """The test's name with its id, e.g. `test_sweep[v3-epson-h12-c1-p10]`: the
        sweep and the golden test can share an id, their names tell them apart."""
        return self.nodeid.rsplit("::", 1)[-1]


@dataclass
class SuiteRun:
    """What came back from the suite's process."""

    command: list[str] = field(default_factory=list)
    tests: dict[str, SuiteTest] = field(default_factory=dict)
    returncode: int | None = None
    output: str = ""
    timed_out: bool = False
    collected: int | None = None
    deselected: int = 0
    extra: tuple[str, ...] = ()  # the operator's --suite-arg words

    def take(self, event: dict[str, Any], progress: Reporter) -> None:
        if event.get("event") == "deselected":
            self.deselected += int(event.get("count", 0))
        elif event.get("event") == "collected" and event.get("total"):
            self.collected = int(event["total"])
            progress.set_total(self.collected)
        elif event.get("event") == "report":
            test = self.tests.setdefault(event["nodeid"], SuiteTest(event["nodeid"]))
            test.take(event)
            if test.done:
                progress.advance(note=test.case_id)


# Suite arguments that change how the suite reports or when it stops, never which tests
# run or how they are judged; any other (-k, --hil-module, -p, --setup-only, ...) keeps
# the boards check from a PASS.
_REPORTING_FLAGS = frozenset(
    {"-v", "-vv", "-vvv", "-q", "-qq", "-s", "-l", "--showlocals", "-x", "--exitfirst"}
)
_REPORTING_WITH_VALUE = frozenset({"-W", "--tb", "--maxfail", "--durations", "-r"})
_REPORTING_PREFIXES = ("--tb=", "--maxfail=", "--durations=", "--color=", "-W", "-r")


def unvetted_suite_args(args: Sequence[str]) -> list[str]:
    """The suite arguments that could change what runs or how it is judged."""
    unvetted: list[str] = []
    words = iter(args)
    for word in words:
        if word in _REPORTING_WITH_VALUE:
            next(words, None)  # its value
        elif word not in _REPORTING_FLAGS and not word.startswith(_REPORTING_PREFIXES):
            unvetted.append(word)
    return unvetted


def suite_files() -> list[str]:
    """The suite's own test files, named one by one: collecting the folder would also
    collect whatever lies below it (a record folder holding a candidate's conftest.py
    would run as part of the suite)."""
    return [str(path) for path in sorted(HIL_DIR.glob("test_*.py")) if path.is_file()]


def suite_command(
    ctx: Context, rig_file: Path, out_dir: Path, workers: int, extra: tuple[str, ...] = ()
) -> list[str]:
    """The suite's command line. Python isolated (-I: no PYTHONPATH, no user site, no
    working folder on the path, where a sitecustomize or a pytest.py could stand in) and
    no conftest.py at all (the suite has none; one above the checkout or in a record
    folder would run inside it). Native tracebacks: a lost board makes every later test
    of it an error, and pytest's own traceback rendering costs ~25 ms each (382 errors:
    6.5 s of CPU against 1.9 s); the message the record keeps is the same."""
    command = [
        sys.executable, "-I", "-m", "pytest", *suite_files(), "--noconftest",
        "-c", str(out_dir / SUITE_INI), "--rootdir", str(out_dir),
        "-p", "hil.qualify.feed", "-p", "no:cacheprovider", "-p", "no:labgrid",
        "-q", "--tb=native",
        "--hil-rig", str(rig_file), "--hil-module", ctx.subject.source,
        "--hil-firmware-abi", ctx.abi.value, "--junitxml", str(out_dir / SUITE_JUNIT),
    ]  # fmt: skip
    if ctx.grid.name == "full":
        command.append("--hil-full-grid")
    if workers > 1:
        command += ["-n", str(workers)]
    return command + list(extra)


def suite_environment(feed_fd: int) -> dict[str, str]:
    """This process's environment without HIL_* and PYTEST_* settings: the command names
    every setting of the suite (a PYTEST_ADDOPTS="-k ..." would narrow it unseen); nor
    PYTHONOPTIMIZE, which strips the asserts the suite judges with."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("HIL_", "PYTEST_")) and k != "PYTHONOPTIMIZE"
    }
    return {**env, FEED_ENV: str(feed_fd)}


def _read_feed(feed: int, deadline: float, on_event: Callable[[Any], None]) -> bool:
    """Pass each JSON line to `on_event` until the pipe closes; False on the deadline."""
    buffer = b""
    while True:
        left = deadline - now()
        if left <= 0:
            return False
        ready, _, _ = select.select([feed], [], [], min(left, 1.0))
        if not ready:
            continue
        chunk = os.read(feed, 65536)
        if not chunk:
            return True
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line.strip():
                on_event(json.loads(line))


def run_suite(
    ctx: Context,
    rig: PreparedRig,
    out_dir: Path,
    progress: Reporter,
    *,
    workers: int = 0,
    timeout_s: float = DEFAULT_SUITE_TIMEOUT_S,
    extra: tuple[str, ...] = (),
) -> SuiteRun:
    """Run `pytest hil/` for the candidate on `rig`, within `timeout_s` overall."""
    rig_file = write_rig(rig.rig, out_dir / "rig.toml")
    (out_dir / SUITE_INI).write_text(SUITE_SETTINGS, encoding="utf-8")
    command = suite_command(ctx, rig_file, out_dir, workers, extra)
    run = SuiteRun(command=command, extra=tuple(extra))
    deadline = now() + timeout_s
    log_path = out_dir / SUITE_LOG
    read_end, write_end = os.pipe()
    try:
        with (
            log_path.open("wb") as log,
            subprocess.Popen(
                command,
                cwd=out_dir,
                env=suite_environment(write_end),
                pass_fds=(write_end,),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            ) as proc,
        ):
            os.close(write_end)
            write_end = -1
            finished = _read_feed(read_end, deadline, lambda e: run.take(e, progress))
            if finished:
                run.returncode = _wait(proc, deadline)
            else:
                _kill(proc)
            run.timed_out = run.returncode is None
    finally:
        os.close(read_end)
        if write_end >= 0:
            os.close(write_end)
    run.output = log_path.read_bytes()[-OUTPUT_TAIL:].decode("utf-8", "replace")
    return run


def _wait(proc: subprocess.Popen[bytes], deadline: float) -> int | None:
    """The exit code, or None after killing the suite's process group at the deadline."""
    try:
        return proc.wait(timeout=max(deadline - now(), 0.0) + EXIT_GRACE_S)
    except subprocess.TimeoutExpired:
        _kill(proc)
        return None


def _kill(proc: subprocess.Popen[bytes]) -> None:
    """Kill the suite and everything it started (its session's process group)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=EXIT_GRACE_S)


def _case(test: SuiteTest) -> CaseResult:
    props = test.properties
    message = error_message(test.reason)
    observed = message if test.outcome is Outcome.ERROR else props.get("observed") or message
    return CaseResult(
        case_id=test.case_id,
        expected=str(props.get("expected", "")),
        observed=str(observed),
        outcome=test.outcome,
        hour=props.get("hour"),
        count=props.get("count"),
        unit_price=props.get("unit_price"),
        where=str(props.get("board", "")),
    )


def broken_run(returncode: int | None) -> str:
    """Why an exit code says the run itself broke ("" for a run that finished)."""
    if returncode is None or returncode in FINISHED_RUN:
        return ""
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return f"pytest exit {returncode} (killed by {name})"
    return f"pytest exit {returncode} ({BROKEN_RUN.get(returncode, 'unknown exit code')})"


def _not_run(tests: list[SuiteTest]) -> tuple[NotRun, ...]:
    """Every test that did not run, grouped by why (pytest's skip reason)."""
    by_reason: dict[str, list[str]] = {}
    for test in tests:
        reason = error_message(test.reason) or "no reason given"
        by_reason.setdefault(reason, []).append(test.case_id)
    return tuple(NotRun(reason, tuple(ids)) for reason, ids in sorted(by_reason.items()))


def expected_tests(ctx: Context, rig: Rig) -> int:
    """How many tests the whole suite has for this module, firmware, grid and rig: one
    per case of each of its case sources (hil/cases.py), as the plugin makes them."""
    selection = Selection(rig, (ctx.subject,), (ctx.abi,), ctx.grid)
    return sum(len(source(selection)) for source in CASE_SOURCES.values())


def board_check(
    ctx: Context, rig: PreparedRig, run: SuiteRun | None, expected_total: int | None = None
) -> CheckResult:
    """The suite's tests as one check: FAIL if any test failed; else ERROR if the rig
    faulted (a test errored, a board was lost or never identified, the run broke or ran
    out of time), any test did not run, or the suite collected other than its
    `expected_total` tests (narrowed by arguments, or grown); PASS only when every test
    of the whole suite ran and passed. `run` None: the operator left the boards out."""
    limits = {
        "grid": ctx.grid.name,
        "cases_per_board": len(ctx.grid),
        "firmware_abi": ctx.abi.value,
        "boards": [b.name for b in rig.boards],
    }
    expected = "every HIL test runs and passes on every board of the rig"
    if run is None:
        return CheckResult(
            "boards",
            TITLE,
            Outcome.SKIPPED,
            limits,
            expected,
            "not run: the boards were left out (--no-boards)",
            selected=False,
        )
    tests = list(run.tests.values())
    by = {o: [t for t in tests if t.outcome is o] for o in Outcome}
    problems = [f"board {b.name} could not be identified: {b.error}" for b in rig.lost]
    if run.timed_out:
        problems.append("the suite did not finish within its deadline")
    broken = broken_run(run.returncode)
    if broken:
        problems.append(broken)
    finished = sum(t.done for t in tests)
    if run.collected is not None and finished < run.collected:
        problems.append(f"only {finished} of {run.collected} collected tests finished")
    unvetted = unvetted_suite_args(run.extra)
    if unvetted:
        problems.append(
            f"suite arguments {' '.join(unvetted)} may change which tests run or how they "
            "are judged: a qualification passes only on the suite as it ships"
        )
    if expected_total is not None and run.collected not in (None, expected_total):
        problems.append(
            f"the suite collected {run.collected} tests, expected the whole suite's "
            f"{expected_total} for this module, firmware and rig"
        )
    if run.timed_out or broken:
        problems.append(f"output ({SUITE_LOG}): {run.output.strip()[-500:]}")
    not_run = _not_run(by[Outcome.SKIPPED])
    if by[Outcome.FAIL]:
        outcome = Outcome.FAIL
    elif by[Outcome.ERROR] or problems or not_run or not by[Outcome.PASS]:
        outcome = Outcome.ERROR
    else:
        outcome = Outcome.PASS
    observed = (
        f"{len(tests)} tests: {len(by[Outcome.PASS])} passed, {len(by[Outcome.FAIL])} failed, "
        f"{len(by[Outcome.ERROR])} errors, {len(by[Outcome.SKIPPED])} did not run"
    )
    notes = problems + [f"not run: {n.reason} ({len(n.cases)} tests)" for n in not_run]
    if run.deselected:  # the operator's --suite-arg narrowed the suite: said, never signed
        notes.append(f"{run.deselected} tests deselected by the suite arguments")
    if notes:
        observed += "; " + "; ".join(notes)
    bad = by[Outcome.FAIL] + by[Outcome.ERROR]
    return CheckResult(
        "boards",
        TITLE,
        outcome,
        limits,
        expected,
        observed,
        passed=len(by[Outcome.PASS]),
        failed=len(by[Outcome.FAIL]),
        errors=len(by[Outcome.ERROR]) + len(problems),
        cases=tuple(_case(t) for t in bad[:MAX_CASES]),
        not_run=not_run,
        details={
            "returncode": run.returncode,
            "deselected": run.deselected,
            "junit": SUITE_JUNIT,
            "pytest_args": run.command[4:],  # after python -I -m pytest
            "log": SUITE_LOG,
        },
    )
