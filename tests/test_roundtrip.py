"""Driver -> real PTY -> virtual board -> control-channel readback, for both command sets.

The board's parser (boardcore, written separately from the drivers) must
end up showing exactly what the driver's model says is shown; the key scenarios also
carry hand-written expectations, so a shared mistake would still be caught.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from boardlink.control import ControlClient, Readback
from firmware_host.deadlines import now
from firmware_host.display import LineDisplay, ScrollMode
from firmware_host.keypad import KeypadReader
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from simulator.board import VirtualBoard

COMMAND_SETS = ["epson", "cd5220"]
SETTLE_S = 2.0


class Rig:
    """One virtual board with the host's display, keypad and control client on it."""

    def __init__(self, stack: ExitStack, command_set: str) -> None:
        self.board = stack.enter_context(VirtualBoard(command_set))
        self.port = stack.enter_context(SerialPort(self.board.display_path))
        self.display = LineDisplay(self.port, command_set)
        self.keypad = KeypadReader(self.port)
        self.control = ControlClient(stack.enter_context(SerialPort(self.board.control_path)))
        self.display.initialize()

    def readback(self) -> Readback:
        """The board's cells once they match the model (the board parses on its own
        thread), or the last readback when the deadline passes."""
        deadline = now() + SETTLE_S
        while True:
            readback = self.control.read_display()
            if readback.rows == self.display.shown_bytes() or now() > deadline:
                return readback

    def agrees(self) -> tuple[str, ...]:
        readback = self.readback()
        assert readback.rows == self.display.shown_bytes()
        if self.display.cursor is not None:  # CD5220 string mode leaves it undefined
            assert readback.cursor == self.display.cursor
        return readback.text()


@pytest.fixture(params=COMMAND_SETS)
def rig(request: pytest.FixtureRequest) -> Iterator[Rig]:
    with ExitStack() as stack:
        yield Rig(stack, request.param)


def test_the_board_says_who_it_is(rig: Rig) -> None:
    identity = rig.control.identify()
    assert (identity.cmdset, identity.rows, identity.cols) == (rig.board.protocol, 2, 20)


def test_text_and_positioning(rig: Rig) -> None:
    rig.display.show(["QTY 2  x 1.50", "TOTAL 3.00"])
    assert rig.agrees() == ("QTY 2  x 1.50".ljust(20), "TOTAL 3.00".ljust(20))
    rig.display.display_text_at(1, 6, "9.99")
    rig.display.display_text_at(0, 4, "7")
    assert rig.agrees() == ("QTY 7  x 1.50".ljust(20), "TOTAL 9.99".ljust(20))


def test_clearing(rig: Rig) -> None:
    rig.display.show(["SOMETHING", "ELSE"])
    rig.agrees()
    rig.display.clear_text()
    assert rig.agrees() == (" " * 20, " " * 20)
    assert rig.readback().cursor == (0, 0)


def test_lines_emptied_by_can(rig: Rig) -> None:
    rig.display.show(["QTY 3 x 12.50", "TOTAL 37.50"])
    rig.agrees()
    rig.display.show(["QTY 7", ""])  # both rows are cheapest wiped with CAN
    assert rig.agrees() == ("QTY 7".ljust(20), " " * 20)


def test_full_lines_then_differential_again(rig: Rig) -> None:
    rig.display.differential = False
    rig.display.show(["UPPER LINE IS FULL!!", "lower"])
    assert rig.agrees() == ("UPPER LINE IS FULL!!", "lower".ljust(20))
    rig.display.differential = True
    rig.display.display_text_at(1, 0, "LOWER")  # CD5220: leaves string mode first
    rig.display.set_brightness(3)
    assert rig.agrees() == ("UPPER LINE IS FULL!!", "LOWER".ljust(20))


def test_full_lines_in_vertical_mode_then_positioned_writes(rig: Rig) -> None:
    rig.display.set_scroll_mode(ScrollMode.VERTICAL)
    rig.display.differential = False
    rig.display.show(["A" * 20, "B" * 20])  # the very last cell must not scroll
    rig.display.differential = True
    rig.display.set_brightness(2)  # CD5220: leaves string mode, redraws without scrolling
    rig.display.display_text_at(0, 0, "Z")
    assert rig.agrees() == ("Z" + "A" * 19, "B" * 20)
    assert rig.display.scroll_mode is ScrollMode.VERTICAL


def test_overlong_text_is_cut(rig: Rig) -> None:
    rig.display.show(["0123456789ABCDEFGHIJKLMNOP"])
    rig.display.display_text_at(1, 12, "abcdefghijklmnop")
    assert rig.agrees() == ("0123456789ABCDEFGHIJ", " " * 12 + "abcdefgh")


def test_characters_outside_the_code_page(rig: Rig) -> None:
    rig.display.show(["\u20ac 5 \u2603", "Caf\u00e9 \x1b@"])
    assert rig.agrees() == ("? 5 ?".ljust(20), "Caf\u00e9 ?@".ljust(20))
    assert rig.readback().rows[1][3] == 0x82  # e-acute in PC437


@pytest.mark.parametrize("mode", list(ScrollMode))
def test_every_scroll_mode(rig: Rig, mode: ScrollMode) -> None:
    rig.display.show(["keep", "this"])
    rig.display.set_scroll_mode(mode)
    rig.display.display_text_at(1, 16, "WXYZ")  # the last cell: must not scroll
    rig.agrees()
    rig.display.display_text("0123456789" * 4 + "abcde")
    expected = {
        ScrollMode.OVERWRITE: ("abcde567890123456789", "01234567890123456789"),
        ScrollMode.VERTICAL: ("01234567890123456789", "abcde".ljust(20)),
        ScrollMode.HORIZONTAL: ("56789" + "0123456789" + "abcde", "this".ljust(16) + "WXYZ"),
    }
    assert rig.agrees() == expected[mode]


def test_a_physical_key_press_reaches_the_keypad_reader(rig: Rig) -> None:
    rig.board.press(Key.D5)
    assert rig.keypad.next_key(timeout=2.0) is Key.D5


def test_an_injected_key_arrives_on_the_display_port(rig: Rig) -> None:
    rig.control.press(Key.ENTER)
    assert rig.keypad.next_key(timeout=2.0) is Key.ENTER


def test_reset_blanks_the_board(rig: Rig) -> None:
    rig.display.show(["BEFORE RESET"])
    rig.agrees()
    rig.control.reset()
    assert rig.control.read_display().text() == (" " * 20, " " * 20)
