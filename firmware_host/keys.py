"""Keypad keys: the events the terminal state machine understands.

The TUI keypad, a board's keypad (byte codes on the display port) and injected key
presses all become these, so every input path drives the same logic.
"""

from __future__ import annotations

from enum import Enum


class Key(Enum):
    D0 = "0"
    D1 = "1"
    D2 = "2"
    D3 = "3"
    D4 = "4"
    D5 = "5"
    D6 = "6"
    D7 = "7"
    D8 = "8"
    D9 = "9"
    QUANTITY = "qty"
    ENTER = "enter"
    CLEAR = "clear"
    BACKSPACE = "backspace"

    @property
    def digit(self) -> int | None:
        return int(self.value) if self.value.isdigit() else None

    @classmethod
    def from_digit(cls, digit: int) -> Key:
        return cls(str(digit))
