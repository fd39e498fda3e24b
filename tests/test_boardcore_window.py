"""CD5220 windows (ESC W), ESC = n per the CD5220 manual, and the STATE / DIAG requests.

Expected screens are worked out by hand from [CD5220] 6.1 (ESC W s x1 x2 y,
1 <= x1 <= x2 <= 20, y = 1, 2; ESC = n with n = 1, 2, 3, 31h, 32h, 33h) and 9.3 (in
horizontal scroll mode the cursor starts at the window's left end, moves right to
its right end, and further characters push the window's text left), with s = 0/1
as [XP8200] 4.1.8 spells it.
"""

from __future__ import annotations

import pytest

from boardcore.board import Board

ESC = b"\x1b"
HSCROLL = ESC + b"\x13"


def fed(data: bytes, cmdset: str = "cd5220") -> Board:
    board = Board(cmdset)
    board.receive_display(data)
    return board


def rows(board: Board) -> list[str]:
    return [board.cells.row_bytes(r).decode("cp437") for r in range(2)]


def window(first: int, last: int, line: int, enable: int = 1) -> bytes:
    return ESC + b"W" + bytes([enable, first, last, line])


def ask(board: Board, request: bytes) -> str:
    return board.receive_control(request).decode("ascii").rstrip("\n")


def test_text_in_a_window_scrolls_inside_it_and_leaves_the_rest() -> None:
    frame = b"ID: [" + b" " * 10 + b"]"
    board = fed(frame + window(6, 15, 1) + HSCROLL + ESC + b"l\x06\x01" + b"VIEWPORTTEXT")
    # columns 6..15 (1-based) hold the last 10 of the 12 characters
    assert rows(board)[0] == "ID: [EWPORTTEXT]".ljust(20)
    assert board.cells.cursor() == (0, 14)
    assert board.diagnostics().dropped == 0


def test_a_short_text_fills_the_window_from_its_left_end() -> None:
    board = fed(window(5, 10, 2) + HSCROLL + b"TEST")
    # the cursor starts at the window's left end, wherever it was [CD5220] 9.3
    assert rows(board) == [" " * 20, "    TEST".ljust(20)]
    assert board.cells.cursor() == (1, 8)


def test_cursor_moves_stay_in_the_window() -> None:
    board = fed(window(3, 5, 1) + HSCROLL + b"abc" + b"\x09" + b"d")
    # HT at the window's right end pushes the window left, as a character does
    assert rows(board)[0] == "  bcd".ljust(20)
    # BS at its left end pushes the window right, blanking its left end
    board.receive_display(b"\x08\x08\x08\x08")
    assert board.cells.cursor() == (0, 2)
    assert rows(board)[0] == "    b".ljust(20)


def test_outside_horizontal_scroll_mode_the_window_changes_nothing() -> None:
    board = fed(window(1, 5, 1) + b"0123456789")
    assert rows(board)[0] == "0123456789".ljust(20)


def test_cancelling_the_window_scrolls_the_whole_line_again() -> None:
    board = fed(window(1, 5, 1) + window(0, 0, 1, enable=0) + HSCROLL + b"x" * 21 + b"y")
    assert rows(board)[0] == "x" * 19 + "y"
    assert board.cells.window is None


def test_esc_at_cancels_the_window() -> None:
    board = fed(window(1, 5, 1) + ESC + b"@")
    assert board.cells.window is None


@pytest.mark.parametrize(
    ("n", "selected"), [(1, False), (2, True), (3, True), (0x31, False), (0x32, True), (0x33, True)]
)
def test_cd5220_esc_equals_takes_the_six_values_its_manual_defines(n: int, selected: bool) -> None:
    board = fed(ESC + b"=" + bytes([n]) + b"x")
    assert board.parser.selected is selected
    assert rows(board)[0].startswith("x" if selected else " ")
    assert board.diagnostics().dropped == 0


@pytest.mark.parametrize("n", [0, 4, 0x30, 0x34, 0xFF])
def test_cd5220_esc_equals_with_an_undefined_n_is_ignored_and_counted(n: int) -> None:
    """The issue: ESC = 0 deselected the board (the Epson bit rule) so ESC @ was lost."""
    board = fed(b"old" + ESC + b"=" + bytes([n]) + ESC + b"@" + b"new")
    assert board.parser.selected
    assert rows(board)[0] == "new".ljust(20)
    assert board.diagnostics().reason == "out-of-range"


def test_epson_esc_equals_outside_1_to_3_is_ignored_and_counted() -> None:
    board = fed(ESC + b"=\x00" + b"shown", "epson")
    assert rows(board)[0] == "shown".ljust(20)
    assert board.diagnostics().dropped == 3


def test_state_reports_the_settings_a_driver_can_make() -> None:
    board = fed(ESC + b"*\x02" + ESC + b"_\x01" + ESC + b"\x12" + window(2, 19, 2))
    assert ask(board, b"STATE\n") == (
        "OK STATE mode=vertical brightness=2 cursor_visible=1 window=1,1,18 code_page=0 "
        "selected=1 string=off"
    )
    board.receive_display(ESC + b"QAs\r")
    assert ask(board, b"STATE\n").endswith("selected=1 string=on")
    board.receive_display(ESC + b"QDscrolling\r")
    assert ask(board, b"STATE\n").endswith("string=marquee")
    board.receive_display(ESC + b"=\x01")  # string mode takes only CLR, CAN, ESC Q
    assert "selected=1" in ask(board, b"STATE\n")
    board.receive_display(b"\x0c" + ESC + b"=\x01")
    assert ask(board, b"STATE\n").endswith("selected=0 string=off")


def test_epson_state_after_initialise() -> None:
    board = fed(b"\x1f\x03\x1fX\x01" + ESC + b"t\x02" + ESC + b"@", "epson")
    assert ask(board, b"STATE\n") == (
        "OK STATE mode=overwrite brightness=4 cursor_visible=0 window=none code_page=0 "
        "selected=1 string=off"
    )


def test_diag_reports_and_clears() -> None:
    board = fed(b"A\x00B\x1f$\x00\x00", "epson")
    assert ask(board, b"DIAG\n") == "OK DIAG dropped=5 last=1f240000 offset=3 reason=out-of-range"
    assert ask(board, b"DIAG CLEAR\n") == "OK DIAG CLEAR"
    assert ask(board, b"DIAG\n") == "OK DIAG dropped=0 last= offset= reason="
    assert ask(board, b"DIAG NOW\n") == "ERR expected 'DIAG' or 'DIAG CLEAR', got 'DIAG NOW'"
    assert ask(board, b"DIAG CLEAR NOW\n") == ("ERR expected 'DIAG [CLEAR]', got 'DIAG CLEAR NOW'")
