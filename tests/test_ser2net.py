"""A virtual board behind Debian's ser2net, driven over rfc2217:// as a bench board
on a network serial server would be, and read back on its control channel."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import termios
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from boardlink.control import ControlClient
from firmware_host.deadlines import now
from firmware_host.display import LineDisplay
from firmware_host.keypad import KeypadReader
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from simulator.board import VirtualBoard

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning:serial.rfc2217")

START_DEADLINE_S = 10.0
# A PTY has no modem lines, so ser2net cannot acknowledge pyserial's DTR/RTS requests;
# pyserial's documented `ign_set_control` option stops it waiting for those answers.
URL_OPTIONS = "?ign_set_control"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_for_listener(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = now() + START_DEADLINE_S
    pause = threading.Event()
    while now() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"expected ser2net to keep running, it exited {server.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            pause.wait(0.05)
    raise AssertionError(f"expected ser2net on 127.0.0.1:{port} within {START_DEADLINE_S} s")


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[VirtualBoard, str]]:
    """(board, rfc2217 URL of its display port through ser2net on loopback)."""
    binary = shutil.which("ser2net")
    assert binary, "ser2net (Debian package ser2net, in .ci/run) must be installed"
    with VirtualBoard("epson") as board:
        port = _free_port()
        config = tmp_path / "ser2net.yaml"
        config.write_text(
            "%YAML 1.1\n---\n"
            "connection: &board\n"
            f"  accepter: telnet(rfc2217),tcp,127.0.0.1,{port}\n"
            "  enable: on\n"
            f"  connector: serialdev,{board.display_path},9600n81,local\n"
        )
        server = subprocess.Popen(
            [binary, "-n", "-d", "-c", str(config), "-P", str(tmp_path / "ser2net.pid")],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait_for_listener(port, server)
            yield board, f"rfc2217://127.0.0.1:{port}{URL_OPTIONS}"
        finally:
            server.terminate()
            server.wait(timeout=5)


def test_display_driven_over_rfc2217_reads_back_on_the_control_channel(
    served: tuple[VirtualBoard, str],
) -> None:
    board, url = served
    with SerialPort(url) as port, SerialPort(board.control_path) as control_port:
        display = LineDisplay(port, "epson")
        display.show(["QTY 3 x 2.00", "TOTAL 6.00"])
        display.display_text_at(1, 6, "5.99")
        control = ControlClient(control_port)
        deadline = now() + 3.0
        readback = control.read_display()
        while readback.rows != display.shown_bytes() and now() < deadline:
            readback = control.read_display()
        assert readback.text() == ("QTY 3 x 2.00".ljust(20), "TOTAL 5.99".ljust(20))
        assert readback.rows == display.shown_bytes()
        assert readback.cursor == display.cursor


def test_keys_come_back_through_ser2net(served: tuple[VirtualBoard, str]) -> None:
    board, url = served
    with SerialPort(url) as port:
        reader = KeypadReader(port)
        board.press(Key.QUANTITY)
        assert reader.next_key(timeout=3.0) is Key.QUANTITY


def test_the_baud_rate_is_carried_to_the_serial_side(served: tuple[VirtualBoard, str]) -> None:
    board, url = served
    with SerialPort(url, baudrate=19200) as port:
        port.write(b"\x0c")  # ser2net has applied the settings once data flows
        deadline = now() + 3.0
        speed = None
        while speed != termios.B19200 and now() < deadline:
            fd = os.open(board.display_path, os.O_RDWR | os.O_NOCTTY)
            try:
                speed = termios.tcgetattr(fd)[5]
            finally:
                os.close(fd)
        assert speed == termios.B19200
