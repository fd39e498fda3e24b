"""The control-channel client: parsing board answers, and each request on a real PTY
against a scripted peer that answers exactly as the protocol says (or does not)."""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest

from boardlink.control import (
    BoardIdentity,
    BoardState,
    ControlClient,
    DropReport,
    Readback,
    parse_diagnostics,
    parse_identity,
    parse_readback,
    parse_state,
)
from boardlink.errors import BoardProtocolError, ReadbackUnavailable
from firmware_host.deadlines import now
from firmware_host.errors import DeadlineExceeded
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from simulator.board import VirtualBoard
from tests.serial_helpers import pty_pair, read_exactly

ID_LINE = "OK ID model=PicoFixture firmware=1.2.0 serial=E6614104 rows=2 cols=20 cmdset=cd5220"


def test_identity_is_parsed() -> None:
    identity = parse_identity(ID_LINE)
    assert identity == BoardIdentity(
        model="PicoFixture", firmware="1.2.0", serial="E6614104", rows=2, cols=20, cmdset="cd5220"
    )
    assert identity.features == ()  # a board older than the features= word
    assert not identity.reads_quiet


def test_identity_features_are_the_comma_separated_words() -> None:
    identity = parse_identity(ID_LINE + " features=read-quiet,other")
    assert identity.features == ("read-quiet", "other")
    assert identity.reads_quiet
    assert parse_identity(ID_LINE + " features=").features == ()


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
        ("OK ID model=x firmware=1 serial=s rows=999999999 cols=20 cmdset=epson", "rows= in 1..16"),
        ("OK ID model=x firmware=1 serial=s rows=0 cols=20 cmdset=epson", "rows= in 1..16"),
        ("OK ID model=x firmware=1 serial=s rows=2 cols=999999999 cmdset=epson", "cols= in 1..256"),
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


def test_state_is_parsed() -> None:
    line = (
        "OK STATE mode=horizontal brightness=2 cursor_visible=1 window=0,4,9 code_page=0 "
        "selected=1 string=off"
    )
    assert parse_state(line) == BoardState(
        mode="horizontal",
        brightness=2,
        cursor_visible=True,
        window=(0, 4, 9),
        code_page=0,
        selected=True,
        string="off",
    )
    assert parse_state(line.replace("window=0,4,9", "window=none")).window is None


STATE_LINE = (
    "OK STATE mode=overwrite brightness=4 cursor_visible=0 window=none code_page=0 "
    "selected=1 string=off"
)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("mode=overwrite", "mode=sideways", "mode= one of overwrite, vertical, horizontal"),
        ("mode=overwrite ", "", "mode= one of"),
        ("brightness=4", "brightness=\u0664", "number for brightness="),
        ("cursor_visible=0", "cursor_visible=yes", "cursor_visible= one of 0, 1"),
        ("window=none", "window=0,4", "window=none|<row>,<first>,<last>"),
        ("window=none", "window=0,4,x", "window=none|<row>,<first>,<last>"),
        ("string=off", "string=", "string= one of off, on, marquee"),
        ("selected=1", "selected", "expected key=value words"),
    ],
)
def test_bad_states_are_protocol_errors(old: str, new: str, message: str) -> None:
    with pytest.raises(BoardProtocolError, match=re.escape(message)):
        parse_state(STATE_LINE.replace(old, new))


def test_diagnostics_are_parsed() -> None:
    report = parse_diagnostics("OK DIAG dropped=5 last=1f240000 offset=3 reason=out-of-range")
    assert report == DropReport(5, b"\x1f\x24\x00\x00", 3, "out-of-range")
    assert report.describe() == (
        "5 byte(s) dropped, the last 1f 24 00 00 at display-stream offset 3 (out-of-range)"
    )
    clean = parse_diagnostics("OK DIAG dropped=0 last= offset= reason=")
    assert clean == DropReport(0, b"", None, "")
    assert clean.describe() == "no byte dropped"


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("OK DIAG dropped=x last= offset= reason=", "number for dropped="),
        ("OK DIAG dropped=1 last=0 offset=2 reason=r", "hex bytes for last="),
        ("OK DIAG dropped=1 last=00 offset= reason=r", "number for offset="),
        ("OK DIAG dropped=1 last=00", "expected fields offset, reason"),
        ("OK READ dropped=1", "expected a line starting 'OK DIAG '"),
    ],
)
def test_bad_diagnostics_are_protocol_errors(line: str, message: str) -> None:
    with pytest.raises(BoardProtocolError, match=re.escape(message)):
        parse_diagnostics(line)


def test_state_and_diagnostics_from_a_virtual_board() -> None:
    """The client against the board core's answers, over real PTYs."""
    with (
        VirtualBoard("cd5220") as board,
        SerialPort(board.control_path) as control_port,
        SerialPort(board.display_path) as display_port,
    ):
        client = ControlClient(control_port, timeout=2.0)
        display_port.write(b"\x1b*\x02\x1bW\x01\x05\x0a\x02\x00")
        deadline = now() + 2.0
        while client.diagnostics().dropped == 0 and now() < deadline:
            pass
        assert client.diagnostics() == DropReport(1, b"\x00", 9, "undefined-byte")
        assert client.state() == BoardState("overwrite", 2, False, (1, 4, 9), 0, True, "off")
        client.clear_diagnostics()
        assert client.diagnostics().dropped == 0


class WriteRecordingPort(SerialPort):
    """A real SerialPort that also keeps each write, to see what went out together."""

    def __init__(self, url: str) -> None:
        super().__init__(url, read_timeout=2.0, write_timeout=2.0)
        self.writes: list[bytes] = []

    def write(self, data: bytes) -> None:
        self.writes.append(data)
        super().write(data)


def test_requests_go_out_in_one_write_and_answers_come_in_their_order() -> None:
    with (
        VirtualBoard("epson") as board,
        WriteRecordingPort(board.control_path) as port,
        SerialPort(board.display_path) as display,
    ):
        client = ControlClient(port, timeout=2.0)
        client.press(Key.D1, Key.QUANTITY, clear_diagnostics=True)
        assert port.writes == [b"DIAG CLEAR\nKEY 1\nKEY qty\n"]
        codes = display.read(2, timeout=2.0)
        if len(codes) < 2:
            codes += display.read(1, timeout=2.0)
        assert codes == b"1*"
        assert client.requests(["PING", "ID", "READ 4"])[:2] == [
            "OK PING",
            "OK ID model=VirtualBoard firmware=1.0 serial=VB0001 rows=2 cols=20 cmdset=epson "
            "features=read-quiet",
        ]
        shown, dropped, state = client.readback(4)
        assert port.writes[-1] == b"READ 4\nDIAG\nSTATE\n"
        assert shown.text() == (" " * 20, " " * 20)
        assert dropped.dropped == 0
        assert state.mode == "overwrite"
        assert client.read_display(0).rows == shown.rows
        assert client.requests([]) == []


def test_a_wrong_answer_among_several_names_its_request() -> None:
    with VirtualBoard("epson") as board, SerialPort(board.control_path) as port:
        client = ControlClient(port, timeout=2.0)
        with pytest.raises(
            BoardProtocolError, match=re.escape("expected 'OK KEY...' for 'KEY pay'")
        ):
            client.requests(["PING", "KEY pay", "PING"])
