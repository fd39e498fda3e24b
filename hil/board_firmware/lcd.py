"""HD44780 character LCD over 4 GPIO data lines, redrawn from the board's cell buffer.

Only cells that changed since the last frame are written, so a price update costs a
few bus cycles and the main loop keeps up with the UARTs. Timings and the 4-bit
initialisation are those of the Hitachi HD44780U datasheet (figure 24, table 6).
"""

import time

from machine import PWM, Pin

from boardcore.cells import BRIGHTNESS_MAX, CellBuffer

sleep_us = time.sleep_us  # type: ignore[attr-defined]  # MicroPython-only
sleep_ms = time.sleep_ms  # type: ignore[attr-defined]  # MicroPython-only

LINE_ADDRESS = (0x00, 0x40, 0x14, 0x54)  # DDRAM start of each line (20x2, 20x4)
CLEAR = 0x01
ENTRY_INCREMENT = 0x06
FUNCTION_4BIT_2LINE = 0x28
DISPLAY_ON = 0x0C
CURSOR_ON = 0x02
SET_DDRAM = 0x80
MISSING_GLYPH = 0x3F  # '?': the A00 ROM lacks PC437's upper half


class Lcd:
    """Writes a CellBuffer to the glass, cell by changed cell."""

    def __init__(self, rs: int, enable: int, data: tuple[int, ...], backlight: int) -> None:
        self.rs = Pin(rs, Pin.OUT, value=0)
        self.enable = Pin(enable, Pin.OUT, value=0)
        self.data = [Pin(pin, Pin.OUT, value=0) for pin in data]
        self.backlight = PWM(Pin(backlight))
        self.backlight.freq(1000)
        self.shown: list[bytearray] = []
        self.cursor_state = (-1, -1, False)
        self.brightness = 0
        self._initialise()

    def _initialise(self) -> None:
        sleep_ms(50)  # > 40 ms after VCC rises to 2.7 V
        for wait_us in (4500, 150, 150):  # three times "8-bit" function set
            self._nibble(0x03)
            sleep_us(wait_us)
        self._nibble(0x02)  # now 4-bit
        sleep_us(150)
        self._command(FUNCTION_4BIT_2LINE)
        self._command(0x08)  # display off
        self._command(CLEAR)
        sleep_ms(2)  # clear takes 1.52 ms; R/W is tied low, so busy cannot be polled
        self._command(ENTRY_INCREMENT)
        self._command(DISPLAY_ON)

    def _nibble(self, value: int) -> None:
        for bit, pin in enumerate(self.data):
            pin.value((value >> bit) & 1)
        self.enable.value(1)
        sleep_us(1)  # enable pulse width >= 450 ns
        self.enable.value(0)
        sleep_us(50)  # most commands take 37 us

    def _write(self, value: int, is_data: int) -> None:
        self.rs.value(is_data)
        self._nibble(value >> 4)
        self._nibble(value & 0x0F)

    def _command(self, value: int) -> None:
        self._write(value, 0)

    def show(self, cells: CellBuffer) -> None:
        """Bring the glass up to date with cells: changed characters, cursor, backlight."""
        if len(self.shown) != cells.rows:
            self.shown = [bytearray(b"\x00" * cells.cols) for _ in range(cells.rows)]
        written = False
        for row in range(cells.rows):
            wanted = cells.row_bytes(row)
            shown = self.shown[row]
            for col in range(cells.cols):
                if shown[col] != wanted[col]:
                    self._command(SET_DDRAM | (LINE_ADDRESS[row] + col))
                    code = wanted[col]
                    self._write(code if 0x20 <= code < 0x7F else MISSING_GLYPH, 1)
                    shown[col] = code
                    written = True
        row, col = cells.cursor()
        state = (row, col, cells.cursor_visible)
        changed = state != self.cursor_state
        if changed:
            self._command(DISPLAY_ON | (CURSOR_ON if cells.cursor_visible else 0))
            self.cursor_state = state
        if changed or (written and cells.cursor_visible):  # each write moved the LCD's cursor
            self._command(SET_DDRAM | (LINE_ADDRESS[row] + col))
        if cells.brightness != self.brightness:
            self.backlight.duty_u16(65535 * cells.brightness // BRIGHTNESS_MAX)
            self.brightness = cells.brightness
