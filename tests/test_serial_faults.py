"""Rig faults end in a typed error or a recovery, each within its deadline, never a hang:
a board unplugged mid-stream, garbage on the keypad line, a silent control channel,
and reconnecting after the board comes back."""

from __future__ import annotations

import os
import random
import threading
from collections.abc import Iterator

import pytest

from boardlink.control import ControlClient
from firmware_host.deadlines import now
from firmware_host.display import LineDisplay
from firmware_host.errors import DeadlineExceeded, PortLost
from firmware_host.keypad import KeypadReader
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from simulator.board import VirtualBoard
from tests.serial_helpers import pty_pair

KEYPAD_CODES = b"0123456789*\r\x18\x08"  # the documented codes; all else is noise
KEY_BYTES = {b"1": Key.D1, b"*": Key.QUANTITY, b"\r": Key.ENTER, b"\x18": Key.CLEAR}


@pytest.fixture
def board() -> Iterator[VirtualBoard]:
    with VirtualBoard("cd5220") as served:
        yield served


def _settled(control: ControlClient, display: LineDisplay) -> tuple[bytes, ...]:
    deadline = now() + 2.0
    rows = control.read_display().rows
    while rows != display.shown_bytes() and now() < deadline:
        rows = control.read_display().rows
    return rows


def test_unplugged_mid_stream_is_port_lost_then_reconnect_writes_again(
    board: VirtualBoard,
) -> None:
    port = SerialPort(board.display_path, write_timeout=1.0).open()
    display = LineDisplay(port, "cd5220")
    display.show(["SALE 0"])
    unplugged = threading.Event()

    def pull_the_cable() -> None:
        board.unplug()
        unplugged.set()

    cable = threading.Thread(target=pull_the_cable)
    cable.start()
    with pytest.raises(PortLost, match="found the port gone"):
        for sale in range(1, 100_000):  # updates keep flowing until the write fails
            display.show([f"SALE {sale}", f"TOTAL {sale * 3}.00"])
    cable.join(2.0)
    assert unplugged.is_set()

    board.replug()
    port.reconnect()
    display.show(["BACK AGAIN"])  # the display is re-initialised, then written
    with SerialPort(board.control_path) as control_port:
        control = ControlClient(control_port)
        assert _settled(control, display) == display.shown_bytes()
        assert control.read_display().text()[0] == "BACK AGAIN".ljust(20)
    port.close()


def test_reading_keys_from_an_unplugged_board_is_port_lost(board: VirtualBoard) -> None:
    with SerialPort(board.display_path) as port:
        reader = KeypadReader(port)
        board.unplug()
        with pytest.raises(PortLost):
            reader.next_key(timeout=2.0)


def test_garbage_on_the_keypad_line_is_dropped_and_keys_survive() -> None:
    noise = random.Random(4840)
    stream = b""
    expected: list[Key] = []
    for _ in range(200):
        stream += bytes(code for code in noise.randbytes(20) if code not in KEYPAD_CODES)
        code = noise.choice(list(KEY_BYTES))
        stream += code
        expected.append(KEY_BYTES[code])
    with pty_pair() as (master, path), SerialPort(path) as port:
        reader = KeypadReader(port)
        os.write(master, stream)
        assert [reader.next_key(timeout=2.0) for _ in expected] == expected
        assert reader.decoder.noise_bytes == len(stream) - len(expected)


def test_a_line_that_never_stops_chattering_still_meets_the_key_deadline() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        stop = threading.Event()

        def chatter() -> None:
            while not stop.is_set():
                os.write(master, b"\x00\xff\x1b")
                stop.wait(0.005)  # a noisy line's pace, not a synchronisation

        thread = threading.Thread(target=chatter, daemon=True)
        thread.start()
        try:
            with pytest.raises(DeadlineExceeded, match="noise bytes dropped"):
                KeypadReader(port).next_key(timeout=0.3)
        finally:
            stop.set()
            thread.join(2.0)


def test_a_board_that_stops_answering_control_is_a_deadline_then_recovers(
    board: VirtualBoard,
) -> None:
    with SerialPort(board.control_path) as control_port:
        control = ControlClient(control_port, timeout=0.3)
        control.ping()
        board.stop_answering_control()
        with pytest.raises(DeadlineExceeded, match=r"within 0\.3 s"):
            control.read_display()
        board.resume_answering_control()
        assert control.identify().cmdset == "cd5220"


def test_control_port_of_an_unplugged_board_is_port_lost(board: VirtualBoard) -> None:
    with SerialPort(board.control_path) as control_port:
        control = ControlClient(control_port)
        board.unplug()
        with pytest.raises(PortLost):
            control.read_display()
