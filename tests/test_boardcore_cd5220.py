"""The CD5220 parser against the manual's bytes ([CD5220] 6.1 and 9, [P07303] 7.2).

Byte strings come from the manuals' hex columns; expected screens are worked out by
hand from the manuals' descriptions.
"""

from __future__ import annotations

import pytest

from boardcore.cd5220 import CD5220Parser
from boardcore.cells import HORIZONTAL, OVERWRITE, VERTICAL, CellBuffer

ESC_Q_A = bytes([0x1B, 0x51, 0x41])
ESC_Q_B = bytes([0x1B, 0x51, 0x42])
ESC_Q_D = bytes([0x1B, 0x51, 0x44])
CR, CLR, CAN = b"\x0d", b"\x0c", b"\x18"


def run(data: bytes) -> CD5220Parser:
    parser = CD5220Parser(CellBuffer(2, 20))
    parser.feed(data)
    return parser


def shown(parser: CD5220Parser) -> list[str]:
    return [parser.screen.row_bytes(r).decode("cp437").rstrip() for r in range(2)]


def test_esc_q_a_and_b_write_whole_lines() -> None:
    parser = run(ESC_Q_A + b"Apples" + CR + ESC_Q_B + b"  3 x 1.20" + CR)
    assert shown(parser) == ["Apples", "  3 x 1.20"]
    assert parser.string_mode


def test_a_string_replaces_the_whole_line() -> None:
    parser = run(ESC_Q_A + b"a long first string" + CR + ESC_Q_A + b"short" + CR)
    assert shown(parser) == ["short", ""]


def test_string_longer_than_the_line_is_truncated_at_20() -> None:
    parser = run(ESC_Q_B + b"0123456789ABCDEFGHIJ-overflow" + CR + ESC_Q_A + b"ok" + CR)
    assert shown(parser) == ["ok", "0123456789ABCDEFGHIJ"]


def test_string_mode_ignores_other_commands_until_clr() -> None:
    after = bytes([0x1B, 0x6C, 0x01, 0x02]) + b"text" + bytes([0x1B, 0x12])
    parser = run(ESC_Q_A + b"kept" + CR + after)
    assert shown(parser) == ["kept", ""]
    assert parser.screen.mode == OVERWRITE
    parser.feed(CLR + b"free")
    assert shown(parser) == ["free", ""]
    assert not parser.string_mode


def test_can_leaves_string_mode_and_clears_the_cursor_line() -> None:
    parser = run(ESC_Q_A + b"upper" + CR + ESC_Q_B + b"lower" + CR + CAN + b"x")
    assert shown(parser) == ["x", "lower"]


def test_esc_q_split_across_reads() -> None:
    parser = CD5220Parser(CellBuffer(2, 20))
    for byte in ESC_Q_B + b"split" + CR:
        parser.feed(bytes([byte]))
    assert shown(parser) == ["", "split"]


def test_marquee_shows_its_start_until_the_next_command_clears_the_upper_line() -> None:
    message = b"Welcome to the shop, today fresh bread!"  # 39 bytes, m < 40
    parser = run(b"old" + ESC_Q_D + message + CR)
    assert parser.marquee == message
    assert shown(parser) == [message[:20].decode(), ""]
    parser.feed(b"N")
    assert shown(parser) == ["N", ""]
    assert parser.screen.cursor() == (0, 1)


def test_marquee_keeps_at_most_39_bytes() -> None:
    """m < 40 [CD5220] 9.5, as the host driver sends (firmware_host.display.cd5220)."""
    assert len(run(ESC_Q_D + b"x" * 60 + CR).marquee) == 39
    assert run(ESC_Q_D + b"y" * 40 + CR).marquee == b"y" * 39


def test_esc_l_moves_to_1_based_column_and_row() -> None:
    parser = run(bytes([0x1B, 0x6C, 0x0B, 0x02]) + b"$4.50")
    assert shown(parser) == ["", " " * 10 + "$4.50"]


@pytest.mark.parametrize(
    ("command", "mode"),
    [
        (bytes([0x1B, 0x11]), OVERWRITE),
        (bytes([0x1B, 0x12]), VERTICAL),
        (bytes([0x1B, 0x13]), HORIZONTAL),
        (bytes([0x1F, 0x01]), OVERWRITE),
        (bytes([0x1F, 0x02]), VERTICAL),
        (bytes([0x1F, 0x03]), HORIZONTAL),
    ],
)
def test_scroll_mode_commands(command: bytes, mode: int) -> None:
    assert run(bytes([0x1B, 0x12]) + command).screen.mode == mode


@pytest.mark.parametrize(
    ("command", "row_col"),
    [
        (bytes([0x1B, 0x5B, 0x44]), (0, 3)),  # ESC [ D left
        (bytes([0x1B, 0x5B, 0x43]), (0, 5)),  # ESC [ C right
        (bytes([0x1B, 0x5B, 0x42]), (1, 4)),  # ESC [ B down
        (bytes([0x1B, 0x5B, 0x41]), (1, 4)),  # ESC [ A up (overwrite: to the lower line)
        (bytes([0x1B, 0x5B, 0x48]), (0, 0)),  # ESC [ H home
        (bytes([0x1B, 0x5B, 0x4C]), (0, 0)),  # ESC [ L left-most
        (bytes([0x1B, 0x5B, 0x52]), (0, 19)),  # ESC [ R right-most
        (bytes([0x1B, 0x5B, 0x4B]), (1, 0)),  # ESC [ K bottom
        (bytes([0x08]), (0, 3)),  # BS
        (bytes([0x09]), (0, 5)),  # HT
        (bytes([0x0A]), (1, 4)),  # LF
        (bytes([0x0B]), (0, 0)),  # HOM
        (bytes([0x0D]), (0, 0)),  # CR
        (bytes([0x1F, 0x0A]), (1, 4)),  # US LF up
        (bytes([0x1F, 0x0D]), (0, 19)),  # US CR
        (bytes([0x1F, 0x42]), (1, 0)),  # US B
    ],
)
def test_cursor_commands(command: bytes, row_col: tuple[int, int]) -> None:
    assert run(b"abcd" + command).screen.cursor() == row_col


def test_brightness_cursor_and_init() -> None:
    parser = run(bytes([0x1B, 0x2A, 0x01, 0x1B, 0x5F, 0x01]) + b"abc")
    assert (parser.screen.brightness, parser.screen.cursor_visible) == (1, True)
    parser.feed(bytes([0x1B, 0x40]))
    assert (parser.screen.brightness, parser.screen.cursor_visible) == (4, False)
    assert shown(parser) == ["", ""]


def test_us_at_self_test_ends_with_a_clear_screen_and_the_cursor_home() -> None:
    parser = run(b"abc" + bytes([0x1B, 0x6C, 0x05, 0x02]) + b"d" + bytes([0x1F, 0x40]))
    assert (shown(parser), parser.screen.cursor()) == (["", ""], (0, 0))


def test_esc_at_also_ends_string_mode() -> None:
    parser = run(ESC_Q_A + b"s" + CR + bytes([0x1B, 0x40]) + b"t")
    assert shown(parser) == ["t", ""]


def test_display_deselected_by_esc_equals_ignores_data() -> None:
    parser = run(bytes([0x1B, 0x3D, 0x01]) + b"to printer" + bytes([0x1B, 0x3D, 0x02]) + b"shown")
    assert shown(parser) == ["shown", ""]


@pytest.mark.parametrize(
    "ignored",
    [
        bytes([0x1B, 0x57, 0x01, 0x01, 0x14, 0x01]),  # ESC W s x1 x2 y
        bytes([0x1B, 0x66, 0x41]),  # ESC f n
        bytes([0x1B, 0x63, 0x41]),  # ESC c n
        bytes([0x1B, 0x73, 0x01]),  # ESC s 1
        bytes([0x1B, 0x64, 0x01]),  # ESC d 1
        bytes([0x1B, 0x23, 0x30]),  # ESC # n
        bytes([0x1F, 0x45, 0x02]),  # US E n
        bytes([0x1B, 0x26, 0x01, 0x41, 0x41, 0x05, 1, 2, 3, 4, 5]),  # ESC & one char
    ],
)
def test_commands_without_visible_effect_consume_all_their_bytes(ignored: bytes) -> None:
    assert shown(run(b"x" + ignored + b"y")) == ["xy", ""]


def test_horizontal_scroll_pushes_the_line_left() -> None:
    parser = run(bytes([0x1B, 0x13]) + b"0123456789ABCDEFGHIJKL")
    assert shown(parser) == ["23456789ABCDEFGHIJKL", ""]


def test_vertical_scroll_moves_the_lower_line_up() -> None:
    parser = run(bytes([0x1B, 0x12]) + b"U" * 20 + b"L" * 20 + b"n")
    assert shown(parser) == ["L" * 20, "n"]
