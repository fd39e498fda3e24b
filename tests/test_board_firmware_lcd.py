"""The Pico firmware's HD44780 driver against an emulated controller on its pins.

A host has no GPIO, so `machine.Pin`/`machine.PWM` and MicroPython's `time.sleep_us`/
`time.sleep_ms` are the one boundary replaced here: the pins drive an HD44780 model that
latches a nibble on each falling edge of E and, as the datasheet says (Hitachi HD44780U
table 6), executes each instruction for 37 us (clear display and return home 1.52 ms).
R/W is tied low on the board, so the firmware cannot read the busy flag: an instruction
or data write that arrives while the controller is still busy is lost, and the model
records it. The sleeps advance a virtual clock, so nothing here waits for real.
"""

from __future__ import annotations

import importlib
import sys
import time
import types
from collections.abc import Iterator
from typing import Any

import pytest

from boardcore.cells import HORIZONTAL, CellBuffer

EXECUTION_US = 37
SLOW_EXECUTION_US = 1520  # clear display, return home
BLANK = 0x20


class Hd44780:
    """The controller behind the pins: 4-bit bus, DDRAM, address counter, busy time."""

    def __init__(self) -> None:
        self.now_us = 0.0
        self.busy_until = 0.0
        self.four_bit = False
        self.high: int | None = None  # first nibble of a 4-bit transfer
        self.ddram = bytearray([BLANK] * 0x68)
        self.address = 0
        self.increment = True
        self.display_on = False
        self.cursor_on = False
        self.lost: list[str] = []
        self.rs = 0
        self.enable = 0
        self.data = [0, 0, 0, 0]  # D4..D7

    def line(self, start: int, cols: int) -> bytes:
        return bytes(self.ddram[start : start + cols])

    # -- the bus --------------------------------------------------------------------

    def pin_changed(self, pin: int, value: int) -> None:
        if pin == RS:
            self.rs = value
        elif pin == E:
            falling = self.enable == 1 and value == 0
            self.enable = value
            if falling:
                self._latch(sum(bit << i for i, bit in enumerate(self.data)))
        elif pin in DATA:
            self.data[DATA.index(pin)] = value

    def _latch(self, nibble: int) -> None:
        if not self.four_bit:  # 8-bit mode: D3..D0 are not wired, one nibble per transfer
            self._execute(nibble << 4, 0)
            return
        if self.high is None:
            self.high = nibble
            return
        byte, self.high = (self.high << 4) | nibble, None
        self._execute(byte, self.rs)

    def _execute(self, byte: int, is_data: int) -> None:
        if self.now_us < self.busy_until:
            kind = "data" if is_data else "instruction"
            self.lost.append(f"{kind} {byte:#04x} at {self.now_us:.0f} us")
            return
        slow = False
        if is_data:
            self.ddram[self.address] = byte
            self._step()
        elif byte & 0x80:  # set DDRAM address
            self.address = byte & 0x7F
        elif byte & 0x20:  # function set: DL is bit 4
            self.four_bit = not byte & 0x10
        elif byte & 0x08:  # display on/off control
            self.display_on = bool(byte & 0x04)
            self.cursor_on = bool(byte & 0x02)
        elif byte & 0x04:  # entry mode set
            self.increment = bool(byte & 0x02)
        elif byte & 0x02:  # return home
            self.address = 0
            slow = True
        elif byte == 0x01:  # clear display
            self.ddram[:] = bytes([BLANK] * len(self.ddram))
            self.address = 0
            self.increment = True
            slow = True
        self.busy_until = self.now_us + (SLOW_EXECUTION_US if slow else EXECUTION_US)

    def _step(self) -> None:
        self.address += 1 if self.increment else -1
        if self.address == 0x28:
            self.address = 0x40
        elif self.address == 0x68:
            self.address = 0x00


RS, E, DATA, BACKLIGHT = 6, 7, (8, 9, 10, 11), 20
chip: Hd44780 | None = None


class Pin:
    OUT = 1

    def __init__(self, number: int, mode: int = 0, value: int | None = None) -> None:
        self.number = number
        if value is not None:
            self.value(value)

    def value(self, level: int) -> None:
        assert chip is not None
        chip.pin_changed(self.number, level)


class PWM:
    def __init__(self, pin: Pin) -> None:
        self.duty = 0

    def freq(self, hz: int) -> None:
        pass

    def duty_u16(self, duty: int) -> None:
        self.duty = duty


def sleep_us(us: float) -> None:
    assert chip is not None
    chip.now_us += us


def sleep_ms(ms: float) -> None:
    sleep_us(ms * 1000)


@pytest.fixture
def lcd_module(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """hil.board_firmware.lcd imported against the emulated pins and MicroPython sleeps."""
    global chip
    chip = Hd44780()
    machine = types.ModuleType("machine")
    machine.Pin = Pin  # type: ignore[attr-defined]
    machine.PWM = PWM  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "machine", machine)
    monkeypatch.setattr(time, "sleep_us", sleep_us, raising=False)
    monkeypatch.setattr(time, "sleep_ms", sleep_ms, raising=False)
    monkeypatch.delitem(sys.modules, "hil.board_firmware.lcd", raising=False)
    yield importlib.import_module("hil.board_firmware.lcd")
    sys.modules.pop("hil.board_firmware.lcd", None)
    chip = None


def make_lcd(lcd_module: Any) -> tuple[Any, Hd44780]:
    lcd = lcd_module.Lcd(RS, E, DATA, BACKLIGHT)
    assert chip is not None
    return lcd, chip


def test_initialisation_loses_no_instruction_while_clear_runs(lcd_module: Any) -> None:
    """Clear takes 1.52 ms and the busy flag cannot be read: the init sequence waits it out."""
    _, hd = make_lcd(lcd_module)
    assert hd.lost == []
    assert (hd.four_bit, hd.display_on, hd.cursor_on, hd.increment) == (True, True, False, True)


def test_shown_cells_reach_the_controller(lcd_module: Any) -> None:
    lcd, hd = make_lcd(lcd_module)
    cells = CellBuffer(2, 20)
    for code in b"TOTAL 20.00":
        cells.put(code)
    lcd.show(cells)
    assert hd.lost == []
    assert hd.line(0x00, 20) == b"TOTAL 20.00".ljust(20)
    assert hd.line(0x40, 20) == b" " * 20


def cursor_address(cells: CellBuffer) -> int:
    row, col = cells.cursor()
    return (0x00, 0x40)[row] + col


def test_a_visible_cursor_is_put_back_after_cells_change_under_a_still_cursor(
    lcd_module: Any,
) -> None:
    """Horizontal scroll mode on a full line: each character pushes the line left and the
    cursor stays at the right end, so (row, col, visible) is unchanged while every cell
    of the line is rewritten, which moves the controller's cursor."""
    lcd, hd = make_lcd(lcd_module)
    cells = CellBuffer(2, 20)
    cells.cursor_visible = True
    cells.set_mode(HORIZONTAL)
    for code in b"ABCDEFGHIJKLMNOPQRST":
        cells.put(code)
    lcd.show(cells)
    assert hd.address == cursor_address(cells) == 0x13
    cells.put(ord("U"))
    assert cells.cursor() == (0, 19)
    lcd.show(cells)
    assert hd.line(0x00, 20) == b"BCDEFGHIJKLMNOPQRSTU"
    assert (hd.cursor_on, hd.address) == (True, cursor_address(cells))
    assert hd.lost == []
