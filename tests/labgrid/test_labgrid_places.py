"""Boards shared through labgrid, on loopback: a real coordinator, one real exporter per
bench host, two virtual boards, places made with `labgrid-client`.

Each virtual board's display and control PTYs are exported as RawSerialPort resources
(the resolved /dev/pts/N: the exporter takes only paths under /dev/). The epson bench
names them usb0/usb1 and its place renames them display/control (named matches); the
cd5220 bench names them vfd/ctl, and the rig file says so. labgrid 26's exporter starts
ser2net with an accepter on every interface (`tcp,PORT`); the exporters here find a
`ser2net` on their PATH that binds that accepter to 127.0.0.1 and runs Debian's, so
nothing listens beyond loopback. Who holds a place is read with `labgrid-client who`,
labgrid's own client, never with the code under test.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from firmware_host.deadlines import now
from hil.labgrid_places import PlaceError, PlaceHeld, PlaceHolder
from hil.qualify import main as qualify
from hil.qualify.boards import prepared
from hil.qualify.record import PlaceInfo
from hil.rig import BoardSpec, PlaceSpec
from hil.rig_select import select_rig
from simulator.board import VirtualBoard

T = TypeVar("T")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:serial.rfc2217")

BIN = Path(sys.executable).parent
HIL = str(Path(__file__).resolve().parents[2] / "hil")
START_DEADLINE_S = 20.0
RUN_DEADLINE_S = 180.0
CLIENT_DEADLINE_S = 30.0
EXIT_DEADLINE_S = 10.0
OTHER = {"LG_HOSTNAME": "bench-9", "LG_USERNAME": "other-engineer"}
HELD_BY_OTHER = {"pos-cd5220": "bench-9/other-engineer", "vfd": "pos-cd5220", "ctl": "pos-cd5220"}
# pyserial's rfc2217 module warns about its own use of a deprecated telnetlib idiom.
QUIET_RFC2217 = ("-W", "ignore::DeprecationWarning")
V3_CURRENT = ("--hil-module", "v3", "--hil-firmware-abi", "current", "-p", "no:cacheprovider")
LOOPBACK_SER2NET = """#!/bin/bash
# Debian's ser2net with labgrid's RFC 2217 accepter (`...),tcp,PORT`) bound to loopback.
case "$*" in
  -v|*"),tcp,"*) ;;
  *) echo "ser2net for the lab: expected labgrid's accepter ),tcp,PORT, found: $*" >&2
     exit 97 ;;
esac
exec {ser2net} "${{@/),tcp,/),tcp,127.0.0.1,}}"
"""
ACQUIRED_RESOURCE = re.compile(r"Resource '([^']+)' \([^)]*\):\s*\{'acquired': '([^']+)'")
# name: (command set, exporter's resource names, place, rig file entry)
BENCHES = {
    "epson": ("epson", ("usb0", "usb1"), "pos-epson", ""),
    "cd5220": ("cd5220", ("vfd", "ctl"), "pos-cd5220", 'display_resource = "vfd"\n'
               'control_resource = "ctl"\n'),
}  # fmt: skip


def wait_until(found: Callable[[], T | None], what: str, deadline_s: float = START_DEADLINE_S) -> T:
    """`found()` once it answers, polled until the deadline."""
    deadline = now() + deadline_s
    pause = threading.Event()
    while True:
        answer = found()
        if answer:
            return answer
        if now() > deadline:
            raise AssertionError(f"expected {what} within {deadline_s} s, found none")
        pause.wait(0.05)


@dataclass
class Lab:
    """A coordinator and one exporter per bench, all on loopback, and their places."""

    folder: Path
    coordinator: str = ""
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    boards: dict[str, VirtualBoard] = field(default_factory=dict)

    def log(self, name: str) -> str:
        return (self.folder / f"{name}.log").read_text(errors="replace")

    def start(self, name: str, argv: list[str], env: dict[str, str] | None = None) -> None:
        with (self.folder / f"{name}.log").open("wb") as log:
            self.processes[name] = subprocess.Popen(
                argv, cwd=self.folder, stdout=log, stderr=subprocess.STDOUT, env=env,
                start_new_session=True,
            )  # fmt: skip

    def ready(self, name: str, pattern: str) -> re.Match[str]:
        def seen() -> re.Match[str] | None:
            process = self.processes[name]
            assert process.poll() is None, f"{name} exited {process.returncode}: {self.log(name)}"
            return re.search(pattern, self.log(name))

        return wait_until(seen, f"{name} to log {pattern!r}")

    def client(self, *args: str, env: dict[str, str] | None = None) -> str:
        """`labgrid-client -x COORDINATOR ARGS`, which must succeed; its output."""
        done = subprocess.run(
            [str(BIN / "labgrid-client"), "-x", self.coordinator, *args],
            capture_output=True, text=True, timeout=CLIENT_DEADLINE_S, check=False,
            env={**os.environ, **(env or {})},
        )  # fmt: skip
        assert done.returncode == 0, (args, done.stdout, done.stderr)
        return done.stdout

    def clients(self, *commands: list[str]) -> None:
        """Several `labgrid-client` commands at once (each costs its start-up)."""
        with contextlib.ExitStack() as stack:
            pool = [
                stack.enter_context(
                    subprocess.Popen(
                        [str(BIN / "labgrid-client"), "-x", self.coordinator, *command],
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                    )
                )
                for command in commands
            ]
            for command, process in zip(commands, pool, strict=True):
                output = process.communicate(timeout=CLIENT_DEADLINE_S)[0]
                assert process.returncode == 0, (command, output)

    def holders(self) -> dict[str, str]:
        """Place -> HOST/USER of each acquired place, as `labgrid-client who` lists them."""
        rows = self.client("who").splitlines()[1:]
        return {place: f"{host}/{user}" for user, host, place, *_ in map(str.split, rows)}

    def taken(self) -> dict[str, str]:
        """The holders, and each exporter resource still acquired, with its place: a place
        released while its acquisition was cut off halfway leaves such a resource behind."""
        resources = re.findall(ACQUIRED_RESOURCE, self.client("-v", "resources"))
        return {**self.holders(), **dict(resources)}

    def rig(self, *, coordinator: bool = True) -> Path:
        """The rig file naming both places (and the coordinator unless told not to)."""
        text = 'name = "lab"\n' + (f'coordinator = "{self.coordinator}"\n' if coordinator else "")
        for name, (_, _, place, extra) in BENCHES.items():
            text += f'\n[[boards]]\nname = "{name}"\nplace = "{place}"\n{extra}'
        path = self.folder / ("lab.toml" if coordinator else "lab-no-coordinator.toml")
        path.write_text(text)
        return path

    def kill_exporter(self, board: str) -> None:
        """The bench host goes away: its exporter and the ser2net it started."""
        process = self.processes[f"exporter-{board}"]
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=EXIT_DEADLINE_S)

    def stop(self) -> None:
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(timeout=EXIT_DEADLINE_S)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=EXIT_DEADLINE_S)
        for board in self.boards.values():
            board.stop()


def _exporter_config(board: VirtualBoard, resources: tuple[str, str]) -> str:
    text = f"{board.protocol}:\n"
    for resource, path in zip(resources, (board.display_path, board.control_path), strict=True):
        text += f"  {resource}:\n    cls: RawSerialPort\n    port: {os.path.realpath(path)}\n"
        text += "    speed: 9600\n"
    return text


@contextlib.contextmanager
def running_lab(folder: Path) -> Iterator[Lab]:
    """The lab, its places made and its resources published; everything stopped after."""
    real = shutil.which("ser2net")
    assert real, "ser2net (Debian package ser2net, installed by scripts/check) must be installed"
    (folder / "bin").mkdir(parents=True)
    wrapper = folder / "bin" / "ser2net"
    wrapper.write_text(LOOPBACK_SER2NET.format(ser2net=real))
    wrapper.chmod(0o755)
    lab = Lab(folder)
    try:
        lab.start("coordinator", [str(BIN / "labgrid-coordinator"), "-l", "127.0.0.1:0"])
        lab.coordinator = lab.ready("coordinator", r"listening on (127\.0\.0\.1:\d+)").group(1)
        path = f"{folder / 'bin'}{os.pathsep}{os.environ['PATH']}"
        for name, (cmdset, resources, _, _) in BENCHES.items():
            board = lab.boards[name] = VirtualBoard(cmdset, serial=f"LAB-{name}").start()
            config = folder / f"exporter-{name}.yaml"
            config.write_text(_exporter_config(board, resources))
            argv = [str(BIN / "labgrid-exporter"), "-c", lab.coordinator, "-n", f"bench-{name}"]
            argv += ["--hostname", "127.0.0.1", str(config)]
            lab.start(f"exporter-{name}", argv, {**os.environ, "PATH": path})
        lab.clients(*(["-p", place, "create"] for _, _, place, _ in BENCHES.values()))
        lab.clients(
            ["-p", "pos-epson", "add-named-match", "bench-epson/epson/NetworkSerialPort/usb0",
             "display"],
            ["-p", "pos-epson", "add-named-match", "bench-epson/epson/NetworkSerialPort/usb1",
             "control"],
            ["-p", "pos-cd5220", "add-match", "bench-cd5220/cd5220/NetworkSerialPort/*"],
        )  # fmt: skip
        exported = [f"[/{name}])" for _, names, _, _ in BENCHES.values() for name in names]
        wait_until(
            lambda: all(e in lab.client("-v", "resources") for e in exported) or None,
            "the four ports published on the coordinator",
        )
        yield lab
    finally:
        lab.stop()


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    """One lab for the tests that leave it whole; each leaves every place free."""
    with running_lab(tmp_path_factory.mktemp("lab")) as started:
        yield started


@pytest.fixture
def other_holds_cd5220(lab: Lab) -> Iterator[None]:
    """Another engineer, on another bench PC, has acquired the cd5220 board's place."""
    lab.client("-p", "pos-cd5220", "acquire", env=OTHER)
    try:
        yield
    finally:
        lab.client("-p", "pos-cd5220", "release", env=OTHER)


def _suite(pytester: pytest.Pytester, rig: Path, *args: str) -> pytest.RunResult:
    return pytester.runpytest_subprocess(
        HIL, *V3_CURRENT, "--hil-rig", str(rig), *QUIET_RFC2217, *args, timeout=RUN_DEADLINE_S
    )


# --- the HIL suite over labgrid places ------------------------------------------------


def test_the_hil_suite_runs_over_two_labgrid_places_and_releases_them(
    pytester: pytest.Pytester, lab: Lab
) -> None:
    result = _suite(pytester, lab.rig(), "-k", "h12 and not test_golden", "-v")
    result.assert_outcomes(passed=18)
    result.stdout.fnmatch_lines(["*test_sweep[[]v3-epson-h12-c0-p999[]] PASSED*"])
    result.stdout.fnmatch_lines(["*test_sweep[[]v3-cd5220-h12-c65536-p65536[]] PASSED*"])
    assert lab.taken() == {}


WORKER_PLACES = """
import json, os

def pytest_runtest_teardown(item):
    places = item.funcargs["hil_rig"].places
    with open(os.environ["HIL_WORKER_LOG"], "a") as log:
        entry = {"worker": os.environ.get("PYTEST_XDIST_WORKER"), "test": item.name,
                 "held": sorted(places.held) if places else []}
        log.write(json.dumps(entry) + "\\n")
"""


def test_with_two_workers_each_holds_the_labgrid_place_of_its_own_board(
    pytester: pytest.Pytester, lab: Lab, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(worker_places=WORKER_PLACES)
    log = pytester.path / "workers.log"
    monkeypatch.setenv("HIL_WORKER_LOG", str(log))
    result = _suite(pytester, lab.rig(), "-n", "2", "-p", "worker_places", "-k", "h12 and c1")
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    result.assert_outcomes(passed=len(entries))
    held_by: dict[str, set[str]] = {}
    for entry in entries:
        board = entry["test"].split("[")[1].split("-")[1]
        assert entry["held"] == [BENCHES[board][2]], entry  # its own place, and only that
        held_by.setdefault(board, set()).add(entry["worker"])
    assert set(held_by) == {"epson", "cd5220"}
    assert all(len(workers) == 1 for workers in held_by.values()), held_by
    assert held_by["epson"] != held_by["cd5220"], held_by
    assert lab.taken() == {}


def test_a_labgrid_place_held_by_another_user_is_an_error_naming_the_holder(
    pytester: pytest.Pytester, lab: Lab, other_holds_cd5220: None
) -> None:
    result = _suite(pytester, lab.rig(), "-k", "h12 and c1 and not test_golden", "-rE")
    # epson: its 4 pass; cd5220: the first test finds the place held, the 3 others ERROR
    # at once naming that fault. Nothing fails, nothing skips.
    result.assert_outcomes(passed=4, errors=4)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_sweep[[]v3-cd5220-h12-c1-p0[]]*",
            "E *BoardFault: board cd5220: PlaceHeld: place pos-cd5220 on coordinator "
            f"{lab.coordinator}: expected it free, found it held by bench-9/other-engineer; "
            "not taken over",
        ]
    )
    result.stdout.fnmatch_lines(
        ["*BoardOutOfRun: board cd5220 is out of this run after a rig fault: PlaceHeld*"]
    )
    result.stdout.no_fnmatch_line("*FAILED*")
    assert lab.taken() == HELD_BY_OTHER  # never taken over


BENCH_HOST_GONE = """
import os, signal, threading, time
from pathlib import Path
import pytest

def _running(group):
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, _, pgrp = stat.read_text().rsplit(")", 1)[1].split()[:3]
        except OSError:
            continue
        if int(pgrp) == group and state != "Z":
            return True
    return False

@pytest.fixture(autouse=True)
def epson_bench_host_gone_at_five(request):
    \"\"\"The epson bench host dies (its exporter and the ser2net it started) as the first
    sale of 05:00 starts; the sale goes on once nothing of it runs any more.\"\"\"
    callspec = getattr(request.node, "callspec", None)
    case = callspec.params.get("sweep_case") if callspec else None
    if case is not None and case.board == "epson" and case.hour == 5 and case.count == 0:
        group = int(os.environ["HIL_EXPORTER_GROUP"])
        os.killpg(group, signal.SIGKILL)
        deadline = time.monotonic() + 10
        while _running(group):
            assert time.monotonic() < deadline, "the exporter outlived SIGKILL"
            threading.Event().wait(0.01)
"""


def test_a_labgrid_exporter_killed_mid_run_errors_its_board_while_the_other_passes(
    pytester: pytest.Pytester, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pytester.makepyfile(bench_host_gone=BENCH_HOST_GONE)
    with running_lab(tmp_path / "lab") as lab:
        monkeypatch.setenv("HIL_EXPORTER_GROUP", str(lab.processes["exporter-epson"].pid))
        selected = "not test_golden and (h04 or h05) and (c0 or c1)"  # 5 sales an hour
        result = _suite(pytester, lab.rig(), "-p", "bench_host_gone", "-k", selected)
        # epson: 04:00 passes (5), the first sale of 05:00 finds its ports gone and ERRORs,
        # its 4 others ERROR at once naming that fault; cd5220: all 10 pass.
        result.assert_outcomes(passed=5 + 10, errors=1 + 4)
        result.stdout.fnmatch_lines(
            [
                "*ERROR at setup of test_sweep[[]v3-epson-h05-c0-p999[]]*",
                "E *BoardFault: board epson (labgrid place pos-epson, display rfc2217://*",
            ]
        )
        result.stdout.no_fnmatch_line("*FAILED*")
        assert lab.taken() == {}  # released, though its exporter is gone


def test_ctrl_c_during_a_run_releases_the_labgrid_places(lab: Lab, tmp_path: Path) -> None:
    argv = [sys.executable, "-m", "pytest", HIL, *V3_CURRENT, "--hil-rig", str(lab.rig())]
    argv += [*QUIET_RFC2217, "-k", "not test_golden", "-p", "no:randomly"]
    with (tmp_path / "run.log").open("wb") as log:
        run = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, cwd=tmp_path)
    try:
        wait_until(lambda: lab.holders() or None, "the run to hold a place", RUN_DEADLINE_S)
        run.send_signal(signal.SIGINT)
        assert run.wait(timeout=RUN_DEADLINE_S) == pytest.ExitCode.INTERRUPTED
    finally:
        if run.poll() is None:
            run.kill()
            run.wait(timeout=EXIT_DEADLINE_S)
    assert "KeyboardInterrupt" in (tmp_path / "run.log").read_text()
    assert lab.taken() == {}


FORGOTTEN = """
from hil.labgrid_places import PlaceHolder
from hil.rig import BoardSpec, PlaceSpec

def test_holds_a_place_and_forgets_it():
    PlaceHolder({coordinator!r}).hold(BoardSpec("pos-epson", place=PlaceSpec("pos-epson")))
"""


def test_a_labgrid_place_a_test_left_held_is_released_as_the_session_finishes(
    pytester: pytest.Pytester, lab: Lab
) -> None:
    pytester.makepyfile(test_forgotten=FORGOTTEN.format(coordinator=lab.coordinator))
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", timeout=RUN_DEADLINE_S)
    result.assert_outcomes(passed=1)
    assert lab.taken() == {}


# --- qualification over labgrid places ------------------------------------------------


def test_a_qualification_over_labgrid_places_names_them_in_its_record(
    lab: Lab, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    argv = ["v3", "--rig", str(lab.rig()), "--out", str(out), "--no-progress"]
    # The whole suite: a narrowed one could not certify (it is an ERROR).
    argv += ["--suite-arg=-W", "--suite-arg=ignore::DeprecationWarning"]
    assert qualify(argv) == 0
    record = json.loads((out / "record.json").read_text())
    assert record["outcome"] == "PASS"
    assert record["rig"]["coordinator"] == lab.coordinator
    boards = {b["name"]: b for b in record["boards"]}
    for name, (cmdset, _, place, _) in BENCHES.items():
        board = boards[name]
        assert board["labgrid"] == {
            "place": place,
            "exporter": f"bench-{name}",
            "host": "127.0.0.1",
        }
        assert board["identity"]["serial"] == f"LAB-{name}"
        assert board["identity"]["cmdset"] == cmdset
        assert board["url"].startswith("rfc2217://127.0.0.1:")
    suite_rig = (out / "rig.toml").read_text()
    assert "place" not in suite_rig and suite_rig.count("rfc2217://127.0.0.1:") == 4
    html = (out / "report.html").read_text()
    assert "pos-epson" in html and "bench-cd5220 (127.0.0.1)" in html
    assert lab.taken() == {}


def test_a_qualification_leaves_a_labgrid_place_held_elsewhere_out_of_the_suites_rig(
    lab: Lab, other_holds_cd5220: None
) -> None:
    with prepared(*select_rig(lab.rig(), [])) as ready:
        assert [b.name for b in ready.rig.boards] == ["epson"]
        boards = {b.name: b for b in ready.boards}
        assert boards["epson"].identity is not None
        assert boards["epson"].identity["serial"] == "LAB-epson"
        assert boards["epson"].labgrid == PlaceInfo("pos-epson", "bench-epson", "127.0.0.1")
        assert boards["cd5220"].labgrid == PlaceInfo("pos-cd5220")
        assert "held by bench-9/other-engineer; not taken over" in str(boards["cd5220"].error)
        assert [b.name for b in ready.lost] == ["cd5220"]  # the verdict's ERROR
        assert set(lab.taken()) == {*HELD_BY_OTHER, "pos-epson", "usb0", "usb1"}
    assert lab.taken() == HELD_BY_OTHER


# --- the holder itself ----------------------------------------------------------------


def _board(place: str, display: str = "display", control: str | None = "control") -> BoardSpec:
    return BoardSpec(place, place=PlaceSpec(place, display, control))


def test_a_labgrid_place_resolves_to_rfc2217_urls_and_goes_back_on_close(lab: Lab) -> None:
    with PlaceHolder(lab.coordinator) as places:
        held = places.hold(_board("pos-cd5220", "vfd", "ctl"))
        assert lab.holders() == {"pos-cd5220": places.holder}
    assert (held.place, held.exporter, held.host) == ("pos-cd5220", "bench-cd5220", "127.0.0.1")
    assert re.fullmatch(r"rfc2217://127\.0\.0\.1:\d+\?ign_set_control", held.board.url)
    assert held.board.control is not None and held.board.control != held.board.url
    assert held.board.baudrate == 9600
    assert lab.taken() == {}


@pytest.mark.parametrize(
    ("board", "message"),
    [
        (_board("pos-nowhere"), "expected a place named pos-nowhere, found ['pos-cd5220', "),
        (_board("pos-cd5220"), "display port (resource 'display'): expected a resource of "
         "that name, found ['ctl', 'vfd']"),
    ],
)  # fmt: skip
def test_a_labgrid_place_that_cannot_give_the_board_is_a_place_error_and_left_free(
    lab: Lab, board: BoardSpec, message: str
) -> None:
    with PlaceHolder(lab.coordinator) as places, pytest.raises(PlaceError) as raised:
        places.hold(board)
    assert message in str(raised.value)
    assert lab.taken() == {}


def test_a_labgrid_place_held_by_this_user_elsewhere_is_not_taken_over(lab: Lab) -> None:
    with PlaceHolder(lab.coordinator) as first, PlaceHolder(lab.coordinator) as second:
        first.hold(_board("pos-epson"))
        with pytest.raises(PlaceHeld) as raised:
            second.hold(_board("pos-epson"))
        assert f"held by {first.holder} (this user on this host" in str(raised.value)
        second.close()
        assert lab.holders() == {"pos-epson": first.holder}  # the second gave back nothing
    assert lab.taken() == {}


def test_no_labgrid_coordinator_answering_is_a_place_error_within_the_deadline() -> None:
    with socket_nobody_answers() as address:
        started = now()
        with PlaceHolder(address, timeout=0.5) as places, pytest.raises(PlaceError) as raised:
            places.hold(_board("pos-epson"))
    assert now() - started < 0.5 + 2.0
    assert f"coordinator {address}: expected " in str(raised.value)


@contextlib.contextmanager
def socket_nobody_answers() -> Iterator[str]:
    """A loopback port that accepts a connection and never answers a byte."""
    with socket.create_server(("127.0.0.1", 0)) as server:
        yield f"127.0.0.1:{server.getsockname()[1]}"
