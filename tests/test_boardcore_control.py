"""The control channel, keypad codes and the transport-agnostic Board object."""

from __future__ import annotations

import pytest

from boardcore.board import MAX_HELD, PARSERS, Board
from boardcore.control import MAX_LINE, MAX_QUIET, LineReader
from boardcore.keycodes import CODE_KEYS, KEY_CODES
from firmware_host import keypad
from firmware_host.keys import Key

VERB_LIST = "PING ID READ STATE DIAG KEY RESET"


def ask(board: Board, request: bytes) -> list[str]:
    return board.receive_control(request).decode("ascii").splitlines()


def test_key_codes_are_the_documented_bytes_for_every_key() -> None:
    expected = {str(d): 0x30 + d for d in range(10)}
    expected.update({"qty": 0x2A, "enter": 0x0D, "clear": 0x18, "backspace": 0x08})
    assert expected == KEY_CODES
    assert {key.value for key in Key} == set(KEY_CODES)
    assert {code: name for name, code in expected.items()} == CODE_KEYS


def test_the_board_and_the_terminal_keep_the_same_key_codes() -> None:
    """Two copies of one wire contract (the board core runs on MicroPython, the terminal
    imports none of the rig), held equal here."""
    assert {key.value: code for key, code in keypad.KEY_CODES.items()} == KEY_CODES


def test_ping_and_id() -> None:
    board = Board("cd5220", model="Pico-LCD", firmware="2.1", serial="E661410")
    assert ask(board, b"PING\nID\n") == [
        "OK PING",
        "OK ID model=Pico-LCD firmware=2.1 serial=E661410 rows=2 cols=20 cmdset=cd5220 "
        "features=read-quiet",
    ]


def test_read_reports_cursor_and_rows_as_hex_of_code_page_bytes() -> None:
    board = Board("epson")
    board.receive_display(b"Hi\x9c" + bytes([0x1F, 0x24, 0x14, 0x02]) + b"!")
    blank = "20" * 20
    assert ask(board, b"READ\r\n") == [
        "OK READ cursor=0,0 row0=48699c" + "20" * 17 + " row1=" + blank[:-2] + "21"
    ]


def test_key_emits_the_code_on_the_display_port_before_answering() -> None:
    board = Board("epson")
    assert ask(board, b"KEY qty\nKEY 7\n") == ["OK KEY qty", "OK KEY 7"]
    assert board.take_display_output() == b"*7"
    assert board.take_display_output() == b""


def test_reset_reinitialises_the_display() -> None:
    board = Board("epson")
    board.receive_display(b"\x1f\x02stale")
    assert ask(board, b"RESET\n") == ["OK RESET"]
    assert board.cells.row_bytes(0) == b" " * 20
    assert board.cells.mode == 1


def test_a_request_after_reset_in_the_same_read_is_kept() -> None:
    """RESET re-initialises the display, not the control channel's half-read next line."""
    board = Board("epson")
    assert ask(board, b"RESET\nPI") == ["OK RESET"]
    assert ask(board, b"NG\n") == ["OK PING"]


def test_power_on_starts_the_board_fresh() -> None:
    """Plugged back in, a board has no half-received request, queued key or screen."""
    board = Board("epson")
    board.receive_display(b"\x1f\x02stale")
    board.press("7")
    assert ask(board, b"RE") == []
    board.power_on()
    assert ask(board, b"PING\n") == ["OK PING"]
    assert board.take_display_output() == b""
    assert (board.cells.row_bytes(0), board.cells.mode) == (b" " * 20, 1)


@pytest.mark.parametrize(
    ("request_line", "answer"),
    [
        (
            b"HELLO\n",
            "ERR unknown request 'HELLO', expected one of: PING ID READ STATE DIAG KEY RESET",
        ),
        (b"\n", "ERR unknown request '', expected one of: PING ID READ STATE DIAG KEY RESET"),
        (b"KEY\n", "ERR expected 'KEY <name>', got 'KEY'"),
        (b"PING now\n", "ERR expected 'PING', got 'PING now'"),
        (
            b"KEY 12\n",
            "ERR unknown key '12', expected one of: 0 1 2 3 4 5 6 7 8 9 qty enter clear backspace",
        ),
        (b"PI\xffNG\n", "ERR expected printable ASCII, found byte 0xff"),
        (b"READ 1 2\n", "ERR expected 'READ [n]', got 'READ 1 2'"),
        (b"READ soon\n", "ERR expected 'READ' or 'READ <n>' with n in 0..1000, got 'READ soon'"),
        (b"READ 1001\n", "ERR expected 'READ' or 'READ <n>' with n in 0..1000, got 'READ 1001'"),
        (b"READ 00001\n", "ERR expected 'READ' or 'READ <n>' with n in 0..1000, got 'READ 00001'"),
        (b"READ \xb2\n", "ERR expected printable ASCII, found byte 0xb2"),
        (
            b"X" * 500 + b"\n",
            f"ERR expected a request of at most {MAX_LINE} bytes, got a longer one",
        ),
    ],
)
def test_bad_requests_get_err_with_expected_and_found(request_line: bytes, answer: str) -> None:
    board = Board("epson")
    assert ask(board, request_line) == [answer]
    assert ask(board, b"PING\n") == ["OK PING"]
    assert board.take_display_output() == b""


def test_line_reader_joins_split_reads() -> None:
    reader = LineReader()
    assert reader.feed(b"PI") == []
    assert reader.feed(b"NG\r") == []
    assert reader.feed(b"\nRE") == [b"PING"]
    assert reader.feed(b"AD\nID\n") == [b"READ", b"ID"]


def test_board_refuses_unknown_command_sets_keys_and_identity_words() -> None:
    with pytest.raises(ValueError, match="command set 'escpos', expected one of: epson, cd5220"):
        Board("escpos")
    with pytest.raises(ValueError, match="serial must be one word"):
        Board("epson", serial="has space")
    with pytest.raises(ValueError, match="unknown key 'pay'"):
        Board("epson").press("pay")


def test_registry_names_are_the_contract_names() -> None:
    assert sorted(PARSERS) == ["cd5220", "epson"]


def test_read_with_n_waits_until_the_display_was_quiet_for_n_characters() -> None:
    """The transport says how long the display has been quiet; the core holds the READ
    and every request after it until that reaches n, then answers them in order."""
    board = Board("epson")
    board.receive_display(b"settled")
    assert board.receive_control(b"READ 4\nKEY 7\nPI", quiet=3) == b""
    assert board.quiet_wanted() == 4
    assert board.take_display_output() == b""  # the KEY behind the READ waits too
    assert board.answer_held(quiet=3) == b""
    assert board.receive_control(b"NG\n", quiet=3) == b""
    reference = Board("epson")
    reference.receive_display(b"settled")
    answers = board.answer_held(quiet=4).decode().splitlines()
    assert answers == [ask(reference, b"READ\n")[0], "OK KEY 7", "OK PING"]
    assert board.take_display_output() == b"7"
    assert board.quiet_wanted() is None


def test_read_with_n_answers_at_once_when_quiet_enough_or_unmeasured() -> None:
    board = Board("cd5220")
    assert ask(board, b"READ 0\n")[0].startswith("OK READ cursor=0,0 ")
    assert board.receive_control(b"READ 5\n", quiet=5).startswith(b"OK READ ")
    assert board.receive_control(b"READ 1000\n").startswith(b"OK READ ")  # no clock: at once
    assert board.receive_control(b"READ 1\n", quiet=0) == b""
    assert board.answer_held(None).startswith(b"OK READ ")
    assert MAX_QUIET == 1000


def test_a_waiting_read_gives_up_when_too_many_requests_queue_behind_it() -> None:
    """Memory stays bounded on a board whose display never goes quiet."""
    board = Board("epson")
    assert board.receive_control(b"READ 9\n" + b"PING\n" * (MAX_HELD - 1), quiet=0) == b""
    answers = board.receive_control(b"PING\n", quiet=0).decode().splitlines()
    assert answers == [
        f"ERR expected the display quiet for 9 character times before {MAX_HELD} more "
        "requests came, found it still busy",
        *["OK PING"] * MAX_HELD,
    ]
    assert board.quiet_wanted() is None


def test_power_on_forgets_a_waiting_read() -> None:
    board = Board("epson")
    assert board.receive_control(b"READ 9\nPING\n", quiet=0) == b""
    board.power_on()
    assert board.quiet_wanted() is None
    assert board.answer_held(0) == b""
    assert ask(board, b"PING\n") == ["OK PING"]
