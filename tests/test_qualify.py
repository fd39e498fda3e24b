"""`pos-qualify` end to end: verdicts, exit codes and the record files it writes.

Expected values come from the catalogue (sha256 of the committed bytes), from the
written specification (hil/reference.py) and from the deliberately bad modules'
documented faults, never from a previous run of the qualification.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

import price_modules
from firmware_host.abi import FirmwareAbi
from firmware_host.device import Device
from firmware_host.signing import generate_keypair
from firmware_host.trust import TrustStore
from hil.qualify import checks, cli, main, suite
from hil.qualify import run as run_module
from hil.qualify.progress import SilentReporter
from simulator.board import VirtualBoard
from tests.qualify_modules import RETURNS_150, WRAPS_INTO_RANGE, build_candidate
from tests.spec import v3

ROOT = Path(__file__).resolve().parent.parent
SUBPROCESS_DEADLINE_S = 120.0
FILES = ("record.json", "record.junit.xml", "report.html")


def load(out: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((out / "record.json").read_text("utf-8"))
    return data


def check(record: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(c for c in record["checks"] if c["name"] == name)
    return found


def one_board_rig(tmp_path: Path) -> Path:
    rig = tmp_path / "one.toml"
    rig.write_text('name = "one"\n[[boards]]\nname = "epson"\nvirtual = "epson"\n')
    return rig


def bench_rig(tmp_path: Path, board: VirtualBoard, display: str | None = None) -> Path:
    """A rig file naming `board` by its ports, as a bench names a USB board; `display`
    in place of its display port (a port that reaches no board)."""
    rig = tmp_path / "bench.toml"
    rig.write_text(
        f'name = "bench"\n[[boards]]\nname = "front"\nurl = "{display or board.display_path}"\n'
        f'control = "{board.control_path}"\ncommand_set = "epson"\n'
    )
    return rig


def v3_copy(folder: Path, **changes: Any) -> Path:
    """The catalogue's v3 copied to `folder`, its manifest's top-level fields changed
    (None deletes one)."""
    shutil.copytree(price_modules.module_dir("v3"), folder)
    manifest = json.loads((folder / "manifest.json").read_text()) | changes
    manifest = {k: v for k, v in manifest.items() if v is not None}
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_v3_passes_on_the_virtual_rig_and_writes_every_file(tmp_path: Path) -> None:
    out = tmp_path / "v3"
    assert main(["v3", "--out", str(out), "--no-progress"]) == 0
    for name in (*FILES, "hil-suite.junit.xml", "rig.toml"):
        assert (out / name).stat().st_size > 0, name
    record = load(out)
    assert record["outcome"] == "PASS"
    wasm = price_modules.wasm_bytes("v3")
    assert record["module"]["sha256"] == hashlib.sha256(wasm).hexdigest()
    assert record["module"]["size"] == len(wasm)
    assert record["module"]["abi"] == "current"
    assert record["rig"]["kind"] == "virtual"
    assert {b["identity"]["serial"] for b in record["boards"]} == {"VB-epson", "VB-cd5220"}
    assert {"python", "wasmtime", "textual", "pyserial", "pos-hil-rig"} <= set(record["software"])
    assert len(record["software"]["git"]["revision"]) in (40, len("unknown"))
    outcomes = {c["name"]: c["outcome"] for c in record["checks"]}
    assert outcomes == {
        "claims": "PASS",
        "abi": "PASS",
        "golden": "PASS",
        "specification": "PASS",
        "exhaustive": "PASS",
        "deployed": "INFO",
        "boards": "PASS",
    }
    boards = check(record, "boards")
    # Both boards ran the sweep: the default grid at 24 hours on each.
    assert boards["passed"] >= 2 * 24 * len(record["grid"]["pairs"])
    assert check(record, "deployed")["limits"]["deployed"] == "v2"
    suite = ET.parse(out / "record.junit.xml").getroot().find("testsuite")
    assert suite is not None and suite.get("failures") == "0" and suite.get("errors") == "0"
    html = (out / "report.html").read_text("utf-8")
    assert html.count("<svg") >= 4 and "data:image/png;base64," in html


# The HIL suite restricted to hour 12: enough to show the boards ran, quick in CI.
SHORT_SUITE = ("--suite-arg=-k", "--suite-arg=h12")


def test_the_command_runs_as_a_subprocess(tmp_path: Path) -> None:
    """As a release manager types it: from any folder, a relative --out."""
    out = tmp_path / "out"
    rig = one_board_rig(tmp_path)
    done = subprocess.run(
        [sys.executable, "-m", "hil.qualify", "v3", "--out", "out", "--rig", str(rig)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=SUBPROCESS_DEADLINE_S,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    sha = hashlib.sha256(price_modules.wasm_bytes("v3")).hexdigest()
    assert done.stdout.splitlines()[0] == f"PASS v3 {sha}"
    assert all((out / name).is_file() for name in FILES)
    assert check(load(out), "boards")["outcome"] == "PASS"


def test_output_that_cannot_be_written_leaves_the_verdict_as_the_exit_code(
    tmp_path: Path,
) -> None:
    """Stdout on a full disk: the record is written, so the code is still the verdict."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run(
            [sys.executable, "-m", "hil.qualify", "v4", "--no-boards", "--out", "out"],
            cwd=tmp_path,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=SUBPROCESS_DEADLINE_S,
            check=False,
        )
    assert done.returncode == 1, done.stderr
    assert load(tmp_path / "out")["outcome"] == "FAIL"
    assert done.stderr.strip().startswith(
        "pos-qualify: could not write its output: No space left on device; the exit code is "
        f"the verdict, the record is in {tmp_path / 'out'}"
    )


def test_v4_fails_on_current_firmware_which_refuses_its_f32_result(tmp_path: Path) -> None:
    assert main(["v4", "--no-boards", "--out", str(tmp_path), "--no-progress"]) == 1
    record = load(tmp_path)
    assert record["outcome"] == "FAIL"
    assert record["module"]["signature"] == "(i32, i32, i32) -> f32"
    assert record["module"]["abi"] is None
    abi = check(record, "abi")
    assert abi["outcome"] == "FAIL"
    assert "Incompatible Export Type" in abi["cases"][0]["observed"]
    golden = check(record, "golden")
    assert golden["outcome"] == "FAIL"
    assert golden["observed"].startswith("not run: the current firmware refused the module")


def test_v1_passes_for_the_launch_firmware(tmp_path: Path) -> None:
    argv = ["v1", "--firmware-abi", "launch", "--no-boards", "--out", str(tmp_path)]
    assert main([*argv, "--no-progress"]) == 0
    assert load(tmp_path)["module"]["abi"] == "launch"


def test_a_module_returning_150_fails_with_its_case_named(tmp_path: Path) -> None:
    candidate = build_candidate(RETURNS_150, tmp_path / "candidate")
    out = tmp_path / "out"
    argv = [str(candidate), "--rig", str(one_board_rig(tmp_path)), "--out", str(out)]
    # Only the suite's tests at hour 12, to keep this test short.
    assert main([*argv, *SHORT_SUITE, "--no-progress"]) == 1
    record = load(out)
    assert record["outcome"] == "FAIL"
    for name in ("golden", "specification"):
        failed = check(record, name)
        assert failed["outcome"] == "FAIL"
        assert [(c["case_id"], c["expected"], c["observed"]) for c in failed["cases"]] == [
            ("h12-c1-p10", "price 10", "Invalid price : 150")
        ]
    boards = check(record, "boards")
    assert boards["outcome"] == "FAIL"
    named = {c["case_id"] for c in boards["cases"]}
    assert {"test_sweep[v3-150-epson-h12-c1-p10]", "test_golden[v3-150-epson-h12-c1-p10]"} <= named
    assert "-k" in boards["details"]["pytest_args"]
    # Scenario tests (ABI offer, hot swap) that sell 1 x 10 at hour 12 fail on that sale.
    for case in boards["cases"]:
        assert (case["expected"], case["observed"].split(" | ")[0]) == (
            "price 10",
            "Invalid price : 150",
        )
    # Right everywhere else: the whole domain holds exactly that case off its specification.
    exhaustive = check(record, "exhaustive")
    assert exhaustive["outcome"] == "FAIL"
    assert exhaustive["details"]["conformance"]["differ"]["cases"] == 1
    assert [(c["case_id"], c["expected"], c["observed"]) for c in exhaustive["cases"]] == [
        ("h12-c1-p10", "10 (the specification)", "150")
    ]


def test_a_module_wrapping_into_range_fails_with_wraparound_cases(tmp_path: Path) -> None:
    candidate = build_candidate(WRAPS_INTO_RANGE, tmp_path / "candidate")
    out = tmp_path / "out"
    assert main([str(candidate), "--no-boards", "--out", str(out), "--no-progress"]) == 1
    record = load(out)
    # Golden cases and the grid miss the fault; the exhaustive tier does not.
    assert check(record, "golden")["outcome"] == "PASS"
    assert check(record, "specification")["outcome"] == "PASS"
    exhaustive = check(record, "exhaustive")
    assert exhaustive["outcome"] == "FAIL"
    wraps = exhaustive["details"]["wrap_into_range"]
    assert wraps["cases"] > 0 and exhaustive["failed"] >= wraps["cases"]
    assert wraps["examples"]
    for case in wraps["examples"]:
        hour, count, unit = case["hour"], case["count"], case["unit_price"]
        assert 200 <= unit <= 998  # the documented fixed-point path
        assert v3(count, unit, hour) > 100  # the specification refuses this sale
        assert case["result"] in range(101)  # but it was priced
    # Every wrapped case differs from the specification, which never wraps into range.
    assert exhaustive["details"]["conformance"]["differ"]["cases"] >= wraps["cases"]
    said = [c["expected"] for c in exhaustive["cases"] if "guard refusal" in c["expected"]]
    assert said and all("wrapped around i32 or from a wrong rule" in e for e in said)


class Unplugger(SilentReporter):
    """Pulls the board out once the HIL suite has finished its first test."""

    def __init__(self, board: VirtualBoard) -> None:
        self.board = board
        self.stage = ""
        self.unplugged = False

    def start(self, title: str, total: int | None) -> None:
        self.stage = title

    def advance(self, steps: int = 1, note: str = "") -> None:
        if self.stage == "boards" and not self.unplugged:
            self.board.unplug()
            self.unplugged = True


def test_a_board_lost_mid_run_makes_the_qualification_an_error(tmp_path: Path) -> None:
    with VirtualBoard("epson", serial="BENCH-1") as board:
        rig = bench_rig(tmp_path, board)
        reporter = Unplugger(board)
        argv = ["v3", "--rig", str(rig), "--out", str(tmp_path / "out"), "--suite-timeout", "60"]
        assert main(argv, progress=reporter) == 2
    assert reporter.unplugged
    record = load(tmp_path / "out")
    assert record["outcome"] == "ERROR"
    assert record["boards"][0]["identity"]["serial"] == "BENCH-1"
    boards = check(record, "boards")
    assert boards["outcome"] == "ERROR"
    # The first test after the unplug finds the port gone; every later test of the board
    # is an error naming that first fault, at once: none is skipped or passed.
    assert boards["failed"] == 0 and boards["errors"] >= 1 and boards["not_run"] == []
    assert boards["passed"] + boards["errors"] == boards["total"]
    error = next(c for c in boards["cases"] if c["outcome"] == "ERROR")
    assert board.display_path in error["observed"] or board.control_path in error["observed"]
    assert {c["outcome"] for c in record["checks"]} <= {"PASS", "INFO", "ERROR"}


def missing_board_rig(tmp_path: Path, more: str = "") -> Path:
    """A rig file naming board `gone`, whose ports (tmp_path/gone-*) do not exist."""
    gone = tmp_path / "gone"
    rig = tmp_path / "bench.yaml"
    rig.write_text(
        f"boards:\n  - name: gone\n    url: {gone}-display\n    control: {gone}-control\n"
        f"    command_set: cd5220\n{more}"
    )
    return rig


def test_a_board_missing_before_the_run_is_an_error(tmp_path: Path) -> None:
    rig = missing_board_rig(tmp_path)
    argv = ["v3", "--rig", str(rig), "--out", str(tmp_path / "out"), "--no-progress"]
    assert main(argv) == 2
    record = load(tmp_path / "out")
    assert record["outcome"] == "ERROR"
    assert "PortLost" in record["boards"][0]["error"]
    assert check(record, "boards")["outcome"] == "ERROR"


@pytest.mark.parametrize(
    "board", ["/dev/ttyNOPE,cmdset=epson", "/dev/ttyNOPE,control=/dev/ttyNOPE2,cmdset=epson"]
)
def test_a_board_option_naming_no_board_is_an_error_with_a_record(
    tmp_path: Path, board: str
) -> None:
    out = tmp_path / "out"
    assert main(["v3", "--board", board, "--out", str(out), "--no-progress"]) == 2
    record = load(out)
    assert record["outcome"] == "ERROR"
    assert record["boards"][0]["identity"] is None and record["boards"][0]["error"]
    boards = check(record, "boards")
    assert boards["outcome"] == "ERROR" and boards["passed"] == 0
    assert boards["not_run"] == [] and boards["errors"] > 0


def test_a_module_that_declares_no_specification_is_not_passed(tmp_path: Path) -> None:
    candidate = v3_copy(
        tmp_path / "candidate", specification=None, name="mystery-rule", version="v9"
    )
    assert main([str(candidate), "--no-boards", "--out", str(tmp_path / "o"), "--no-progress"]) == 1
    spec = check(load(tmp_path / "o"), "specification")
    assert spec["outcome"] == "FAIL"
    assert spec["observed"].startswith("not run: the manifest declares no specification")


def test_a_domain_over_the_sweep_budget_is_a_usage_error_naming_the_estimate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    domain = {"max_count": 99_999, "max_unit_price": 99_999, "max_price": 100}  # 2.4e11 cases
    candidate = v3_copy(tmp_path / "candidate", domain=domain)
    out = tmp_path / "out"
    argv = [str(candidate), "--no-boards", "--out", str(out), "--sweep-budget", "5"]
    assert main([*argv, "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "usage error: SweepBudgetExceeded" in err
    assert re.search(r"budget of 5 s, estimated [0-9.]+ s for 240\d{9} cases", err), err
    assert not out.exists()


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "soon"])
def test_a_budget_or_timeout_that_is_no_positive_number_is_a_usage_error(
    tmp_path: Path, value: str
) -> None:
    for option in ("--sweep-budget", "--suite-timeout"):
        assert main(["v3", "--no-boards", option, value, "--out", str(tmp_path)]) == 3


def test_every_check_is_timed_in_both_records(tmp_path: Path) -> None:
    assert main(["v3", "--no-boards", "--out", str(tmp_path), "--no-progress"]) == 0
    record = load(tmp_path)
    ran = [c for c in record["checks"] if c["selected"]]
    assert all(c["seconds"] > 0 for c in ran) and record["seconds"] >= sum(
        c["seconds"] for c in ran
    )
    suite = ET.parse(tmp_path / "record.junit.xml").getroot().find("testsuite")
    assert suite is not None
    times = {case.get("name"): float(case.get("time", "0")) for case in suite.iter("testcase")}
    assert times["exhaustive"] == pytest.approx(check(record, "exhaustive")["seconds"], abs=1e-3)
    assert times["exhaustive"] > 0


def test_no_boards_starts_and_asks_no_board_yet_names_the_rig(tmp_path: Path) -> None:
    # The board's ports do not exist: asking it who it is would record PortLost.
    rig = missing_board_rig(tmp_path, "  - name: spare\n    virtual: epson\n")
    gone = tmp_path / "gone"
    argv = ["v3", "--rig", str(rig), "--no-boards", "--out", str(tmp_path / "out")]
    assert main([*argv, "--no-progress"]) == 0
    record = load(tmp_path / "out")
    assert record["rig"] == {"name": "bench", "kind": "file", "source": str(rig)}
    assert record["boards"] == [
        {"name": "gone", "url": f"{gone}-display", "control": f"{gone}-control",
         "command_set": "cd5220", "identity": None, "error": None},
        {"name": "spare", "url": "", "control": None, "command_set": "epson",
         "identity": None, "error": None},
    ]  # fmt: skip
    assert check(record, "boards")["outcome"] == "SKIPPED"


def qualify_and_sign(module: str, tmp_path: Path) -> tuple[int, Path]:
    """Exit code and output folder of a qualification asked to sign on PASS, on a bench:
    a board on ports of its own, as a USB board is (here a virtual board on PTYs)."""
    keys = generate_keypair(tmp_path / "keys", "release")
    out = tmp_path / "out"
    with VirtualBoard("epson", serial="BENCH-1") as board:
        rig = bench_rig(tmp_path, board)
        argv = [module, "--rig", str(rig), "--out", str(out), "--no-progress", "--sign-key"]
        argv += [str(keys.private_path), "--version-number", "7"]
        return main([*argv, "--expires", "2099-01-01T00:00:00Z"]), out


def test_a_release_is_never_signed_on_the_rigs_own_virtual_boards(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = generate_keypair(tmp_path / "keys", "release")
    argv = ["v3", "--rig", str(one_board_rig(tmp_path)), "--out", str(tmp_path / "out")]
    argv += ["--sign-key", str(keys.private_path), "--version-number", "7"]
    assert main([*argv, "--expires", "2099-01-01T00:00:00Z"]) == 3
    assert "a release is signed on the boards of a bench" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_pass_signs_a_document_that_a_terminal_accepts(tmp_path: Path) -> None:
    code, out = qualify_and_sign("v3", tmp_path)
    assert code == 0
    document = json.loads((out / "desired-state.json").read_text())
    # The counter the record names (the manifest's), not one chosen apart from it.
    assert document["release-counter"] == load(out)["module"]["release_counter"] == 3
    trust = TrustStore.load(tmp_path / "keys")
    with Device(tmp_path / "state", abi=FirmwareAbi.CURRENT, trust=trust) as device:
        report = device.apply_document((out / "desired-state.json").read_bytes())
        assert report.accepted, report.ack
        assert report.running is not None
        assert report.running.sha256 == hashlib.sha256(price_modules.wasm_bytes("v3")).hexdigest()


def test_a_release_counter_other_than_the_manifests_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = generate_keypair(tmp_path / "keys", "release")
    argv = ["v3", "--out", str(tmp_path / "out"), "--no-progress", "--sign-key"]
    argv += [str(keys.private_path), "--version-number", "7", "--release-counter", "7"]
    assert main([*argv, "--expires", "2099-01-01T00:00:00Z"]) == 3
    assert (
        "--release-counter: expected v3's manifest release_counter 3 (the record names it), "
        "found 7" in capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()


def test_a_release_of_a_narrowed_suite_is_never_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = generate_keypair(tmp_path / "keys", "release")
    argv = ["v3", *SHORT_SUITE, "--out", str(tmp_path / "out"), "--sign-key"]
    argv += [str(keys.private_path), "--version-number", "7", "--release-counter", "3"]
    assert main([*argv, "--expires", "2099-01-01T00:00:00Z", "--no-progress"]) == 3
    assert "expected neither --no-boards nor --suite-arg, found --suite-arg -k h12" in (
        capsys.readouterr().err
    )
    assert not (tmp_path / "out").exists()


def test_a_suite_narrowed_by_its_arguments_is_not_a_pass(tmp_path: Path) -> None:
    out = tmp_path / "out"
    argv = ["v3", "--rig", str(one_board_rig(tmp_path)), *SHORT_SUITE, "--out", str(out)]
    assert main([*argv, "--no-progress"]) == 2
    boards = check(load(out), "boards")
    assert boards["outcome"] == "ERROR" and boards["failed"] == 0
    deselected = boards["details"]["deselected"]
    assert deselected > 300
    assert f"{deselected} tests deselected by the suite arguments" in boards["observed"]
    collected = boards["passed"]
    assert (
        f"the suite collected {collected} tests, expected the whole suite's "
        f"{collected + deselected}" in boards["observed"]
    )


@pytest.mark.parametrize(
    "suite_args",
    [["--setup-only"], ["--hil-module=v2", "--hil-module=v3"]],
)
def test_suite_arguments_that_change_what_runs_are_never_a_pass(
    tmp_path: Path, suite_args: list[str]
) -> None:
    """--setup-only runs no test body, yet pytest reports each as passed; a decoy module
    keeps the count right while the candidate's tests are deselected."""
    out = tmp_path / "out"
    argv = ["v3", "--rig", str(one_board_rig(tmp_path)), "--out", str(out), "--no-progress"]
    assert main([*argv, *(f"--suite-arg={a}" for a in suite_args)]) == 2
    boards = check(load(out), "boards")
    assert boards["outcome"] == "ERROR"
    assert (
        f"suite arguments {' '.join(suite_args)} may change which tests run" in (boards["observed"])
    )


def test_a_suite_narrowed_through_the_environment_runs_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """PYTEST_ADDOPTS is the qualifier's caller's, not the suite's: it is not passed on."""
    monkeypatch.setenv("PYTEST_ADDOPTS", "-k abi")
    out = tmp_path / "out"
    argv = ["v3", "--rig", str(one_board_rig(tmp_path)), "--out", str(out), "--no-progress"]
    assert main(argv) == 0
    assert check(load(out), "boards")["details"]["deselected"] == 0


def test_a_release_without_the_boards_is_never_signed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = generate_keypair(tmp_path / "keys", "release")
    argv = ["v3", "--no-boards", "--out", str(tmp_path / "out"), "--sign-key"]
    argv += [str(keys.private_path), "--version-number", "7", "--release-counter", "3"]
    assert main([*argv, "--expires", "2099-01-01T00:00:00Z", "--no-progress"]) == 3
    assert "signed only when the whole HIL suite ran on the boards" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_fail_signs_nothing(tmp_path: Path) -> None:
    code, out = qualify_and_sign("v4", tmp_path)
    assert code == 1
    assert (out / "record.json").is_file() and not (out / "desired-state.json").exists()


@pytest.mark.parametrize(
    "argv",
    [
        ["v99"],
        ["v3", "--rig", "missing.toml"],
        ["v3", "--sign-key", "k.key"],
        ["v3", "--firmware-abi", "future"],
        ["v3", "-n", "-1"],
        ["v3", "--workers", "lots"],
        ["v3", "--expires", "tomorrow", "--sign-key", "k", "--version-number", "1",
         "--release-counter", "1"],
    ],
)  # fmt: skip
def test_usage_errors_exit_3(tmp_path: Path, argv: list[str]) -> None:
    assert main([*argv, "--no-boards", "--no-progress", "--out", str(tmp_path)]) == 3
    assert not (tmp_path / "record.json").exists()


def test_an_empty_hil_rig_is_a_usage_error_not_the_virtual_boards(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("HIL_RIG", "")
    assert main(["v3", "--no-boards", "--no-progress", "--out", str(tmp_path / "out")]) == 3
    assert "$HIL_RIG: expected a rig file, found '' (set but empty)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("expires", ["2027-01-01 00:00:00Z", "2027-01-01T00:00:00", "tomorrow"])
def test_an_expiry_a_terminal_would_refuse_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], expires: str
) -> None:
    """Signing comes after a qualification that may take minutes: its options are held
    to the terminal's own rule (RFC 3339 with a zone) before anything runs."""
    keys = generate_keypair(tmp_path / "keys", "release")
    argv = ["v3", "--out", str(tmp_path / "out"), "--sign-key", str(keys.private_path)]
    argv += ["--version-number", "7", "--release-counter", "3", "--expires", expires]
    assert main([*argv, "--no-progress"]) == 3
    assert "--expires: field 'expires': expected" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"--version-number": "0"}, "version"),
        ({"--release-counter": "-1"}, "release"),
        ({"--expires": "2001-01-01T00:00:00Z"}, "expire"),
        ({"--key-id": "../../etc"}, "key-id"),
        ({"key": b"not a key"}, "key"),
    ],
)  # fmt: skip
def test_a_release_a_terminal_would_refuse_is_refused_before_the_run(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], change: dict[str, Any], named: str
) -> None:
    """The release is rehearsed in memory before the boards: a key that does not load,
    or a version, counter, expiry or key id a terminal refuses, costs no run."""
    keys = generate_keypair(tmp_path / "keys", "release")
    if "key" in change:
        keys.private_path.write_bytes(change.pop("key"))
    options = {"--version-number": "7", "--release-counter": "3"}
    options |= {"--expires": "2099-01-01T00:00:00Z", "--sign-key": str(keys.private_path)}
    options |= change
    argv = ["v3", "--out", str(tmp_path / "out"), "--no-progress"]
    assert main([*argv, *(w for pair in options.items() for w in pair)]) == 3
    err = capsys.readouterr().err
    assert err.startswith("pos-qualify: usage error: ") and named in err.lower(), err
    assert not (tmp_path / "out").exists()


class Blocker(SilentReporter):
    """Once the first check starts, puts a folder where the record file must go."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def start(self, title: str, total: int | None) -> None:
        self.path.mkdir(parents=True, exist_ok=True)


def test_a_qualification_that_cannot_write_its_record_exits_2_with_the_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # The run cannot write its files: that proves nothing about the module (not 1)
    # and the options were fine when it started (not 3).
    blocked = tmp_path / "out" / "record.json"
    argv = ["v3", "--no-boards", "--out", str(tmp_path / "out")]
    assert main(argv, progress=Blocker(blocked)) == 2
    err = capsys.readouterr().err
    assert err.startswith("pos-qualify: error: ") and str(blocked) in err


def test_a_bug_inside_a_check_is_that_checks_error_with_its_traceback_in_the_record(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A rig bug proves nothing about the module: ERROR (2), never FAIL or PASS, and the
    # record keeps the traceback so the bug can be found; the other checks still ran.
    def broken(*_: object) -> None:
        raise KeyError("a bug planted in the golden check")

    monkeypatch.setitem(checks.CHECKS, "golden", broken)
    out = tmp_path / "out"
    assert main(["v3", "--no-boards", "--out", str(out), "--no-progress"]) == 2
    record = load(out)
    golden = check(record, "golden")
    assert golden["outcome"] == "ERROR"
    assert "internal error (a bug in the rig): KeyError" in golden["observed"]
    assert "a bug planted in the golden check" in golden["details"]["traceback"]
    assert "def broken" not in golden["details"]["traceback"]  # a traceback, not source
    assert "Traceback (most recent call last)" in golden["details"]["traceback"]
    assert check(record, "specification")["outcome"] == "PASS"


def test_a_bug_outside_the_checks_exits_4_with_its_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(*_: object) -> None:
        raise ZeroDivisionError("a bug planted before the checks")

    monkeypatch.setattr(cli, "resolve", broken)
    assert main(["v3", "--no-boards", "--out", str(tmp_path / "out")]) == 4
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err
    assert "ZeroDivisionError: a bug planted before the checks" in err
    assert "pos-qualify: internal error (a bug, not a verdict)" in err
    assert not (tmp_path / "out").exists()


def test_a_record_set_that_cannot_be_finished_leaves_no_record_json(tmp_path: Path) -> None:
    """record.json is written last: a report that cannot be written (a full disk) leaves
    no record saying PASS beside nothing."""
    out = tmp_path / "out"
    assert main(["v3", "--no-boards", "--out", str(out)], Blocker(out / "report.html")) == 2
    assert not (out / "record.json").exists()


def test_a_candidate_path_no_utf8_can_hold_still_gets_its_whole_record(tmp_path: Path) -> None:
    folder = Path(os.fsdecode(bytes(tmp_path) + b"/cand\xff\x01"))
    shutil.copytree(price_modules.module_dir("v3"), folder)
    out = tmp_path / "out"
    assert main([str(folder), "--no-boards", "--out", str(out), "--no-progress"]) == 0
    ET.parse(out / "record.junit.xml")  # well-formed despite the control character
    assert "cand\\udcff\x01" in (out / "report.html").read_text("utf-8")
    assert load(out)["outcome"] == "PASS"


def test_a_reference_file_that_is_a_device_is_refused_not_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = v3_copy(tmp_path / "cand", version="cand", specification={"reference": "reference.py"})
    (folder / "reference.py").symlink_to("/dev/zero")
    assert main([str(folder), "--no-boards", "--out", str(tmp_path / "out")]) == 3
    assert "expected a reference file (a regular file), found a character device" in (
        capsys.readouterr().err
    )


def test_a_record_folder_that_cannot_be_made_exits_2_with_the_cause(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "file").write_text("")  # a file where a folder of the path must be
    out = tmp_path / "file" / "out"
    assert main(["v3", "--no-boards", "--no-progress", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("pos-qualify: error: RecordFolderError") and str(out) in err


@pytest.mark.parametrize("holding", ["record.json", "anything"])
def test_an_out_folder_holding_files_is_refused_and_left_as_it_was(
    tmp_path: Path, holding: str
) -> None:
    out = tmp_path / "out"
    out.mkdir()
    (out / holding).write_text("an earlier run")
    assert main(["v3", "--no-boards", "--no-progress", "--out", str(out)]) == 3
    assert [p.name for p in out.iterdir()] == [holding]
    assert (out / holding).read_text() == "an earlier run"


def test_a_second_run_never_overwrites_the_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["v3", "--no-boards", "--no-progress"]) == 0
    assert main(["v3", "--no-boards", "--no-progress"]) == 0
    runs = sorted((tmp_path / "qualification").iterdir())
    sha8 = hashlib.sha256(price_modules.wasm_bytes("v3")).hexdigest()[:8]
    assert len(runs) == 2 and all(r.name.startswith(f"v3-{sha8}-") for r in runs)
    created = [load(r)["created"] for r in runs]
    assert all((r / "record.json").is_file() for r in runs) and len(set(map(str, runs))) == 2
    assert created == sorted(created)


class KillsTheSuite(SilentReporter):
    """SIGKILLs the suite's process once its first test has finished: a suite that
    crashes mid-run. The suite is this process's child running `-m pytest`."""

    def __init__(self) -> None:
        self.stage = ""
        self.killed = False

    def start(self, title: str, total: int | None) -> None:
        self.stage = title

    def advance(self, steps: int = 1, note: str = "") -> None:
        if self.stage != "boards" or self.killed:
            return
        for stat in Path("/proc").glob("[0-9]*/stat"):
            with contextlib.suppress(OSError):
                ppid = int(stat.read_text().rsplit(")", 1)[1].split()[1])
                cmdline = (stat.parent / "cmdline").read_bytes().split(b"\0")
                if ppid == os.getpid() and b"pytest" in cmdline:
                    os.kill(int(stat.parent.name), signal.SIGKILL)
                    self.killed = True


def test_a_suite_killed_by_a_signal_mid_run_is_an_error(tmp_path: Path) -> None:
    argv = ["v3", "--rig", str(one_board_rig(tmp_path)), "--out", str(tmp_path / "out")]
    killer = KillsTheSuite()
    assert main(argv, progress=killer) == 2
    assert killer.killed
    boards = check(load(tmp_path / "out"), "boards")
    assert boards["outcome"] == "ERROR"
    assert boards["passed"] >= 1 and boards["details"]["returncode"] == -9
    assert "pytest exit -9 (killed by SIGKILL)" in boards["observed"]
    assert re.search(r"only \d+ of \d+ collected tests finished", boards["observed"])


def test_a_suite_past_its_deadline_is_killed_and_an_error(tmp_path: Path) -> None:
    # Half a second is less than pytest needs to start, so the deadline always expires.
    argv = ["v3", "--suite-timeout", "0.5", "--out", str(tmp_path), "--no-progress"]
    assert main(argv) == 2
    boards = check(load(tmp_path), "boards")
    assert boards["outcome"] == "ERROR"
    assert "did not finish within its deadline" in boards["observed"]


class SwapsBeforeTheBoards(SilentReporter):
    """Replaces the submitted module's bytes with `other` as the boards check starts:
    the files a team handed in changing under a running qualification."""

    def __init__(self, submitted: Path, other: bytes) -> None:
        self.submitted, self.other = submitted, other

    def start(self, title: str, total: int | None) -> None:
        if title == "boards":
            (self.submitted / "price_func.wasm").write_bytes(self.other)


def test_a_candidate_changed_mid_run_is_judged_as_it_was_read(tmp_path: Path) -> None:
    submitted = tmp_path / "submitted"
    shutil.copytree(price_modules.module_dir("v3"), submitted)
    v3_bytes = (submitted / "price_func.wasm").read_bytes()
    bad = build_candidate(RETURNS_150, tmp_path / "bad") / "price_func.wasm"
    out = tmp_path / "out"
    argv = [str(submitted), "--rig", str(one_board_rig(tmp_path)), "--out", str(out)]
    assert main(argv, SwapsBeforeTheBoards(submitted, bad.read_bytes())) == 0
    record = load(out)
    assert record["outcome"] == "PASS"
    assert record["module"]["sha256"] == hashlib.sha256(v3_bytes).hexdigest()
    assert record["module"]["source"] == str(submitted)
    assert (out / "candidate" / "price_func.wasm").read_bytes() == v3_bytes
    assert str(out / "candidate") in check(record, "boards")["details"]["pytest_args"]


def test_a_candidate_labelled_as_another_catalogue_version_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """v3's manifest copied beside other bytes, its version left as "v3": every test id
    and record would name another module v3. A copy of v3 itself keeps the label."""
    bad = (build_candidate(RETURNS_150, tmp_path / "bad") / "price_func.wasm").read_bytes()
    copied = v3_copy(tmp_path / "copied", sha256=hashlib.sha256(bad).hexdigest(), size=len(bad))
    (copied / "price_func.wasm").write_bytes(bad)
    out = tmp_path / "out"
    assert main([str(copied), "--no-boards", "--out", str(out), "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert "field 'version' expected a label of this module's own, found 'v3'" in err
    assert not out.exists()
    same = v3_copy(tmp_path / "same")
    assert main([str(same), "--no-boards", "--out", str(out), "--no-progress"]) == 0


def test_a_candidate_that_is_a_fifo_is_a_usage_error_not_a_hang(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = v3_copy(tmp_path / "fifo")
    (folder / "price_func.wasm").unlink()
    os.mkfifo(folder / "price_func.wasm")
    assert main([str(folder), "--no-boards", "--out", str(tmp_path / "out")]) == 3
    assert "a FIFO (named pipe)" in capsys.readouterr().err


def test_a_deployed_module_the_firmware_refuses_is_named_as_the_deployed_one(
    tmp_path: Path,
) -> None:
    out = tmp_path / "out"
    argv = ["v3", "--deployed", "v1", "--no-boards", "--out", str(out), "--no-progress"]
    assert main(argv) == 2
    deployed = check(load(out), "deployed")
    assert deployed["outcome"] == "ERROR"
    assert deployed["observed"].startswith(
        "the deployed module v1 could not be swept: IncompatibleExportType"
    )


@pytest.mark.parametrize("number", ["\u0663", "1_0", " 7"])
def test_release_numbers_are_ascii_decimal_as_pos_module_takes_them(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], number: str
) -> None:
    """int() reads an Arabic-Indic three as 3 and 1_0 as 10: a release signed with a
    number nobody typed."""
    keys = generate_keypair(tmp_path / "keys", "release")
    argv = ["v3", "--out", str(tmp_path / "out"), "--sign-key", str(keys.private_path)]
    argv += ["--version-number", number, "--expires", "2099-01-01T00:00:00Z"]
    assert main(argv) == 3
    assert "expected an ASCII decimal integer" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_two_runs_that_both_found_the_out_folder_empty_do_not_share_it(tmp_path: Path) -> None:
    """Both checked --out before either wrote: the first to claim it runs, the other
    stops with a record folder error, and the first's record is its own."""
    from hil.qualify.run import Options, RecordFolderError, qualify, resolve

    out = tmp_path / "out"
    options = Options(module="v3", out_dir=out, run_boards=False)
    first, second = resolve(options), resolve(options)  # both see a new folder
    assert qualify(options, SilentReporter(), first).record.outcome.value == "PASS"
    with pytest.raises(RecordFolderError, match="found another qualification writing into it"):
        qualify(options, SilentReporter(), second)
    assert load(out)["module"]["version"] == "v3"


def test_a_calibration_the_machine_cannot_run_is_an_error_not_a_usage_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from hil.exhaustive import SweepError
    from hil.qualify import run

    def no_memory(*_: object, **__: object) -> None:
        raise SweepError("sweep module: expected to instantiate, found: mmap failed")

    monkeypatch.setattr(run, "enforce_sweep_budget", no_memory)
    assert main(["v3", "--no-boards", "--out", str(tmp_path / "out")]) == 2
    assert capsys.readouterr().err.startswith("pos-qualify: error: SweepError: ")


FAKE_PASS_PLUGIN = '''
import pytest
from _pytest.reports import TestReport


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_protocol(item, nextitem):
    """Every test reported passed, none run."""
    item.ihook.pytest_runtest_logstart(nodeid=item.nodeid, location=item.location)
    for when in ("setup", "call", "teardown"):
        report = TestReport(item.nodeid, item.location, {}, "passed", None, when, [], 0.0)
        item.ihook.pytest_runtest_logreport(report=report)
    item.ihook.pytest_runtest_logfinish(nodeid=item.nodeid, location=item.location)
    return True
'''


@pytest.mark.parametrize("where", ["pythonpath", "conftest_above", "record_folder_named_test"])
def test_code_planted_around_the_suite_cannot_pass_a_board_it_never_drove(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """A board whose control channel answers but whose display is not connected: its
    sales cannot be shown. A plugin that reports every test passed, brought in through
    PYTHONPATH (a sitecustomize setting PYTEST_PLUGINS), a conftest.py above the suite,
    or a record folder named like a test file, must not make that a PASS."""
    planted = tmp_path / "planted"
    planted.mkdir()
    (planted / "fakepass.py").write_text(FAKE_PASS_PLUGIN)
    if where == "pythonpath":
        (planted / "sitecustomize.py").write_text(
            "import os\nos.environ['PYTEST_PLUGINS'] = 'fakepass'\n"
        )
        monkeypatch.setenv("PYTHONPATH", str(planted))
    elif where == "conftest_above":
        monkeypatch.setattr(suite, "HIL_DIR", _suite_copy(tmp_path / "above"))
        (tmp_path / "above" / "conftest.py").write_text(FAKE_PASS_PLUGIN)
    else:
        hil_copy = _suite_copy(tmp_path / "above")
        monkeypatch.setattr(suite, "HIL_DIR", hil_copy)
        seed = hil_copy / "test_seed.py" / "candidate"
        seed.mkdir(parents=True)
        (seed / "conftest.py").write_text(FAKE_PASS_PLUGIN)
    with VirtualBoard("epson", serial="BENCH-1") as board:
        rig = bench_rig(tmp_path, board, display="loop://")
        out = tmp_path / "out"
        argv = ["v3", "--rig", str(rig), "--out", str(out), "--no-progress"]
        assert main([*argv, "--suite-timeout", "120"]) == 2
    boards = check(load(out), "boards")
    assert boards["outcome"] == "ERROR" and boards["passed"] == 0


def _suite_copy(folder: Path) -> Path:
    """The suite's test files in a folder of their own (`folder/hil`), as a checkout
    under `folder` would hold them."""
    copy = folder / "hil"
    copy.mkdir(parents=True)
    for test_file in suite.HIL_DIR.glob("test_*.py"):
        shutil.copy(test_file, copy / test_file.name)
    return copy


def test_a_record_folder_inside_the_suite_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    hil_copy = _suite_copy(tmp_path / "checkout")
    monkeypatch.setattr(run_module, "HIL_DIR", hil_copy)
    out = hil_copy / "records"
    assert main(["v3", "--no-boards", "--out", str(out)]) == 3
    assert "expected a folder outside the HIL suite's" in capsys.readouterr().err
    assert not out.exists()
    monkeypatch.chdir(hil_copy)  # the default folder, qualification/, would lie inside it
    assert main(["v3", "--no-boards"]) == 3
    assert not (hil_copy / "qualification").exists()


def test_a_label_that_differs_from_a_catalogue_version_only_in_case_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = build_candidate(RETURNS_150, tmp_path / "cand")
    manifest = json.loads((folder / "manifest.json").read_text())
    (folder / "manifest.json").write_text(json.dumps(manifest | {"version": "V3"}))
    assert main([str(folder), "--no-boards", "--out", str(tmp_path / "out")]) == 3
    assert "found 'V3', the catalogue's v3" in capsys.readouterr().err
