"""`pos-board` as a subprocess: prints its paths, serves them, exits 0 on SIGTERM."""

from __future__ import annotations

import os
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import serial

DEADLINE_S = 10.0
ROOT = Path(__file__).resolve().parent.parent


def read_line(process: subprocess.Popen[bytes], deadline: float) -> str:
    """One stdout line of the child, or fail at the deadline (select, never a blocking read)."""
    assert process.stdout is not None
    selector = selectors.DefaultSelector()
    selector.register(process.stdout, selectors.EVENT_READ)
    line = b""
    while not line.endswith(b"\n"):
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not selector.select(remaining):
            raise AssertionError(f"expected a line from pos-board in time, found {line!r}")
        chunk = os.read(process.stdout.fileno(), 1)
        if not chunk:
            raise AssertionError(f"pos-board exited early with {process.wait(1)}, found {line!r}")
        line += chunk
    return line.decode().rstrip("\n")


@pytest.fixture
def pos_board() -> Iterator[subprocess.Popen[bytes]]:
    command = [sys.executable, "-m", "simulator.board_cli", "--protocol", "cd5220", "--tcp", "0"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    yield process
    if process.poll() is None:
        process.kill()
        process.wait(DEADLINE_S)


def test_pos_board_serves_until_sigterm(pos_board: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + DEADLINE_S
    names = {}
    for expected in ("display", "control", "tcp"):
        name, _, where = read_line(pos_board, deadline).partition(" ")
        assert name == expected
        names[name] = where
    assert names["tcp"].startswith("socket://127.0.0.1:")

    control = serial.serial_for_url(names["control"], timeout=2)
    display = serial.serial_for_url(names["display"], timeout=2)
    display.write(b"\x1bQAcli\r")
    control.write(b"ID\n")
    assert b" cmdset=cd5220 " in control.readline()
    control.write(b"KEY 9\n")
    assert control.readline() == b"OK KEY 9\n"
    assert display.read(1) == b"9"
    control.write(b"READ\n")
    assert b"row0=636c69" in control.readline()
    display.close()
    control.close()

    pos_board.send_signal(signal.SIGTERM)
    assert pos_board.wait(DEADLINE_S) == 0
    assert not os.path.exists(names["display"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--protocol", "vt100"], b"invalid choice: 'vt100'"),
        (["--protocol", "epson", "--baud", "0"], b"expected a whole number 1..4000000, found '0'"),
        (["--protocol", "epson", "--tcp", "70000"], b"expected a whole number 0..65535"),
        (["--protocol", "epson", "--baud", "\u0661"], b"expected a whole number 1..4000000"),
    ],
)
def test_pos_board_refuses_bad_arguments_as_usage_errors(args: list[str], message: bytes) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "simulator.board_cli", *args],
        cwd=ROOT,
        capture_output=True,
        timeout=DEADLINE_S,
    )
    assert result.returncode == 3, result.stderr
    assert message in result.stderr and b"Traceback" not in result.stderr


def test_pos_board_reports_a_tcp_port_in_use(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "simulator.board_cli",
                "--protocol",
                "epson",
                "--tcp",
                str(port),
            ],
            cwd=ROOT,
            capture_output=True,
            timeout=DEADLINE_S,
            env={**os.environ, "TMPDIR": str(tmp_path)},
        )
    assert result.returncode == 2  # the rig could not serve the board
    assert result.stderr.startswith(
        f"pos-board: expected TCP port {port} on 127.0.0.1 free for the virtual board, "
        "found it refused:".encode()
    )
    assert list(tmp_path.iterdir()) == []  # no board folder left behind


def start_pos_board(protocol: str) -> tuple[subprocess.Popen[bytes], dict[str, str]]:
    command = [sys.executable, "-m", "simulator.board_cli", "--protocol", protocol]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    deadline = time.monotonic() + DEADLINE_S
    paths = {}
    for _ in ("display", "control"):
        name, _, where = read_line(process, deadline).partition(" ")
        paths[name] = where
    return process, paths


def test_a_killed_pos_boards_paths_never_reach_another_board() -> None:
    """SIGKILL runs no cleanup, and the kernel hands the freed PTY numbers to the next
    board: the old paths must fail to open, not reach the new board."""
    killed, old_paths = start_pos_board("epson")
    old_devices = {os.path.realpath(path) for path in old_paths.values()}
    killed.send_signal(signal.SIGKILL)
    killed.wait(DEADLINE_S)
    for path in old_paths.values():  # left behind, but leading nowhere
        assert os.path.islink(path)
        with pytest.raises(serial.SerialException, match="No such file or directory"):
            serial.serial_for_url(path, timeout=1)
    successor, new_paths = start_pos_board("cd5220")
    try:
        for path in old_paths.values():
            with pytest.raises(serial.SerialException, match="No such file or directory"):
                serial.serial_for_url(path, timeout=1)
        # and the successor swept the dead board's folder away
        assert not os.path.exists(os.path.dirname(old_paths["display"]))
        control = serial.serial_for_url(new_paths["control"], timeout=2)
        control.write(b"ID\n")
        assert b" cmdset=cd5220 " in control.readline()
        control.close()
        # Usually the successor does get the freed numbers, which is what made the old
        # links dangerous; reported for the record, not required.
        reused = old_devices & {os.path.realpath(path) for path in new_paths.values()}
        print(f"PTY devices reused by the successor: {sorted(reused)}")
    finally:
        successor.kill()
        successor.wait(DEADLINE_S)
