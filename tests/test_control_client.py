"""The control-channel client: parsing board answers, and each request on a real PTY
against a scripted peer that answers exactly as the protocol says (or does not)."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from boardlink.control import (
    BoardIdentity,
    ControlClient,
    Readback,
    parse_identity,
    parse_readback,
)
from boardlink.errors import BoardProtocolError, ReadbackUnavailable
from firmware_host.errors import DeadlineExceeded
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from tests.serial_helpers import pty_pair, read_exactly

ID_LINE = "OK ID model=PicoFixture firmware=1.2.0 serial=E6614104 rows=2 cols=20 cmdset=cd5220"


def test_identity_is_parsed() -> None:
    assert parse_identity(ID_LINE) == BoardIdentity(
        model="PicoFixture", firmware="1.2.0", serial="E6614104", rows=2, cols=20, cmdset="cd5220"
    )


def test_readback_rows_are_hex_code_page_bytes() -> None:
    # "AB" then two cp437 e-acute (0x82) cells; a lower row of 3 spaces.
    readback = parse_readback("OK READ cursor=1,2 row0=41428282 row1=202020")
    assert readback == Readback(rows=(b"AB\x82\x82", b"   "), cursor=(1, 2))
    assert readback.text() == ("AB\u00e9\u00e9", "   ")


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("OK ID model=x firmware=1 serial=s rows=2 cols=20", "expected fields cmdset"),
        ("OK ID model=x firmware=1 serial=s rows=two cols=20 cmdset=epson", "number for rows="),
        ("ERR busy", "expected a line starting 'OK ID '"),
        ("OK ID model", "expected key=value words"),
        ("OK ID model=x firmware=1 serial=s rows=\u00b2 cols=20 cmdset=epson", "number for rows="),
        ("OK ID model=x firmware=1 serial=s rows=2 cols=" + "9" * 5000 + " cmdset=epson", "cols="),
    ],
)
def test_bad_identities_are_protocol_errors(line: str, message: str) -> None:
    with pytest.raises(BoardProtocolError, match=message):
        parse_identity(line)


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("OK READ row0=41", "cursor=<row>,<col>"),
        ("OK READ cursor=0,0", "row0=<hex>"),
        ("OK READ cursor=0,0 row0=4G", "hex cells for row0"),
        ("OK READ cursor=a,0 row0=41", "cursor=<row>,<col>"),
        ("OK READ cursor=\u0661,0 row0=41", "cursor=<row>,<col>"),
        ("OK READ cursor=0," + "1" * 4400 + " row0=41", "cursor=<row>,<col>"),
    ],
)
def test_bad_readbacks_are_protocol_errors(line: str, message: str) -> None:
    with pytest.raises(BoardProtocolError, match=message):
        parse_readback(line)


def test_a_plain_display_has_no_readback() -> None:
    client = ControlClient(None)
    assert not client.available
    with pytest.raises(ReadbackUnavailable, match="found a plain display"):
        client.read_display()


@contextmanager
def scripted_board(answer: Callable[[bytes], bytes]) -> Iterator[ControlClient]:
    """A peer on the master side of a PTY: reads one request, writes answer(request)."""
    with pty_pair() as (master, path), SerialPort(path) as port:
        stop = threading.Event()

        def serve() -> None:
            line = b""
            while not stop.is_set() and not line.endswith(b"\n"):
                try:
                    line += read_exactly(master, 1, timeout=0.1)
                except AssertionError:
                    continue
            if line:
                os.write(master, answer(line))

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        try:
            yield ControlClient(port, timeout=0.5)
        finally:
            stop.set()
            thread.join(2.0)


def test_each_request_is_one_line_and_checks_its_answer() -> None:
    requests: list[bytes] = []

    def answer(line: bytes) -> bytes:
        requests.append(line)
        return b"OK KEY qty\r\n"

    with scripted_board(answer) as client:
        client.press(Key.QUANTITY)
    assert requests == [b"KEY qty\n"]


def test_an_err_answer_is_a_protocol_error() -> None:
    with (
        scripted_board(lambda _: b"ERR unknown request\n") as client,
        pytest.raises(BoardProtocolError, match="found 'ERR unknown request'"),
    ):
        client.ping()


def test_a_silent_board_is_a_deadline_not_a_hang() -> None:
    with (
        scripted_board(lambda _: b"") as client,
        pytest.raises(DeadlineExceeded, match=r"within 0\.5 s"),
    ):
        client.reset()
