"""The virtual board on real PTYs, reached with pyserial exactly as hardware is.

Synchronisation is by polling the control channel (READ) until the expected screen
appears or a deadline passes; serial timeouts bound every read.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import serial

from boardlink.errors import RigError
from firmware_host.keys import Key
from simulator.board import VirtualBoard, wire_time
from simulator.board_io import WirePacer, sweep_dead_boards

DEADLINE_S = 3.0
BLANK_ROW = "20" * 20


def hex_row(text: str) -> str:
    return text.ljust(20).encode("cp437").hex()


def open_port(path: str) -> serial.Serial:
    return serial.serial_for_url(path, baudrate=9600, timeout=0.5, write_timeout=0.5)


def ask(control: serial.Serial, request: str) -> str:
    control.write(request.encode("ascii") + b"\n")
    return bytes(control.readline()).decode("ascii").rstrip("\n")


def read_until(control: serial.Serial, wanted: Callable[[str], bool]) -> str:
    """READ until the answer satisfies wanted, or fail at the deadline with the last one."""
    deadline = time.monotonic() + DEADLINE_S
    answer = ""
    while time.monotonic() < deadline:
        answer = ask(control, "READ")
        if wanted(answer):
            return answer
    raise AssertionError(f"expected the screen within {DEADLINE_S} s, last READ: {answer}")


@pytest.fixture(params=["epson", "cd5220"])
def board(request: pytest.FixtureRequest) -> Iterator[VirtualBoard]:
    with VirtualBoard(request.param, tcp_port=0) as virtual:
        yield virtual


@pytest.fixture
def ports(board: VirtualBoard) -> Iterator[tuple[serial.Serial, serial.Serial]]:
    display, control = open_port(board.display_path), open_port(board.control_path)
    yield display, control
    display.close()
    control.close()


def test_epson_bytes_are_shown_and_read_back() -> None:
    with VirtualBoard("epson") as board:
        display, control = open_port(board.display_path), open_port(board.control_path)
        display.write(b"\x1b@Apples\x1f$\x0f\x02 4.50")
        lower = " " * 14 + " 4.50"  # column 15 (1-based) is index 14
        expected = f"OK READ cursor=1,19 row0={hex_row('Apples')} row1={hex_row(lower)}"
        read_until(control, lambda answer: answer == expected)
        assert board.text() == ["Apples".ljust(20), lower.ljust(20)]
        assert board.cursor() == (1, 19)


def test_cd5220_string_mode_is_shown_and_read_back() -> None:
    with VirtualBoard("cd5220") as board:
        display, control = open_port(board.display_path), open_port(board.control_path)
        display.write(b"\x1b@\x1bQATOTAL\r\x1bQB12.00 and too much text\r")
        answer = read_until(control, lambda a: "row1=" + hex_row("12.00 and too much t") in a)
        assert f"row0={hex_row('TOTAL')}" in answer


def test_id_names_the_command_set(
    board: VirtualBoard, ports: tuple[serial.Serial, serial.Serial]
) -> None:
    _, control = ports
    identity = "model=VirtualBoard firmware=1.0 serial=VB0001 rows=2 cols=20"
    assert ask(control, "ID") == f"OK ID {identity} cmdset={board.protocol} features=read-quiet"


def test_injected_key_comes_out_on_the_display_port(
    ports: tuple[serial.Serial, serial.Serial],
) -> None:
    display, control = ports
    display.reset_input_buffer()
    assert ask(control, "KEY qty") == "OK KEY qty"
    assert display.read(1) == b"*"


def test_physical_press_comes_out_on_the_display_port(
    board: VirtualBoard, ports: tuple[serial.Serial, serial.Serial]
) -> None:
    display, _ = ports
    display.reset_input_buffer()
    board.press(Key.ENTER)
    board.press("7")
    assert display.read(2) == b"\r7"


def test_reset_clears_what_was_shown(ports: tuple[serial.Serial, serial.Serial]) -> None:
    display, control = ports
    display.write(b"\x0cgone")
    read_until(control, lambda a: hex_row("gone") in a)
    assert ask(control, "RESET") == "OK RESET"
    assert ask(control, "READ") == f"OK READ cursor=0,0 row0={BLANK_ROW} row1={BLANK_ROW}"


def test_socket_url_reaches_the_display_port(board: VirtualBoard) -> None:
    assert board.tcp_url is not None
    link = serial.serial_for_url(board.tcp_url, timeout=0.5)
    control = open_port(board.control_path)
    link.write(b"\x0cover tcp")
    read_until(control, lambda a: hex_row("over tcp") in a)
    board.press("3")
    assert link.read(1) == b"3"
    link.close()


def test_unplug_fails_the_host_port_and_replug_works_at_the_same_path(board: VirtualBoard) -> None:
    display = open_port(board.display_path)
    board.unplug()
    assert not os.path.exists(board.display_path)
    with pytest.raises(serial.SerialException):
        display.write(b"lost")
        display.read(1)
    display.close()
    board.replug()
    display, control = open_port(board.display_path), open_port(board.control_path)
    display.write(b"\x0cback")
    read_until(control, lambda a: hex_row("back") in a)


def test_replug_drops_a_half_received_control_request(board: VirtualBoard) -> None:
    control = open_port(board.control_path)
    control.write(b"PING\nRE")  # one write, one read on the board: "RE" is in with PING
    assert control.readline() == b"OK PING\n"
    control.close()
    board.unplug()
    board.replug()
    control = open_port(board.control_path)
    assert ask(control, "PING") == "OK PING"
    control.close()


def test_silent_control_channel_times_out_instead_of_hanging(
    board: VirtualBoard, ports: tuple[serial.Serial, serial.Serial]
) -> None:
    _, control = ports
    assert ask(control, "PING") == "OK PING"
    board.stop_answering_control()
    assert ask(control, "PING") == ""  # readline gave up at the 0.5 s serial timeout
    board.resume_answering_control()
    control.reset_input_buffer()
    assert ask(control, "PING") == "OK PING"


def test_paced_board_shows_the_same_screen() -> None:
    with VirtualBoard("epson", pace=True, baudrate=9600) as board:
        display, control = open_port(board.display_path), open_port(board.control_path)
        display.write(b"\x1f\x02" + b"U" * 20 + b"L" * 20 + b"n")
        read_until(control, lambda a: f"row0={hex_row('L' * 20)} row1={hex_row('n')}" in a)


def test_paced_board_emits_an_injected_key_before_answering() -> None:
    """Paced, the key code waits out its wire time; the answer must still come after it,
    as on a board whose UART sends the code before the control reply."""
    with VirtualBoard("epson", pace=True, baudrate=9600) as board:
        display, control = open_port(board.display_path), open_port(board.control_path)
        assert ask(control, "KEY 7") == "OK KEY 7"
        assert display.in_waiting == 1
        assert display.read(1) == b"7"


def test_wire_time_is_ten_bits_a_byte() -> None:
    assert wire_time(960, 9600) == pytest.approx(1.0)


class FakeClock:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


def test_a_paced_wire_releases_each_chunk_when_its_last_byte_has_arrived() -> None:
    clock = FakeClock()
    pacer = WirePacer(9600, True, clock)
    pacer.put(b"a" * 96)  # 0.1 s of wire
    clock.t = 0.05
    pacer.put(b"b" * 96)  # queued behind the first: due at 0.2 s, not 0.15 s
    clock.t = 0.0999
    assert pacer.take_due() == b""
    clock.t = 0.1
    assert pacer.take_due() == b"a" * 96
    assert pacer.released_at == pytest.approx(0.1)
    clock.t = 0.1999
    assert pacer.take_due() == b""
    clock.t = 0.2
    assert pacer.take_due() == b"b" * 96
    assert pacer.next_due() is None


def test_a_reply_waits_for_the_bytes_it_must_follow_on_another_wire() -> None:
    clock = FakeClock()
    codes, answers = WirePacer(9600, True, clock), WirePacer(9600, True, clock)
    codes.put(b"7")
    answers.put(b"OK KEY 7\n", not_before=codes.wire_free)
    assert answers.next_due() == pytest.approx(wire_time(1 + 9, 9600))


def test_an_unpaced_wire_releases_at_once() -> None:
    clock = FakeClock()
    pacer = WirePacer(9600, False, clock)
    pacer.put(b"x" * 10_000)
    assert pacer.take_due() == b"x" * 10_000


def test_read_with_n_answers_once_the_paced_display_has_settled() -> None:
    """READ 4 sent right behind a burst of display bytes answers, after the burst's
    wire time, with the screen the whole burst leaves; a plain READ would show it
    half drawn. (Unpaced, nothing is in flight once the board has read its PTY.)"""
    with VirtualBoard("epson", pace=True) as board:
        display = serial.serial_for_url(board.display_path, timeout=3, write_timeout=3)
        control = serial.serial_for_url(board.control_path, timeout=3, write_timeout=3)
        display.write(b"\x1f\x02" + bytes(range(0x41, 0x5B)) * 6 + b"\x0cSETTLED")
        expected = f"OK READ cursor=0,7 row0={hex_row('SETTLED')} row1={BLANK_ROW}"
        assert ask(control, "READ 4") == expected


def test_stop_joins_the_thread_and_removes_the_paths() -> None:
    board = VirtualBoard("cd5220", tcp_port=0).start()
    paths, port = (board.display_path, board.control_path), board.tcp_port
    board.stop()
    assert not any(os.path.exists(path) for path in paths)
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port or 0), timeout=1).close()


def test_unknown_protocol_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown command set 'vt100'"):
        VirtualBoard("vt100")


def open_fds() -> set[str]:
    return set(os.listdir("/proc/self/fd"))


def test_a_tcp_port_in_use_is_refused_without_leaking_fds_or_the_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))  # where the board's folder goes
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        before = open_fds()
        with pytest.raises(RigError) as refused:
            VirtualBoard("epson", tcp_port=port)
        assert open_fds() == before
    assert str(refused.value).startswith(
        f"expected TCP port {port} on 127.0.0.1 free for the virtual board, found it refused:"
    )
    assert list(tmp_path.iterdir()) == []


def test_a_pty_that_cannot_be_opened_leaves_no_fds_or_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Running out of PTYs cannot be arranged for real, so the second openpty() fails here."""
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    real_openpty = os.openpty
    calls = []

    def second_fails() -> tuple[int, int]:
        calls.append(1)
        if len(calls) == 2:
            raise OSError(5, "out of pty devices")
        return real_openpty()

    monkeypatch.setattr(os, "openpty", second_fails)
    before = open_fds()
    with pytest.raises(OSError, match="out of pty devices"):
        VirtualBoard("epson", tcp_port=0)
    assert open_fds() == before
    assert list(tmp_path.iterdir()) == []


def test_only_the_folders_of_dead_boards_are_swept(tmp_path: Path) -> None:
    """A killed board's folder holds links to /proc/<its pid>/fd/<n>; once that pid is
    gone the folder goes. A live board's folder, or anything else, stays."""
    finished = subprocess.Popen([sys.executable, "-c", "pass"])
    finished.wait()
    dead = tmp_path / "pos-board-dead"
    live = tmp_path / "pos-board-live"
    other = tmp_path / "pos-board-other"
    for folder, pid in ((dead, finished.pid), (live, os.getpid()), (other, finished.pid)):
        folder.mkdir()
        for name in ("display", "control"):
            (folder / name).symlink_to(f"/proc/{pid}/fd/5")
    (other / "notes.txt").write_text("not a board's")
    (tmp_path / "unrelated").mkdir()
    assert sweep_dead_boards(str(tmp_path)) == [str(dead)]
    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "pos-board-live",
        "pos-board-other",
        "unrelated",
    ]
