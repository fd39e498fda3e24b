"""SerialPort over real PTYs, loop:// and socket://: framing, deadlines, typed failures."""

from __future__ import annotations

import os
import socket
import termios
import time

import pytest
from freezegun import freeze_time

from firmware_host.errors import DeadlineExceeded, FramingError, PortLost, SerialLinkError
from firmware_host.transport import MAX_LINE, SerialPort
from tests.serial_helpers import pty_pair, read_exactly


def test_bytes_written_arrive_on_the_board_side() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        port.write(b"\x1b@HELLO")
        assert read_exactly(master, 7) == b"\x1b@HELLO"


def test_lines_from_the_board_are_read_one_at_a_time() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        os.write(master, b"OK PING\r\nOK ID x=1\n")
        assert port.read_line() == "OK PING"
        assert port.read_line() == "OK ID x=1"


def _tty_flags(path: str) -> tuple[int, int]:
    fd = os.open(path, os.O_RDWR | os.O_NOCTTY)
    try:
        attrs = termios.tcgetattr(fd)
    finally:
        os.close(fd)
    return attrs[5], attrs[2]


def test_default_framing_is_9600_8n1_and_is_configurable() -> None:
    with pty_pair() as (_, path):
        with SerialPort(path) as port:
            assert port.framing == "9600 8N1"
            speed, cflag = _tty_flags(path)
        assert speed == termios.B9600 and not cflag & termios.CSTOPB
        with SerialPort(path, baudrate=19200, bytesize=7, parity="E", stopbits=2) as port:
            assert port.framing == "19200 7E2"
            speed, cflag = _tty_flags(path)
        # The tty itself shows speed and stop bits; a Linux PTY forces CS8 and no parity.
        assert speed == termios.B19200 and cflag & termios.CSTOPB


def test_a_silent_board_ends_in_deadline_exceeded() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        os.write(master, b"OK PA")
        with pytest.raises(DeadlineExceeded, match=r"within 0.2 s, found b'OK PA'"):
            port.read_line(timeout=0.2)


@freeze_time("2024-05-01 12:00:00")
def test_read_deadline_expires_while_the_clock_is_frozen() -> None:
    frozen = time.monotonic()
    with pty_pair() as (_, path), SerialPort(path) as port:
        with pytest.raises(DeadlineExceeded):
            port.read_until(b"\n", timeout=0.2)
        assert port.read(16, timeout=0.1) == b""
    assert time.monotonic() == frozen  # the freeze was real, the deadline still expired


@pytest.mark.parametrize("length", [MAX_LINE + 1, 2 * MAX_LINE - 1])
def test_a_burst_line_over_the_cap_is_refused(length: int) -> None:
    """However the PTY splits the burst, the line is refused, never returned."""
    with pty_pair() as (master, path), SerialPort(path) as port:
        os.write(master, b"x" * length + b"\n")
        with pytest.raises(FramingError, match=f"within {MAX_LINE} bytes"):
            port.read_until(b"\n", timeout=2.0)


def test_bytes_after_an_over_long_line_stay_for_the_next_read() -> None:
    port = SerialPort("loop://")
    with port:
        port.write(b"z" * 200 + b"\nOK PING\n")
        with pytest.raises(FramingError, match="found a line of 200 bytes"):
            port.read_until(b"\n", timeout=2.0, max_bytes=100)
        assert port.read_line(timeout=2.0) == "OK PING"


def test_a_line_of_exactly_the_cap_is_taken() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        os.write(master, b"y" * MAX_LINE + b"\n")
        assert port.read_until(b"\n", timeout=2.0) == b"y" * MAX_LINE + b"\n"


def test_a_line_without_end_is_refused_not_buffered_forever() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        os.write(master, b"x" * 300)
        with pytest.raises(FramingError, match="within 100 bytes"):
            port.read_until(b"\n", timeout=2.0, max_bytes=100)


def test_a_board_that_stops_reading_ends_in_a_write_deadline() -> None:
    with (
        pty_pair() as (_, path),
        SerialPort(path, write_timeout=0.2) as port,
        pytest.raises(DeadlineExceeded, match="not accepting data"),
    ):
        port.write(b"\0" * 1_000_000)  # far more than a PTY buffers


def test_writing_to_an_unplugged_board_is_port_lost() -> None:
    with pty_pair() as (master, path):
        port = SerialPort(path).open()
        os.close(master)
        with pytest.raises(PortLost, match="found the port gone"):
            port.write(b"x")
        port.close()


@pytest.mark.parametrize(
    "url", ["/dev/pos-rig-no-such-board", "hwgrep://NO-SUCH-SERIAL-0000", "rfc2217://127.0.0.1:1"]
)
def test_a_missing_board_is_port_lost(url: str) -> None:
    with pytest.raises(PortLost, match=f"expected a board at {url}, found none"):
        SerialPort(url).open()


def test_reconnect_reopens_the_same_url_and_writes_work_again() -> None:
    with pty_pair() as (master, path):
        port = SerialPort(path).open()
        port.close()
        with pytest.raises(PortLost, match="found it closed"):
            port.write(b"x")
        port.reconnect()
        port.write(b"again")
        assert read_exactly(master, 5) == b"again"
        port.close()


def test_loop_url_echoes() -> None:
    with SerialPort("loop://") as port:
        port.write(b"PING\n")
        assert port.read_line() == "PING"


def test_a_zero_timeout_still_takes_what_has_arrived() -> None:
    """poll()-style reads must see bytes already waiting, not give up at once."""
    with SerialPort("loop://") as port:
        port.write(b"7")  # loop:// delivers on write: the byte is waiting now
        assert port.read(8, timeout=0) == b"7"
        assert port.read(8, timeout=0) == b""


def test_socket_url_reaches_a_tcp_board() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        url = f"socket://127.0.0.1:{server.getsockname()[1]}"
        with SerialPort(url) as port:
            peer, _ = server.accept()
            with peer:
                peer.settimeout(2.0)
                port.write(b"\x0c")
                assert peer.recv(1) == b"\x0c"
                peer.sendall(b"5")
                assert port.read(1) == b"5"


def test_rig_errors_are_not_product_failures() -> None:
    assert issubclass(PortLost, SerialLinkError) and issubclass(DeadlineExceeded, SerialLinkError)
