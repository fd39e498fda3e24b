"""The LineDisplay's model and its choice of bytes, on a plain byte sink.

Expected bytes are worked out by hand from the command tables (see
test_display_commands.py for their sources) and the cursor rules of the manuals.
"""

from __future__ import annotations

import pytest

from firmware_host.display import LineDisplay, ScrollMode, encode_text
from firmware_host.display.model import ScreenModel
from firmware_host.errors import DisplayError, PortLost

EPSON_INIT = bytes.fromhex("1B 3D 02 1B 40 1B 74 00")  # ESC = 2, ESC @, ESC t 0
CD5220_INIT = bytes.fromhex("1B 40")  # ESC @
BLANK_ROW = " " * 20


class Wire:
    """Collects what the driver sends; can be told to fail like an unplugged board."""

    def __init__(self) -> None:
        self.data = bytearray()
        self.fail = False

    def write(self, data: bytes) -> None:
        if self.fail:
            raise PortLost("expected the board to take 1 write, found the port closed")
        self.data += data

    def take(self) -> bytes:
        sent = bytes(self.data)
        self.data.clear()
        return sent


def ready(command_set: str, *, differential: bool = True) -> tuple[LineDisplay, Wire]:
    wire = Wire()
    display = LineDisplay(wire, command_set, differential=differential)
    display.initialize()
    wire.take()
    return display, wire


def test_initialize_resets_and_selects_the_code_page() -> None:
    wire = Wire()
    LineDisplay(wire, "epson").initialize()
    assert wire.take() == EPSON_INIT
    LineDisplay(wire, "cd5220").initialize()
    assert wire.take() == CD5220_INIT


def test_first_request_initialises_an_unknown_display() -> None:
    wire = Wire()
    display = LineDisplay(wire, "epson")
    display.show(["HI"])
    assert wire.take() == EPSON_INIT + b"HI"


def test_text_outside_the_code_page_is_replaced_visibly() -> None:
    # cp437: e-acute is 0x82; the euro sign is not in the page; ESC would be a command.
    assert encode_text("Caf\u00e9 \u20ac\x1b") == b"Caf\x82 ??"
    display, wire = ready("epson")
    display.show(["\u20ac 5"])
    assert wire.take() == b"? 5"
    assert display.shown() == ("? 5".ljust(20), BLANK_ROW)


def test_only_changed_cells_are_sent_after_a_move() -> None:
    display, wire = ready("epson")
    display.show(["QTY 2", "EACH 1.00"])
    # Cursor starts home: "QTY 2", then US $ 1 2 and the lower line text.
    assert wire.take() == b"QTY 2" + bytes.fromhex("1F 24 01 02") + b"EACH 1.00"
    display.display_text_at(0, 4, "3")
    assert wire.take() == bytes.fromhex("1F 24 05 01") + b"3"
    assert display.last_update_bytes == 5
    assert display.shown()[0] == "QTY 3".ljust(20)
    assert display.cursor == (0, 5)


def test_a_short_unchanged_gap_is_rewritten_instead_of_moving() -> None:
    display, wire = ready("cd5220")
    display.show(["ABCDEFGH"])
    wire.take()
    display.show(["xBCyEFGH"])  # cells 0 and 3 change; the 2-cell gap is cheaper than ESC l
    assert wire.take() == bytes.fromhex("1B 6C 01 01") + b"xBCy"


def test_a_line_is_wiped_with_can_when_that_is_shorter() -> None:
    display, wire = ready("epson")
    display.show(["QTY 3 x 12.50", "TOTAL 37.50"])
    assert wire.take() == b"QTY 3 x 12.50" + bytes.fromhex("1F 24 01 02") + b"TOTAL 37.50"
    display.show(["QTY 7", ""])
    # Row 0: US $ 1 1, CAN, "QTY 7" (10 bytes) beats US $ 5 1 + 9 cells (13 bytes).
    # Row 1: US $ 1 2, CAN (5 bytes) beats US $ 1 2 + 11 spaces (15 bytes).
    assert wire.take() == (
        bytes.fromhex("1F 24 01 01 18") + b"QTY 7" + bytes.fromhex("1F 24 01 02 18")
    )
    assert display.shown() == ("QTY 7".ljust(20), BLANK_ROW)
    assert display.cursor == (1, 0)


def test_nothing_is_sent_when_nothing_changes() -> None:
    display, wire = ready("epson")
    display.show(["SAME"])
    wire.take()
    display.show(["SAME"])
    assert wire.take() == b""
    assert display.last_update_bytes == 0


def test_full_line_rewrites_when_differential_is_off() -> None:
    display, wire = ready("epson", differential=False)
    display.show(["QTY 2"])
    assert wire.take() == bytes.fromhex("1F 24 01 01") + b"QTY 2".ljust(20)


def test_overlong_text_is_cut_at_the_row_end() -> None:
    display, wire = ready("epson")
    display.display_text_at(0, 15, "123456789")
    assert wire.take() == bytes.fromhex("1F 24 10 01") + b"12345"
    assert display.shown()[0] == " " * 15 + "12345"
    # Writing the last cell of the upper line wraps the cursor (overwrite mode).
    assert display.cursor == (1, 0)


def test_positioned_writes_happen_in_overwrite_mode() -> None:
    display, wire = ready("epson")
    display.set_scroll_mode(ScrollMode.VERTICAL)
    assert wire.take() == bytes.fromhex("1F 02")
    display.display_text_at(1, 15, "12345")
    # US MD1, US $ 16 2, text, back to US MD2: the last cell must not scroll the screen.
    assert wire.take() == bytes.fromhex("1F 01 1F 24 10 02") + b"12345" + bytes.fromhex("1F 02")
    assert display.shown() == (BLANK_ROW, " " * 15 + "12345")
    assert display.scroll_mode is ScrollMode.VERTICAL


def test_streamed_text_in_overwrite_mode_wraps_to_the_top() -> None:
    display, _ = ready("epson")
    display.display_text("0123456789" * 4 + "abcde")
    assert display.shown() == ("abcde567890123456789", "01234567890123456789")
    assert display.cursor == (0, 5)


def test_streamed_text_in_vertical_mode_scrolls_up() -> None:
    display, _ = ready("cd5220")
    display.set_scroll_mode(ScrollMode.VERTICAL)
    display.display_text("0123456789" * 4 + "abcde")
    assert display.shown() == ("01234567890123456789", "abcde".ljust(20))
    assert display.cursor == (1, 5)


def test_streamed_text_in_horizontal_mode_pushes_left() -> None:
    display, wire = ready("epson")
    display.set_scroll_mode(ScrollMode.HORIZONTAL)
    display.display_text("ABCDEFGHIJKLMNOPQRSTUV")
    assert wire.take() == bytes.fromhex("1F 03") + b"ABCDEFGHIJKLMNOPQRSTUV"
    assert display.shown() == ("CDEFGHIJKLMNOPQRSTUV", BLANK_ROW)
    assert display.cursor == (0, 19)


def test_cd5220_string_mode_is_left_with_clr_before_positioning() -> None:
    display, wire = ready("cd5220", differential=False)
    display.show(["A", "B"])
    assert wire.take() == (
        bytes.fromhex("1B 51 41")
        + b"A".ljust(20)
        + b"\r"
        + bytes.fromhex("1B 51 42")
        + b"B".ljust(20)
        + b"\r"
    )
    assert display.cursor is None
    display.differential = True
    display.display_text_at(0, 1, "Z")
    # CLR leaves string mode and blanks; then redraw "AZ" from home and "B" via ESC l 1 2.
    assert wire.take() == b"\x0cAZ" + bytes.fromhex("1B 6C 01 02") + b"B"
    assert display.shown() == ("AZ".ljust(20), "B".ljust(20))


def test_settings_in_string_mode_redraw_first() -> None:
    display, wire = ready("cd5220", differential=False)
    display.show(["A"])
    wire.take()
    display.set_brightness(2)
    assert wire.take() == b"\x0cA" + bytes.fromhex("1B 6C 01 01 1B 2A 02")
    assert display.brightness == 2
    assert display.cursor == (0, 0)


def test_character_set_changes_the_encoding() -> None:
    display, wire = ready("epson")
    display.set_character_set("cp850")
    assert wire.take() == bytes.fromhex("1B 74 02")
    display.show(["\u00f8"])  # o-slash: 0x9B in PC850
    assert wire.take() == b"\x9b"
    assert display.character_set == "cp850"


def test_bad_requests_are_typed_errors() -> None:
    display, _ = ready("epson")
    with pytest.raises(DisplayError, match="expected at most 2 lines, found 3"):
        display.show(["a", "b", "c"])
    with pytest.raises(DisplayError, match=r"found \(2, 0\)"):
        display.display_text_at(2, 0, "x")
    with pytest.raises(DisplayError, match="found 9"):
        display.set_brightness(9)


def test_after_a_failed_write_the_display_is_reset_before_the_next_update() -> None:
    display, wire = ready("epson")
    display.show(["KEEP"])
    wire.take()
    wire.fail = True
    with pytest.raises(PortLost):
        display.show(["LOST"])
    assert display.shown()[0] == "KEEP".ljust(20)
    wire.fail = False
    display.show(["BACK"])
    assert wire.take() == EPSON_INIT + b"BACK"


def test_a_model_copy_is_independent_of_the_original() -> None:
    """The planner tries each plan on a copy; a plan that loses must leave no trace."""
    model = ScreenModel(2, 20)
    model.write(b"kept")
    model.set_mode(ScrollMode.VERTICAL)
    twin = model.copy()
    assert (twin.row_bytes(), twin.cursor, twin.mode) == (model.row_bytes(), (0, 4), model.mode)
    twin.write(b"!")
    twin.set_line(1, b"x" * 20)
    twin.set_mode(ScrollMode.HORIZONTAL)
    assert model.row_bytes() == (b"kept".ljust(20), b" " * 20)
    assert (model.cursor, model.mode, model.string_mode) == ((0, 4), ScrollMode.VERTICAL, False)
