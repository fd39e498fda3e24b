"""The pure parts of qualification: verdicts, the board check's reading of the HIL
suite's reports, the rig file handed to the suite, JUnit XML, PNG and plot colours."""

from __future__ import annotations

import os
import shutil
import struct
import subprocess
import xml.etree.ElementTree as ET
import zlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import wasmtime

from firmware_host.abi import FirmwareAbi
from hil.grid import DEFAULT_GRID
from hil.qualify import plots
from hil.qualify.boards import PreparedRig, identify, write_rig
from hil.qualify.context import Context
from hil.qualify.html import compact, diff_rgb, price_figures, price_plane
from hil.qualify.junit import junit_xml
from hil.qualify.provenance import git_state
from hil.qualify.record import BoardInfo, Record, write_atomic
from hil.qualify.results import CaseResult, CheckResult, Outcome
from hil.qualify.run import default_deployed
from hil.qualify.suite import (
    HIL_DIR as SUITE_DIR,
)
from hil.qualify.suite import (
    SuiteRun,
    SuiteTest,
    board_check,
    error_message,
    failing_entry,
    suite_files,
    unvetted_suite_args,
)
from hil.rig import BoardSpec, Rig, RigFileError, load_rig
from hil.subject import Subject, catalogue_subject
from tests.serial_helpers import pty_pair

ROOT = Path(__file__).resolve().parent.parent


def result(outcome: Outcome, name: str = "c") -> CheckResult:
    return CheckResult(name, name, outcome, {}, "e", "o")


def event(nodeid: str, when: str, outcome: str, reason: str = "") -> dict[str, object]:
    return {"event": "report", "nodeid": nodeid, "when": when, "outcome": outcome,
            "properties": [], "reason": reason}  # fmt: skip


def phases(nodeid: str, setup: str, call: str | None, teardown: str = "passed") -> SuiteTest:
    test = SuiteTest(nodeid)
    test.take(event(nodeid, "setup", setup, "E   hil.harness.BoardFault: port /dev/x lost"))
    if call is not None:
        test.take(event(nodeid, "call", call, "E   AssertionError: price"))
    test.take(event(nodeid, "teardown", teardown))
    return test


def test_report_phases_fold_into_one_outcome() -> None:
    assert phases("t[a]", "passed", "passed").outcome is Outcome.PASS
    assert phases("t[a]", "passed", "failed").outcome is Outcome.FAIL
    assert phases("t[a]", "failed", None).outcome is Outcome.ERROR
    assert phases("t[a]", "skipped", None).outcome is Outcome.SKIPPED
    assert phases("t[a]", "passed", "passed", teardown="failed").outcome is Outcome.ERROR
    assert phases("x.py::test_sweep[v3-epson-h12-c1-p10]", "passed", "passed").case_id == (
        "test_sweep[v3-epson-h12-c1-p10]"
    )


def test_a_scenario_is_judged_by_its_first_failing_sale() -> None:
    pairs = [
        ["expected", "accepted"],
        ["outcome", "pass"],
        ["sale0.expected", "price 10"],
        ["sale0.outcome", "fail"],
        ["sale1.expected", "price 20"],
    ]
    assert failing_entry(pairs) == {"expected": "price 10", "outcome": "fail"}
    assert error_message("trace\nE   BoardFault: lost /dev/x\nE   tail b''\nfile.py:3: X") == (
        "BoardFault: lost /dev/x tail b''"
    )


def rig_of(*errors: str | None) -> PreparedRig:
    boards = tuple(BoardInfo(f"b{i}", "u", "c", "epson", error=e) for i, e in enumerate(errors))
    return PreparedRig(Rig("r", (), "virtual"), "virtual", boards)


def suite(
    *tests: SuiteTest, returncode: int = 0, timed_out: bool = False, collected: int | None = None
) -> SuiteRun:
    return SuiteRun(["python", "-m", "pytest"], {t.nodeid: t for t in tests}, returncode,
                    "", timed_out, collected)  # fmt: skip


CTX = Context(catalogue_subject("v3"), FirmwareAbi.CURRENT, DEFAULT_GRID, None)
OK = phases("t[ok]", "passed", "passed")


@pytest.mark.parametrize(
    ("run", "lost", "expected"),
    [
        (suite(OK), None, Outcome.PASS),
        (suite(OK, phases("t[f]", "passed", "failed"), phases("t[e]", "failed", None)), None,
         Outcome.FAIL),
        (suite(OK, phases("t[e]", "failed", None), phases("t[s]", "skipped", None)), None,
         Outcome.ERROR),
        (suite(OK, timed_out=True), None, Outcome.ERROR),
        (suite(OK, returncode=3), None, Outcome.ERROR),
        (suite(OK, returncode=-9), None, Outcome.ERROR),
        (suite(OK, collected=3), None, Outcome.ERROR),
        (suite(OK, collected=1), None, Outcome.PASS),
        (suite(OK), "PortLost: gone", Outcome.ERROR),
        (suite(phases("t[s]", "skipped", None)), None, Outcome.ERROR),
        (None, None, Outcome.SKIPPED),
    ],
)  # fmt: skip
def test_board_check_fails_on_a_wrong_module_and_errors_on_the_rig(
    run: SuiteRun | None, lost: str | None, expected: Outcome
) -> None:
    checked = board_check(CTX, rig_of(None, lost), run)
    assert checked.outcome is expected
    if expected is Outcome.FAIL:
        assert [c.case_id for c in checked.cases] == ["t[f]", "t[e]"]
        assert checked.cases[1].observed == "hil.harness.BoardFault: port /dev/x lost"


@pytest.mark.parametrize(
    ("run", "problem"),
    [
        (suite(OK, returncode=-9), "pytest exit -9 (killed by SIGKILL)"),
        (suite(OK, returncode=-6), "pytest exit -6 (killed by SIGABRT)"),
        (suite(OK, returncode=7), "pytest exit 7 (unknown exit code)"),
        (suite(OK, returncode=1, collected=3), "only 1 of 3 collected tests finished"),
    ],
)  # fmt: skip
def test_a_suite_that_broke_off_is_an_error_naming_why(run: SuiteRun, problem: str) -> None:
    checked = board_check(CTX, rig_of(None), run)
    assert checked.outcome is Outcome.ERROR
    assert problem in checked.observed


def test_a_display_only_board_is_asked_nothing_but_its_display_must_open(
    tmp_path: Path,
) -> None:
    with pty_pair() as (_, display):
        shown = identify(BoardSpec("pole", display, "cd5220", display_only=True), 0.5)
    assert (shown.error, shown.identity) == (None, None)
    gone = identify(BoardSpec("pole", str(tmp_path / "gone"), "cd5220", display_only=True), 0.5)
    assert gone.error is not None and str(tmp_path / "gone") in gone.error


def test_the_rig_file_for_the_suite_reads_back_as_the_same_rig(tmp_path: Path) -> None:
    rig = Rig(
        "bench",
        (
            BoardSpec("front", "/dev/ttyUSB0", "epson", "/dev/ttyUSB1",
                      frozenset({"identify", "keys", "readback"}), 19200),
            BoardSpec("plain", "rfc2217://h:1?ign_set_control", "cd5220", None, frozenset(),
                      display_only=True, role="pole"),
        ),
        "x",
    )  # fmt: skip
    back = load_rig(write_rig(rig, tmp_path / "rig.toml"))
    assert back.boards == rig.boards and back.name == "bench"


@pytest.mark.parametrize(
    "url", ["/dev/serial/by-id/usb-\U0001f4df-if00", "/dev/tty\x7fUSB0", 'rfc2217://h:1?"\\\t']
)
def test_any_url_a_rig_file_holds_reads_back_from_the_suites_rig(tmp_path: Path, url: str) -> None:
    """A character outside the BMP, DEL, quotes, backslashes, tabs: the suite must read
    back the board the qualifier opened, not stop at its own rig file."""
    board = BoardSpec("front", url, "epson", None, frozenset(), display_only=True)
    rig = Rig("bench", (board,), "x")
    back = load_rig(write_rig(rig, tmp_path / "rig.toml"))
    assert back.boards == rig.boards


def test_a_url_toml_cannot_hold_is_a_rig_file_error(tmp_path: Path) -> None:
    rig = Rig("bench", (BoardSpec("front", "/dev/tty\udcff", "epson", None, frozenset(),
                                  display_only=True),), "x")  # fmt: skip
    with pytest.raises(RigFileError, match="expected text TOML can hold"):
        write_rig(rig, tmp_path / "rig.toml")


def test_junit_has_a_testcase_per_check_with_failing_cases_named() -> None:
    case = CaseResult("h12-c1-p10", "price 10", "Invalid price : 150", Outcome.FAIL, 12, 1, 10)
    failed = CheckResult(
        "golden", "Golden", Outcome.FAIL, {"cases": 1}, "e", "o", 0, 1, cases=(case,)
    )
    record = Record(
        module={"version": "v9", "sha256": "ab" * 32, "abi": "current"},
        firmware_abi="current", grid={}, rig={}, boards=(), software={},
        checks=(failed, result(Outcome.PASS, "abi"), result(Outcome.SKIPPED, "boards")),
        created="2026-01-05T12:00:00+00:00",
    )  # fmt: skip
    suite_node = ET.fromstring(junit_xml(record)).find("testsuite")
    assert suite_node is not None
    assert (suite_node.get("tests"), suite_node.get("failures"), suite_node.get("skipped")) == (
        "3", "1", "1",
    )  # fmt: skip
    failure = suite_node.find("testcase[@name='golden']/failure")
    assert failure is not None and failure.text is not None
    assert "h12-c1-p10: expected price 10, observed Invalid price : 150" in failure.text
    props = {p.get("name"): p.get("value") for p in suite_node.findall("properties/property")}
    assert props["outcome"] == "FAIL"


def read_png(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, {}
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body)
        chunks[kind] = body
        pos += 12 + length
    width, height = struct.unpack(">II", chunks[b"IHDR"][:8])
    return width, height, zlib.decompress(chunks[b"IDAT"])


def test_png_holds_one_filtered_row_per_image_row() -> None:
    rgb = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    width, height, raw = read_png(plots.png(rgb))
    assert (width, height) == (3, 2)
    assert raw == b"\0" + bytes(range(9)) + b"\0" + bytes(range(9, 18))


def test_price_colours_mark_refusals_and_faults() -> None:
    values = np.array([[0, 100, 101, -1, 50]])
    faults = np.array([[False, False, False, False, True]])
    rgb = plots.price_colours(values, faults, 100)
    assert [tuple(c) for c in rgb[0]] == [
        plots.RAMP[0], plots.RAMP[-1], plots.REFUSED, plots.REFUSED, plots.FAULT,
    ]  # fmt: skip


def test_diff_colours_name_each_kind_of_change() -> None:
    before = np.array([[10, 10, 10, 150, 150, 10]])
    after = np.array([[10, 5, 20, 10, 150, 150]])
    none = np.zeros(after.shape, bool)
    rgb = plots.diff_colours(before, none, after, none, 100)
    colours = [tuple(c) for c in rgb[0]]
    assert colours[0] == plots.SAME
    assert colours[1][1] > colours[1][0] and colours[2][0] > colours[2][1]  # greener, redder
    assert colours[3:] == [plots.NEWLY_PRICED, plots.REFUSED, plots.NEWLY_REFUSED]


# Full price, except that it traps at count 5.
TRAPS_AT_COUNT_5 = """(module (func (export "price_func") (param i32 i32 i32) (result i32)
  (if (i32.eq (local.get 0) (i32.const 5)) (then unreachable))
  (i32.mul (local.get 0) (local.get 1))))"""


def test_a_fault_of_the_deployed_module_is_no_price_in_the_difference() -> None:
    v3 = catalogue_subject("v3")
    wasm = bytes(wasmtime.wat2wasm(TRAPS_AT_COUNT_5))
    deployed = Subject("trap5", "trap5", wasm, v3.manifest)
    rgb = diff_rgb(price_plane(deployed, 1), price_plane(v3, 1), 20, v3.manifest.max_price)
    assert rgb.shape == (24, 20, 3)
    assert {tuple(c) for c in rgb[:, 5]} == {plots.NEWLY_PRICED}
    assert tuple(rgb[13, 4]) == plots.SAME  # full price at 13:00 in both


def test_the_report_compares_with_a_deployed_module_declaring_fewer_counts() -> None:
    v2 = catalogue_subject("v2")
    deployed = Subject("v2-99", "v2-99", v2.wasm, replace(v2.manifest, max_count=99))
    figures = price_figures(catalogue_subject("v3"), deployed, [1])
    assert len(figures) == 2 and all(f.startswith("<svg") for f in figures)
    assert "against deployed v2-99" in figures[1]


def test_limits_read_compactly() -> None:
    assert compact({"start": 0, "stop": 1000, "step": 1}) == "0..999"
    assert compact(list(range(24))) == "0..23"
    assert compact([[1, 2]] * 20) == "20 items"


def test_atomic_write_leaves_a_readable_file_and_no_temporary(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "record.json"
    write_atomic(path, b"{}")
    write_atomic(path, b"[]")
    assert path.read_bytes() == b"[]"
    assert os.listdir(path.parent) == ["record.json"]
    assert path.stat().st_mode & 0o777 == 0o644


def test_git_state_outside_a_checkout_is_unknown(tmp_path: Path) -> None:
    assert git_state(tmp_path) == {"revision": "unknown", "dirty": None}


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, timeout=30)


def test_git_state_of_a_folder_inside_another_checkout_is_unknown(tmp_path: Path) -> None:
    """A wheel installed into a venv inside some checkout is not that checkout's code."""
    _git(tmp_path, "init", "-q")
    inside = tmp_path / ".venv" / "site-packages"
    inside.mkdir(parents=True)
    assert git_state(inside) == {"revision": "unknown", "dirty": None}


def test_git_state_ignores_what_tox_and_the_rig_write(tmp_path: Path) -> None:
    _git(tmp_path, "init", "-q")
    shutil.copy(ROOT / ".gitignore", tmp_path / ".gitignore")
    _git(tmp_path, "add", ".gitignore")
    _git(tmp_path, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x")
    (tmp_path / ".venv").write_text("tox's marker\n")
    (tmp_path / "qualification" / "v3-x").mkdir(parents=True)
    (tmp_path / "qualification" / "v3-x" / "record.json").write_text("{}")
    assert git_state(tmp_path)["dirty"] is False
    (tmp_path / "new.py").write_text("")
    assert git_state(tmp_path)["dirty"] is True


def test_the_deployed_default_is_the_newest_other_version_with_the_same_signature() -> None:
    assert default_deployed(catalogue_subject("v3")) == catalogue_subject("v2")
    assert default_deployed(catalogue_subject("v2")) == catalogue_subject("v3")
    assert default_deployed(catalogue_subject("v1")) is None
    # A candidate from outside the catalogue is compared with its own rule's versions only.
    v3 = catalogue_subject("v3")
    ours = Subject("v5", "/team/v5", b"\0asm", v3.manifest)
    assert default_deployed(ours) == v3
    theirs = Subject("bulk-1", "/team/bulk", b"\0asm", replace(v3.manifest, name="bulk"))
    assert default_deployed(theirs) is None


def test_the_export_signature_is_read_once_per_qualification() -> None:
    ctx = Context(catalogue_subject("v3"), FirmwareAbi.CURRENT, DEFAULT_GRID, None)
    assert ctx.export == ctx.subject.manifest.signature and ctx.export is ctx.export
    broken = Subject("x", "x", b"nope", ctx.subject.manifest)
    export = Context(broken, FirmwareAbi.CURRENT, DEFAULT_GRID, None).export
    assert isinstance(export, str) and export.startswith("NotWasm: price module is not a")


@pytest.mark.parametrize(
    ("args", "unvetted"),
    [
        (["-v", "-x", "--tb=short", "-rE", "-W", "ignore::DeprecationWarning"], []),
        (["--maxfail", "3", "--durations=5", "-q"], []),
        (["--setup-only"], ["--setup-only"]),
        (["--setup-plan", "-v"], ["--setup-plan"]),
        (["--hil-module=v3", "-k", "not mp200"], ["--hil-module=v3", "-k", "not mp200"]),
        (["-p", "evil"], ["-p", "evil"]),
        (["--hil-rig=/elsewhere.toml"], ["--hil-rig=/elsewhere.toml"]),
    ],
)
def test_only_reporting_suite_arguments_are_vetted(args: list[str], unvetted: list[str]) -> None:
    assert unvetted_suite_args(args) == unvetted


def test_the_suite_is_its_own_files_not_whatever_lies_in_its_folder() -> None:
    files = [Path(f) for f in suite_files()]
    assert {f.name for f in files} == {"test_abi_rejection.py", "test_hot_swap.py", "test_sweep.py"}
    assert all(f.parent == SUITE_DIR for f in files)
