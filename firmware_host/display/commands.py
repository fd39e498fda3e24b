"""What every customer-display command set must be able to say, as bytes.

A command set is pure: it turns a request (move, clear, brightness...) into the bytes
its manual prescribes, with positions 0-based in the API and 1-based on the wire. The
LineDisplay decides *what* to send; a command set only knows *how* it is spelled, so
adding a display family is one class and one registry entry.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from enum import Enum
from typing import ClassVar

from firmware_host.display.codepage import UnknownCodePage, check_code_page
from firmware_host.errors import DisplayError

ESC = 0x1B
US = 0x1F
CLR = 0x0C
CAN = 0x18
CR = 0x0D
BRIGHTNESS_LEVELS = range(1, 5)


class ScrollMode(Enum):
    """The three display modes both families share (DM-D US MD1..3, CD5220 ESC DC1..3)."""

    OVERWRITE = "overwrite"
    VERTICAL = "vertical"
    HORIZONTAL = "horizontal"


class CommandSet(ABC):
    """The byte spelling of one display family, for a display of rows x cols cells."""

    name: ClassVar[str]
    # Python codec name -> the selector byte of the family's "select code page" command.
    code_pages: ClassVar[Mapping[str, int]]
    # True when whole-line writes switch the display into a mode that ignores
    # positioning until the screen is cleared (CD5220 string mode).
    line_write_is_string_mode: ClassVar[bool] = False

    def __init__(self, rows: int = 2, cols: int = 20) -> None:
        self.rows = rows
        self.cols = cols

    def check_position(self, row: int, col: int) -> None:
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            raise DisplayError(
                f"expected a 0-based position with row 0..{self.rows - 1} and column "
                f"0..{self.cols - 1}, found ({row}, {col})"
            )

    @staticmethod
    def check_brightness(level: int) -> int:
        if level not in BRIGHTNESS_LEVELS:
            raise DisplayError(f"expected brightness 1..4, found {level}")
        return level

    def code_page_selector(self, name: str) -> int:
        codec = check_code_page(name)
        if codec not in self.code_pages:
            known = ", ".join(sorted(self.code_pages))
            raise UnknownCodePage(
                f"expected a code page the {self.name} command set can select ({known}), "
                f"found {name!r}"
            )
        return self.code_pages[codec]

    @abstractmethod
    def initialize(self) -> bytes:
        """Reset to the power-on state: blank, cursor home, overwrite mode."""

    def clear(self) -> bytes:
        """CLR 0C: blank the screen and home the cursor (same byte in both families)."""
        return bytes([CLR])

    def clear_line(self) -> bytes:
        """CAN 18: blank the cursor's line, cursor to its left end (both families)."""
        return bytes([CAN])

    @abstractmethod
    def move_to(self, row: int, col: int) -> bytes:
        """Put the cursor on a 0-based cell."""

    @abstractmethod
    def scroll_mode(self, mode: ScrollMode) -> bytes: ...

    @abstractmethod
    def brightness(self, level: int) -> bytes: ...

    @abstractmethod
    def cursor_visible(self, visible: bool) -> bytes: ...

    @abstractmethod
    def code_page(self, name: str) -> bytes:
        """Select the character table that `name` (a Python codec) encodes for."""

    @abstractmethod
    def write_line(self, row: int, data: bytes) -> bytes:
        """Replace a whole row with exactly `cols` bytes of already-encoded text."""

    def check_line(self, row: int, data: bytes) -> None:
        self.check_position(row, 0)
        if len(data) != self.cols:
            raise DisplayError(f"expected a line of {self.cols} bytes, found {len(data)}")
