"""The HIL plugin end to end, in pytest sub-sessions on real PTYs.

Each run selects a small part of the real suite in hil/ (one module, a few hours) and
checks the outcomes: passes on virtual boards, a FAIL naming the case for a wrong
module, the same suite on separately started `pos-board` processes and through
ser2net's RFC 2217, one board per xdist worker, and an unplugged board's tests ERROR
and skip while the other board passes.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest
import wasmtime

import price_modules
from simulator.board import VirtualBoard
from tests.test_ser2net import URL_OPTIONS, _free_port, _wait_for_listener

HIL = str(Path(__file__).resolve().parent.parent / "hil")
# The snapshot plugin of the outer session shares a temporary folder with in-process runs.
# An in-process run must not re-enable faulthandler: it would install its signal
# handlers over wasmtime's, and the next wasm trap (SIGILL/SIGSEGV) would kill the
# whole test process instead of becoming a typed fault.
ISOLATED = ("-p", "no:cacheprovider", "-p", "no:textual-snapshot", "-p", "no:faulthandler")
V3_CURRENT = ("--hil-module", "v3", "--hil-firmware-abi", "current", *ISOLATED)
RUN_DEADLINE_S = 120.0
POS_BOARD_START_S = 10.0

# v3's rule at full price (hours 12-13, 17-23), except one deliberate bug: 150 for
# 1 x 10 at hour 12, which the guard refuses where the specification says 10.
BAD_150 = """
(module
  (func (export "price_func") (param $count i32) (param $unit i32) (param $hour i32)
        (result i32)
    (if (i32.and (i32.and (i32.eq (local.get $count) (i32.const 1))
                          (i32.eq (local.get $unit) (i32.const 10)))
                 (i32.eq (local.get $hour) (i32.const 12)))
      (then (return (i32.const 150))))
    (i32.mul (local.get $count) (local.get $unit))))
"""


def _properties(xml_path: Path, test_id: str) -> dict[str, str]:
    for case in ET.parse(xml_path).getroot().iter("testcase"):
        if case.get("name") == test_id:
            return {p.get("name", ""): p.get("value", "") for p in case.iter("property")}
    raise AssertionError(f"expected a test case {test_id} in {xml_path}")


def test_the_suite_passes_on_virtual_boards_and_records_each_check(
    pytester: pytest.Pytester,
) -> None:
    junit = pytester.path / "hil.xml"
    result = pytester.runpytest_inprocess(
        HIL, *V3_CURRENT, "-k", "h12 or test_abi_outcome or test_hot_swap", f"--junitxml={junit}"
    )
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed", 0) == outcomes.get("errors", 0) == 0, result.stdout.str()
    result.stdout.no_fnmatch_line("*skipped*")
    props = _properties(junit, "test_sweep[v3-cd5220-h12-c1-p10]")
    assert props["check"] == "sweep"
    assert props["module_sha256"] == price_modules.manifest("v3").sha256
    assert (props["board"], props["firmware_abi"], props["hour"]) == ("cd5220", "current", "12")
    assert props["expected"] == "price 10"
    assert props["observed"] == "1 x 10 | " + "Total".ljust(15) + "10.00"  # 20 columns
    assert props["limits"] == "price 0..100, count 0..999, unit price 0..999"
    assert props["outcome"] == "pass"
    guard = _properties(junit, "test_sweep[v3-epson-h12-c1-p101]")
    assert (guard["expected"], guard["observed"]) == (
        "Invalid price : 101",
        "Invalid price : 101 | Sale refused",
    )
    offer = _properties(junit, "test_abi_outcome[v3-current-cd5220]")
    assert (offer["check"], offer["expected"], offer["outcome"]) == ("abi", "accepted", "pass")
    assert offer["sale1.expected"] == "price 10"  # 1 x 10 at 12:30 under v3
    assert (
        offer["limits"] == "host ABI (i32, i32, i32) -> i32, module claims (i32, i32, i32) -> i32"
    )


@pytest.fixture
def bad_candidate(tmp_path: Path) -> Path:
    """A .wasm with a manifest beside it: v3's manifest, claiming the happy-hour rule."""
    folder = tmp_path / "candidate"
    folder.mkdir()
    (folder / "bad150.wasm").write_bytes(wasmtime.wat2wasm(BAD_150))
    manifest = json.loads((price_modules.wasm_path("v3").parent / "manifest.json").read_text())
    manifest["version"] = "v5"
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder / "bad150.wasm"


def test_a_wrong_price_is_a_fail_that_names_the_case(
    pytester: pytest.Pytester, bad_candidate: Path
) -> None:
    junit = pytester.path / "bad.xml"
    result = pytester.runpytest_inprocess(
        HIL,
        "--hil-module",
        str(bad_candidate),
        "--hil-firmware-abi",
        "current",
        *ISOLATED,
        "-k",
        "h12",
        f"--junitxml={junit}",
    )
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 2, result.stdout.str()
    assert outcomes.get("errors", 0) == 0
    result.stdout.fnmatch_lines(
        [
            "E * v5 h12 1 x 10: expected price 10, found the display showing "
            "('Invalid price : 150 ', 'Sale refused        ')",
            "FAILED *test_sweep[[]v5-epson-h12-c1-p10[]]*",
            "FAILED *test_sweep[[]v5-cd5220-h12-c1-p10[]]*",
        ]
    )
    props = _properties(junit, "test_sweep[v5-epson-h12-c1-p10]")
    assert (props["expected"], props["observed"], props["outcome"]) == (
        "price 10",
        "Invalid price : 150 | Sale refused",
        "fail",
    )


@pytest.fixture
def pos_boards() -> Iterator[list[dict[str, str]]]:
    """Two `pos-board` processes; their printed `display`/`control` paths."""
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "simulator.board_cli", "--protocol", protocol],
            stdout=subprocess.PIPE,
            text=True,
        )
        for protocol in ("epson", "cd5220")
    ]
    try:
        boards = []
        for process in processes:
            assert process.stdout is not None
            lines = [process.stdout.readline().split() for _ in range(2)]
            boards.append(dict((key, value) for key, value in lines))
        yield boards
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=POS_BOARD_START_S)


def test_the_same_suite_runs_on_separately_started_pos_boards(
    pytester: pytest.Pytester, pos_boards: list[dict[str, str]]
) -> None:
    options = []
    for name, board in zip(("front", "pole"), pos_boards, strict=True):
        options += ["--hil-board", f"{board['display']},control={board['control']},name={name}"]
    result = pytester.runpytest_inprocess(
        HIL, *V3_CURRENT, *options, "-k", "h12 and not test_golden", "-v"
    )
    result.assert_outcomes(passed=18)
    result.stdout.fnmatch_lines(["*test_sweep[[]v3-front-h12-c0-p999[]] PASSED*"])
    result.stdout.fnmatch_lines(["*test_sweep[[]v3-pole-h12-c65536-p65536[]] PASSED*"])


@pytest.fixture
def ser2net_board(tmp_path: Path) -> Iterator[tuple[str, str]]:
    """A virtual board whose display and control ports are both served by ser2net."""
    binary = shutil.which("ser2net")
    assert binary, "ser2net (Debian package ser2net, in .ci/run) must be installed"
    with VirtualBoard("cd5220") as board:
        ports = {"display": _free_port(), "control": _free_port()}
        config = "%YAML 1.1\n---\n"
        for name, path in (("display", board.display_path), ("control", board.control_path)):
            config += (
                f"connection: &{name}\n"
                f"  accepter: telnet(rfc2217),tcp,127.0.0.1,{ports[name]}\n"
                "  enable: on\n"
                f"  connector: serialdev,{path},9600n81,local\n"
            )
        (tmp_path / "ser2net.yaml").write_text(config)
        server = subprocess.Popen(
            [binary, "-n", "-d", "-c", str(tmp_path / "ser2net.yaml"), "-P", str(tmp_path / "pid")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            for port in ports.values():
                _wait_for_listener(port, server)
            url = "rfc2217://127.0.0.1:{}" + URL_OPTIONS
            yield url.format(ports["display"]), url.format(ports["control"])
        finally:
            server.terminate()
            server.wait(timeout=5)


@pytest.mark.filterwarnings("ignore::DeprecationWarning:serial.rfc2217")
def test_the_same_suite_runs_through_ser2net_rfc2217(
    pytester: pytest.Pytester, ser2net_board: tuple[str, str]
) -> None:
    display, control = ser2net_board
    result = pytester.runpytest_inprocess(
        HIL,
        *V3_CURRENT,
        "--hil-board",
        f"{display},control={control},name=remote",
        "-k",
        "h12 and not test_golden",
        "-W",
        "ignore::DeprecationWarning",
    )
    result.assert_outcomes(passed=9)


WORKER_LOG = """
import os

def pytest_runtest_call(item):
    with open(os.environ["HIL_WORKER_LOG"], "a") as log:
        log.write(f"{os.environ.get('PYTEST_XDIST_WORKER', 'main')} {item.name}\\n")
"""


def test_two_boards_are_spread_over_two_workers(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(worker_log=WORKER_LOG)
    log = pytester.path / "workers.log"
    monkeypatch.setenv("HIL_WORKER_LOG", str(log))
    result = pytester.runpytest_subprocess(
        HIL, *V3_CURRENT, "-n", "2", "-p", "worker_log", "-k", "h12", timeout=RUN_DEADLINE_S
    )
    result.assert_outcomes(passed=sum(1 for _ in log.read_text().splitlines()))
    workers: dict[str, set[str]] = {}
    for line in log.read_text().splitlines():
        worker, name = line.split(" ", 1)
        board = name.split("[")[1].split("-")[1]
        workers.setdefault(board, set()).add(worker)
    assert set(workers) == {"epson", "cd5220"}
    assert all(len(seen) == 1 for seen in workers.values()), workers
    assert workers["epson"] != workers["cd5220"], workers


UNPLUG = '''
import pytest

@pytest.fixture(autouse=True)
def unplug_epson_at_five(request):
    """Pull the epson board's cable as the first sale of 05:00 starts."""
    callspec = getattr(request.node, "callspec", None)
    case = callspec.params.get("sweep_case") if callspec else None
    if case is not None and case.board == "epson" and case.hour == 5 and case.count == 0:
        board = request.getfixturevalue("hil_rig").virtual("epson")
        board.unplug()
'''


def test_an_unplugged_board_errors_while_the_other_passes(
    pytester: pytest.Pytester,
) -> None:
    pytester.makepyfile(unplug=UNPLUG)
    result = pytester.runpytest_subprocess(
        HIL,
        *V3_CURRENT,
        "-p",
        "unplug",
        "-k",
        "not test_golden and (h04 or h05 or h06)",
        "-rsE",
        timeout=RUN_DEADLINE_S,
    )
    # epson: 04:00 passes (9), the first sale of 05:00 ERRORs on the lost port, its 17
    # others ERROR at once naming that first fault; cd5220: all 27 pass. Nothing skips.
    result.assert_outcomes(passed=9 + 27, errors=1 + 17)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_sweep[[]v3-epson-h05-c0-p999[]]*",
            "E *.BoardFault: board epson (display */display, control */control): "
            "key presses failed: PortLost: *; receive buffer tail: b'*OK STATE *'",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_sweep[[]v3-epson-h05-c1-p0[]]*",
            # One line naming the first fault: its traceback is in the first error's report.
            "hil.harness.BoardOutOfRun: board epson is out of this run after a rig fault: "
            "board epson (display */display, control */control): key presses failed: "
            "PortLost: *",
        ]
    )
    result.stdout.no_fnmatch_line("*FAILED*")
    result.stdout.no_fnmatch_line("*SKIPPED*")


def test_a_selection_with_no_swap_case_collects_and_passes(pytester: pytest.Pytester) -> None:
    """v1 on launch firmware has no other launch module to swap with: nothing to
    parametrise must not break the board grouping of the other tests."""
    result = pytester.runpytest_inprocess(
        HIL,
        "--hil-module",
        "v1",
        "--hil-firmware-abi",
        "launch",
        *ISOLATED,
        "-k",
        "h12 or hot_swap",
    )
    assert result.ret == pytest.ExitCode.OK, result.stdout.str()
    result.stdout.no_fnmatch_line("*INTERNALERROR*")
    outcomes = result.parseoutcomes()
    assert outcomes["passed"] > 0 and outcomes.get("failed", 0) == 0


def test_loading_the_plugin_imports_no_firmware_or_serial_port() -> None:
    """Every pytest session in a repository with the rig installed loads the plugin; one
    that uses none of its fixtures must not pay for the firmware (wasmtime, cryptography,
    SQLite) or the board harness (pyserial)."""
    probe = (
        "import json, sys, pytest, hil.plugin; "
        "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('wasmtime', 'cryptography', 'sqlite3', 'serial') or m in "
        "('firmware_host.device', 'hil.handles', 'hil.harness', 'hil.pool'))))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=RUN_DEADLINE_S
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == []


@pytest.mark.parametrize("optimise", [["-O"], ["-OO"]])
def test_under_python_O_the_suite_refuses_to_run_rather_than_pass_unjudged(
    tmp_path: Path, optimise: list[str]
) -> None:
    """-O strips every assert, and the suite judges each sale with one: it would pass
    whatever the boards showed."""
    done = subprocess.run(
        [sys.executable, *optimise, "-m", "pytest", HIL, *ISOLATED, "-k", "h12 and c1"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    # A collection error, as any bad HIL setting: nothing runs.
    assert done.returncode == pytest.ExitCode.INTERRUPTED, done.stdout + done.stderr
    assert "UsageError: hil: expected python without optimisation, found -O or PYTHONOPTIMIZE" in (
        done.stdout
    )
    assert " passed" not in done.stdout


def test_the_qualifiers_suite_runs_without_pythonoptimize(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from hil.qualify.suite import suite_environment

    monkeypatch.setenv("PYTHONOPTIMIZE", "1")
    assert "PYTHONOPTIMIZE" not in suite_environment(0)
