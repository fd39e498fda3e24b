"""A 4x4 key matrix scanned by polling, debounced, one event per press.

Scanning (rather than pin interrupts) keeps the firmware single-threaded: the main
loop calls scan() between UART reads, and a key counts once it has read the same for
DEBOUNCE_MS.
"""

import time

from machine import Pin

ticks_ms = time.ticks_ms  # type: ignore[attr-defined]  # MicroPython-only
ticks_diff = time.ticks_diff  # type: ignore[attr-defined]  # MicroPython-only
sleep_us = time.sleep_us  # type: ignore[attr-defined]  # MicroPython-only

DEBOUNCE_MS = 20


class KeyMatrix:
    """Rows are driven low one at a time; a pressed key pulls its column low."""

    def __init__(
        self, rows: tuple[int, ...], cols: tuple[int, ...], layout: tuple[tuple[str, ...], ...]
    ) -> None:
        self.rows = [Pin(pin, Pin.OUT, value=1) for pin in rows]
        self.cols = [Pin(pin, Pin.IN, Pin.PULL_UP) for pin in cols]
        self.layout = layout
        self.candidate = ""
        self.since = ticks_ms()
        self.reported = ""

    def _read(self) -> str:
        """The name of the one key held now ("" for none, or an unmapped key)."""
        for r, row_pin in enumerate(self.rows):
            row_pin.value(0)
            sleep_us(5)  # let the column lines settle
            for c, col_pin in enumerate(self.cols):
                if col_pin.value() == 0:
                    row_pin.value(1)
                    return self.layout[r][c]
            row_pin.value(1)
        return ""

    def scan(self) -> str:
        """A key name when a debounced press starts, else ""."""
        now_held = self._read()
        now = ticks_ms()
        if now_held != self.candidate:
            self.candidate = now_held
            self.since = now
            return ""
        if ticks_diff(now, self.since) < DEBOUNCE_MS or now_held == self.reported:
            return ""
        self.reported = now_held
        return now_held
