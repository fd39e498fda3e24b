"""Every display byte a board does not act on is counted, with its offset and reason,
and counting changes nothing on the screen.

The bad bytes are the ones the issue's clients sent (US $ moves off the screen, NUL)
and the other ways a stream can break the manuals' command sets; each expected count
and offset is worked out by hand from the bytes.
"""

from __future__ import annotations

import pytest

from boardcore.board import Board
from boardcore.diagnostics import KEEP_BYTES, Diagnostics

ESC, US = b"\x1b", b"\x1f"


def fed(cmdset: str, data: bytes) -> Board:
    board = Board(cmdset)
    board.receive_display(data)
    return board


def screen(board: Board) -> list[bytes]:
    return [board.cells.row_bytes(row) for row in range(board.cells.rows)] + [
        bytes(board.cells.cursor())
    ]


@pytest.mark.parametrize(
    ("cmdset", "bad", "reason"),
    [
        ("epson", US + b"$\x15\x01", "out-of-range"),  # US $ x = 21 (1..20)
        ("epson", US + b"$\x01\x03", "out-of-range"),  # US $ y = 3 (1..2)
        ("epson", US + b"$\x00\x00", "out-of-range"),  # 0-based by mistake
        ("epson", b"\x00", "undefined-byte"),  # NUL
        ("epson", b"\x07", "undefined-byte"),  # BEL: no such command on a display
        ("epson", ESC + b"Z", "unknown-command"),
        ("epson", US + b"X\x05", "out-of-range"),  # brightness 1..4
        ("epson", US + b"C\x02", "out-of-range"),  # cursor 0 / 1
        ("epson", ESC + b"t\x06", "out-of-range"),  # code page 6 is not in [DM-D110]
        ("epson", ESC + b"=\x00", "out-of-range"),  # ESC = n, 1 <= n <= 3
        ("epson", ESC + b"W\x01\x01\x01\x01\x14\x02", "not-emulated"),  # a window
        ("epson", ESC + b"W\x05\x00", "out-of-range"),  # window number 1..4
        ("cd5220", ESC + b"l\x15\x01", "out-of-range"),  # ESC l x = 21
        ("cd5220", ESC + b"l\x01\x00", "out-of-range"),  # ESC l y = 0
        ("cd5220", b"\x00", "undefined-byte"),
        ("cd5220", ESC + b"[Z", "unknown-command"),
        ("cd5220", ESC + b"QZ", "unknown-command"),
        ("cd5220", ESC + b"*\x00", "out-of-range"),
        ("cd5220", ESC + b"_\x07", "out-of-range"),
        ("cd5220", ESC + b"=\x00", "out-of-range"),  # ESC = n, n not defined
        ("cd5220", ESC + b"W\x01\x00\x13\x01", "out-of-range"),  # window x1 = 0
        ("cd5220", ESC + b"W\x02\x01\x14\x01", "out-of-range"),  # s = 2
        ("cd5220", ESC + b"W\x01\x0a\x05\x01", "out-of-range"),  # x1 > x2
        ("cd5220", US + b"t", "unknown-command"),
    ],
)
def test_a_dropped_command_is_counted_with_its_bytes_offset_and_reason(
    cmdset: str, bad: bytes, reason: str
) -> None:
    before, after = b"AB", b"CD"
    board = fed(cmdset, before + bad + after)
    clean = fed(cmdset, before + after)
    diagnostics = board.diagnostics()
    assert (diagnostics.dropped, diagnostics.last, diagnostics.offset, diagnostics.reason) == (
        len(bad),
        bad,
        len(before),
        reason,
    )
    assert screen(board) == screen(clean)


def test_bytes_that_follow_the_manuals_drop_nothing() -> None:
    epson = ESC + b"@" + ESC + b"t\x00" + US + b"$\x14\x02Z" + US + b"X\x01" + US + b"C\x01"
    epson += ESC + b"W\x01\x00" + US + b"\x02" + ESC + b"=\x02"
    cd5220 = ESC + b"@" + ESC + b"QAtotal\r" + b"\x0c" + ESC + b"l\x14\x02Z" + ESC + b"*\x04"
    cd5220 += ESC + b"W\x01\x01\x14\x01" + ESC + b"W\x00\x00\x00\x00" + ESC + b"=\x32"
    assert fed("epson", epson).diagnostics().dropped == 0
    assert fed("cd5220", cd5220).diagnostics().dropped == 0


def test_many_drops_add_up_and_the_last_is_kept() -> None:
    """The issue's run: out-of-range US $ moves and NULs, each counted."""
    stream = (US + b"$\x00\x00" + b"\x00") * 10 + b"ok"
    board = fed("epson", stream)
    diagnostics = board.diagnostics()
    assert diagnostics.dropped == 50
    assert (diagnostics.last, diagnostics.offset, diagnostics.reason) == (
        b"\x00",
        49,
        "undefined-byte",
    )
    assert board.cells.row_bytes(0) == b"ok".ljust(20)


def test_cd5220_string_mode_counts_what_it_ignores() -> None:
    """[CD5220] 9.4: in string mode only CLR, CAN and ESC Q work; text is ignored."""
    board = fed("cd5220", ESC + b"QAkept\r" + b"lost" + ESC + b"l\x01\x02")
    diagnostics = board.diagnostics()
    assert (diagnostics.dropped, diagnostics.last, diagnostics.reason) == (
        8,
        ESC + b"l\x01\x02",
        "string-mode",
    )
    assert board.cells.row_bytes(0) == b"kept".ljust(20)


def test_cd5220_string_past_20_bytes_is_counted_at_its_cr() -> None:
    board = fed("cd5220", ESC + b"QB" + b"x" * 20 + b"12345\r")
    diagnostics = board.diagnostics()
    assert (diagnostics.dropped, diagnostics.last, diagnostics.offset) == (5, b"12345", 23)
    assert diagnostics.reason == "string-too-long"


def test_a_runaway_string_keeps_a_bounded_sample() -> None:
    board = fed("cd5220", ESC + b"QD" + b"m" * 39 + b"y" * 5000 + b"\r")
    diagnostics = board.diagnostics()
    assert diagnostics.dropped == 5000
    assert diagnostics.last == b"y" * KEEP_BYTES


def test_a_runaway_command_is_counted_as_overlong() -> None:
    # ESC & s n m with a = 255 and s = 255 per character: it never completes in time.
    board = fed("epson", ESC + b"&\xff\x20\x7e" + b"\xff" * 2000)
    diagnostics = board.diagnostics()
    assert diagnostics.reason == "overlong"
    assert diagnostics.dropped == 1024


def test_bytes_for_the_printer_are_not_counted() -> None:
    """Deselected by ESC = 1, the display passes data to the printer [DM-D110] ESC =."""
    board = fed("epson", ESC + b"=\x01" + b"\x00receipt" + ESC + b"Z" + ESC + b"=\x02ok")
    assert board.diagnostics().dropped == 0
    assert board.cells.row_bytes(0) == b"ok".ljust(20)


def test_offsets_run_over_reads() -> None:
    board = Board("epson")
    board.receive_display(b"0123")
    board.receive_display(US + b"$")
    board.receive_display(b"\x30\x01")
    assert board.diagnostics().offset == 4


def test_diagnostics_clear_and_fields() -> None:
    diagnostics = Diagnostics()
    assert diagnostics.fields() == [("dropped", "0"), ("last", ""), ("offset", ""), ("reason", "")]
    diagnostics.record(7, b"\x1f$\x00\x00", "out-of-range")
    assert diagnostics.fields() == [
        ("dropped", "4"),
        ("last", "1f240000"),
        ("offset", "7"),
        ("reason", "out-of-range"),
    ]
    diagnostics.clear()
    assert diagnostics.dropped == 0


def test_power_on_forgets_drops_but_esc_at_does_not() -> None:
    board = fed("epson", b"\x00")
    board.receive_display(ESC + b"@")
    assert board.diagnostics().dropped == 1
    board.power_on()
    assert board.diagnostics().dropped == 0
