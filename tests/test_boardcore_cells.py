"""Cursor and scroll-mode rules of the cell buffer, from the manuals' descriptions.

Expected screens are worked out by hand from DM-D110 Specification 5.4 (BS, HT, LF,
US LF) and the CD5220 user's manual section 9; see boardcore/cells.py.
"""

from __future__ import annotations

import pytest

from boardcore.cells import HORIZONTAL, OVERWRITE, VERTICAL, CellBuffer


def screen(mode: int, text: str = "", row: int = 0, col: int = 0) -> CellBuffer:
    cells = CellBuffer(2, 20)
    cells.set_mode(mode)
    cells.move(row, col)
    for char in text.encode("ascii"):
        cells.put(char)
    return cells


def rows(cells: CellBuffer) -> list[str]:
    return [cells.row_bytes(r).decode("ascii") for r in range(cells.rows)]


LINE = "ABCDEFGHIJKLMNOPQRST"  # exactly 20 characters
NEXT = "abcdefghijklmnopqrst"


def test_power_on_state_is_blank_with_cursor_home_in_overwrite_mode() -> None:
    cells = CellBuffer()
    assert rows(cells) == [" " * 20, " " * 20]
    assert cells.cursor() == (0, 0)
    assert cells.mode == OVERWRITE


def test_geometry_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1 row and 1 column, got 0x20"):
        CellBuffer(0, 20)


def test_overwrite_wraps_from_upper_right_to_lower_left() -> None:
    cells = screen(OVERWRITE, LINE + "xy")
    assert rows(cells) == [LINE, "xy" + " " * 18]
    assert cells.cursor() == (1, 2)


def test_overwrite_wraps_from_lower_right_to_upper_left_and_overwrites() -> None:
    cells = screen(OVERWRITE, LINE + NEXT + "12")
    assert rows(cells) == ["12" + LINE[2:], NEXT]
    assert cells.cursor() == (0, 2)


def test_vertical_scroll_moves_lower_line_up_past_the_last_cell() -> None:
    cells = screen(VERTICAL, LINE + NEXT + "12")
    assert rows(cells) == [NEXT, "12" + " " * 18]
    assert cells.cursor() == (1, 2)


def test_vertical_scroll_scrolls_as_the_last_cell_is_written() -> None:
    # IBM/Epson wording: data sent to the last position of the bottom line moves the
    # bottom line up and leaves the cursor at the lower left.
    cells = screen(VERTICAL, LINE + NEXT)
    assert rows(cells) == [NEXT, " " * 20]
    assert cells.cursor() == (1, 0)


def test_horizontal_scroll_fills_the_line_then_pushes_left() -> None:
    cells = screen(HORIZONTAL, LINE)
    assert rows(cells)[0] == LINE
    assert cells.cursor() == (0, 19)
    for char in b"UV":
        cells.put(char)
    assert rows(cells) == [LINE[2:] + "UV", " " * 20]
    assert cells.cursor() == (0, 19)


def test_horizontal_scroll_stays_on_the_lower_line() -> None:
    cells = screen(HORIZONTAL, LINE + "XY", row=1)
    assert rows(cells) == [" " * 20, LINE[2:] + "XY"]


@pytest.mark.parametrize(
    ("mode", "action", "start", "expected_cursor", "expected_rows"),
    [
        # backspace at the left end
        (OVERWRITE, "left", (0, 0), (1, 19), ["top", "bottom"]),
        (OVERWRITE, "left", (1, 0), (0, 19), ["top", "bottom"]),
        (VERTICAL, "left", (1, 0), (0, 19), ["top", "bottom"]),
        (VERTICAL, "left", (0, 0), (0, 19), ["", "top"]),
        (HORIZONTAL, "left", (0, 0), (0, 0), [" top", "bottom"]),
        # tab at the right end
        (OVERWRITE, "right", (0, 19), (1, 0), ["top", "bottom"]),
        (OVERWRITE, "right", (1, 19), (0, 0), ["top", "bottom"]),
        (VERTICAL, "right", (1, 19), (1, 0), ["bottom", ""]),
        (HORIZONTAL, "right", (0, 19), (0, 19), ["op", "bottom"]),
        # line feed and line up at the top and bottom lines
        (OVERWRITE, "down", (1, 5), (0, 5), ["top", "bottom"]),
        (VERTICAL, "down", (1, 5), (1, 5), ["bottom", ""]),
        (HORIZONTAL, "down", (1, 5), (1, 5), ["top", "bottom"]),
        (OVERWRITE, "up", (0, 5), (1, 5), ["top", "bottom"]),
        (VERTICAL, "up", (0, 5), (0, 5), ["", "top"]),
        (HORIZONTAL, "up", (0, 5), (0, 5), ["top", "bottom"]),
        (OVERWRITE, "down", (0, 5), (1, 5), ["top", "bottom"]),
        (VERTICAL, "up", (1, 5), (0, 5), ["top", "bottom"]),
    ],
)
def test_cursor_moves_at_the_edges_follow_the_mode(
    mode: int,
    action: str,
    start: tuple[int, int],
    expected_cursor: tuple[int, int],
    expected_rows: list[str],
) -> None:
    cells = CellBuffer()
    cells.write_line(0, b"top")
    cells.write_line(1, b"bottom")
    cells.set_mode(mode)
    cells.move(*start)
    getattr(cells, action)()
    assert cells.cursor() == expected_cursor
    assert rows(cells) == [r.ljust(20) for r in expected_rows]


def test_absolute_moves_out_of_range_are_ignored() -> None:
    cells = screen(OVERWRITE, row=1, col=3)
    for row, col in ((2, 0), (0, 20), (-1, 0), (0, -1)):
        cells.move(row, col)
    assert cells.cursor() == (1, 3)


def test_clear_line_blanks_only_the_cursor_line_and_goes_to_its_left_end() -> None:
    cells = screen(OVERWRITE, LINE + "lower")
    cells.clear_line()
    assert rows(cells) == [LINE, " " * 20]
    assert cells.cursor() == (1, 0)


def test_write_line_truncates_at_the_width_and_pads_with_blanks() -> None:
    cells = CellBuffer()
    cells.write_line(1, (LINE + "overflow").encode())
    cells.write_line(0, b"short")
    assert rows(cells) == ["short" + " " * 15, LINE]


def test_brightness_outside_1_to_4_and_unknown_modes_are_ignored() -> None:
    cells = CellBuffer()
    cells.set_brightness(2)
    cells.set_brightness(0)
    cells.set_brightness(5)
    cells.set_mode(7)
    assert (cells.brightness, cells.mode) == (2, OVERWRITE)
