"""The Epson DM-D parser against the manual's bytes ([DM-D110] 5.4, [XP8200] 4.1.2).

Byte strings are written out from the manuals' hex columns, not from a driver, and
expected screens are worked out by hand.
"""

from __future__ import annotations

import pytest

from boardcore.cells import HORIZONTAL, OVERWRITE, VERTICAL, CellBuffer
from boardcore.epson import EpsonParser


def run(data: bytes, start: bytes = b"") -> EpsonParser:
    parser = EpsonParser(CellBuffer(2, 20))
    parser.feed(start + data)
    return parser


def shown(parser: EpsonParser) -> list[str]:
    return [parser.screen.row_bytes(r).decode("cp437").rstrip() for r in range(2)]


def test_text_then_us_dollar_moves_to_1_based_column_and_row() -> None:
    parser = run(b"Total" + bytes([0x1F, 0x24, 0x0F, 0x02]) + b"9.99")
    assert shown(parser) == ["Total", " " * 14 + "9.99"]
    assert parser.screen.cursor() == (1, 18)


@pytest.mark.parametrize(
    "bad", [bytes([0x1F, 0x24, 0, 1]), bytes([0x1F, 0x24, 21, 1]), bytes([0x1F, 0x24, 1, 3])]
)
def test_us_dollar_out_of_range_is_ignored(bad: bytes) -> None:
    parser = run(b"ab" + bad + b"c")
    assert shown(parser) == ["abc", ""]


def test_clr_clears_and_homes() -> None:
    parser = run(b"hello" + bytes([0x1F, 0x24, 3, 2]) + b"x" + bytes([0x0C]) + b"Z")
    assert shown(parser) == ["Z", ""]
    assert parser.screen.cursor() == (0, 1)


def test_can_clears_only_the_cursor_line() -> None:
    parser = run(b"upper" + bytes([0x1F, 0x24, 1, 2]) + b"lower" + bytes([0x18]) + b"L")
    assert shown(parser) == ["upper", "L"]


def test_esc_at_initialises_everything() -> None:
    setup = bytes([0x1F, 0x03, 0x1F, 0x58, 0x01, 0x1F, 0x43, 0x01, 0x1B, 0x74, 0x02]) + b"xyz"
    parser = run(bytes([0x1B, 0x40]), start=setup)
    cells = parser.screen
    assert shown(parser) == ["", ""]
    assert (
        cells.cursor(),
        cells.mode,
        cells.brightness,
        cells.cursor_visible,
        cells.code_page,
    ) == (
        (0, 0),
        OVERWRITE,
        4,
        False,
        0,
    )


@pytest.mark.parametrize(
    ("code", "mode"), [(0x01, OVERWRITE), (0x02, VERTICAL), (0x03, HORIZONTAL)]
)
def test_us_md_selects_the_scroll_mode(code: int, mode: int) -> None:
    assert run(bytes([0x1F, 0x02, 0x1F, code])).screen.mode == mode


def test_us_x_sets_brightness_and_us_c_the_cursor() -> None:
    cells = run(bytes([0x1F, 0x58, 0x02, 0x1F, 0x43, 0x01])).screen
    assert (cells.brightness, cells.cursor_visible) == (2, True)
    assert run(bytes([0x1F, 0x43, 0x01, 0x1F, 0x43, 0x00])).screen.cursor_visible is False


def test_esc_t_selects_the_code_page_and_bytes_above_127_are_shown_raw() -> None:
    parser = run(bytes([0x1B, 0x74, 0x00, 0x9C, 0xE1]))  # PC437: pound sign, sharp s
    assert parser.screen.code_page == 0
    assert shown(parser) == ["\u00a3\u00df", ""]


def test_esc_equals_deselects_the_display_until_reselected() -> None:
    parser = run(
        b"A" + bytes([0x1B, 0x3D, 0x01]) + b"printer only\x0c" + bytes([0x1B, 0x3D, 0x02]) + b"B"
    )
    assert shown(parser) == ["AB", ""]


def test_both_devices_selected_still_shows_data() -> None:
    assert shown(run(bytes([0x1B, 0x3D, 0x03]) + b"both")) == ["both", ""]


@pytest.mark.parametrize(
    ("command", "row_col"),
    [
        (bytes([0x0B]), (0, 0)),  # HOM
        (bytes([0x1F, 0x42]), (1, 0)),  # US B
        (bytes([0x0D]), (0, 0)),  # CR on the upper line
        (bytes([0x1F, 0x0D]), (0, 19)),  # US CR
        (bytes([0x0A]), (1, 4)),  # LF
        (bytes([0x09]), (0, 5)),  # HT
        (bytes([0x08]), (0, 3)),  # BS
    ],
)
def test_cursor_commands(command: bytes, row_col: tuple[int, int]) -> None:
    assert run(b"abcd" + command).screen.cursor() == row_col


def test_us_lf_moves_up() -> None:
    assert run(bytes([0x1F, 0x24, 3, 2, 0x1F, 0x0A])).screen.cursor() == (0, 2)


def test_us_at_self_test_ends_with_a_clear_screen() -> None:
    assert shown(run(b"abc" + bytes([0x1F, 0x40]))) == ["", ""]


def test_a_command_split_across_every_byte_boundary_is_the_same() -> None:
    data = b"ab" + bytes([0x1F, 0x24, 0x05, 0x02]) + b"cd" + bytes([0x1F, 0x02, 0x1B, 0x40]) + b"e"
    whole = run(data)
    parser = EpsonParser(CellBuffer(2, 20))
    for byte in data:
        parser.feed(bytes([byte]))
    assert shown(parser) == shown(whole) == ["e", ""]


@pytest.mark.parametrize(
    "ignored",
    [
        bytes([0x1B, 0x52, 0x03]),  # ESC R n
        bytes([0x1B, 0x25, 0x01]),  # ESC % n
        bytes([0x1B, 0x3F, 0x41]),  # ESC ? n
        bytes([0x1F, 0x45, 0x05]),  # US E n
        bytes([0x1F, 0x72, 0x01]),  # US r n
        bytes([0x1F, 0x23, 0x01, 0x05]),  # US # n m
        bytes([0x1B, 0x57, 0x01, 0x01, 1, 1, 20, 2]),  # ESC W select window
        bytes([0x1B, 0x57, 0x01, 0x00]),  # ESC W cancel window
        bytes([0x1B, 0x26, 0x01, 0x41, 0x42, 0x05, 1, 2, 3, 4, 5, 0x02, 9, 9]),  # ESC & 2 chars
        bytes([0x1F, 0x28, 0x45, 0x03, 0x00, 0x01, 0x49, 0x4E]),  # US ( E fn 1 [DM-D110]
    ],
)
def test_commands_without_visible_effect_consume_all_their_bytes(ignored: bytes) -> None:
    assert shown(run(b"x" + ignored + b"y")) == ["xy", ""]


def test_unknown_escape_pairs_and_control_bytes_do_not_stop_the_display() -> None:
    parser = run(b"a" + bytes([0x1B, 0x7E, 0x00, 0x07, 0x1F, 0x7F]) + b"b")
    assert shown(parser) == ["ab", ""]


def test_random_garbage_never_raises_and_leaves_a_valid_screen() -> None:
    import random

    rng = random.Random(5220)
    parser = EpsonParser(CellBuffer(2, 20))
    for _ in range(200):
        parser.feed(bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64))))
        row, col = parser.screen.cursor()
        assert 0 <= row < 2 and 0 <= col < 20
        assert all(len(parser.screen.row_bytes(r)) == 20 for r in range(2))
    parser.feed(bytes([0x1B, 0x3D, 0x02, 0x1B, 0x40]) + b"alive")
    assert shown(parser)[0] == "alive"
