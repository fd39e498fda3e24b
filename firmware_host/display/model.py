"""The driver's picture of what the glass shows, and how each byte changes it.

The differential driver can only send "just what changed" if it knows what is shown,
so every command it sends is also applied here. The rules are the manuals' (Epson
DM-D110 Specification 5.4, HT/BS and US MD1..3; CD5220 user's manual section 9):
a written character lands under the cursor and the cursor then moves right; at the end
of a line overwrite mode wraps to the next line (last line -> first), vertical scroll
mode scrolls the screen up at the end of the last line, and horizontal scroll mode
keeps the cursor at the right end, each further character pushing the line left.

The board side has its own cell buffer (boardcore.cells); this model is
kept an independent implementation on purpose, so the round-trip tests compare two
readings of the manuals rather than one against itself.
"""

from __future__ import annotations

from firmware_host.display.codepage import decode_cells
from firmware_host.display.commands import ScrollMode

BLANK = 0x20


class ScreenModel:
    """Rows of code-page bytes, a cursor (None while the display does not define it),
    the scroll mode and whether the display is in CD5220 string mode."""

    def __init__(self, rows: int, cols: int) -> None:
        self.rows = rows
        self.cols = cols
        self.lines: list[bytearray] = []
        self.cursor: tuple[int, int] | None = (0, 0)
        self.mode = ScrollMode.OVERWRITE
        self.string_mode = False
        self._pushing = False  # horizontal mode: the right end is written, next char pushes
        self.reset()

    def reset(self) -> None:
        """The state ESC @ leaves: blank, cursor home, overwrite mode."""
        self.clear()
        self.mode = ScrollMode.OVERWRITE

    def copy(self) -> ScreenModel:
        """An independent twin: the rows are copied, every other field is immutable."""
        twin = ScreenModel.__new__(ScreenModel)
        twin.__dict__.update(self.__dict__)
        twin.lines = [bytearray(line) for line in self.lines]
        return twin

    def become(self, other: ScreenModel) -> None:
        """Take over another model's state (the plan that won)."""
        self.__dict__.update(other.__dict__)

    def row_bytes(self) -> tuple[bytes, ...]:
        return tuple(bytes(line) for line in self.lines)

    def shown(self, code_page: str) -> tuple[str, ...]:
        return tuple(decode_cells(bytes(line), code_page) for line in self.lines)

    def clear(self) -> None:
        """CLR: blank screen, cursor home, string mode left."""
        self.lines = [bytearray([BLANK] * self.cols) for _ in range(self.rows)]
        self.string_mode = False
        self.move(0, 0)

    def clear_line(self) -> None:
        """CAN: blank the cursor's line, cursor to its left end, string mode left."""
        if self.cursor is None:
            raise ValueError("cannot clear the line of an undefined cursor")
        row = self.cursor[0]
        self.lines[row] = bytearray([BLANK] * self.cols)
        self.string_mode = False
        self.move(row, 0)

    def move(self, row: int, col: int) -> None:
        self.cursor = (row, col)
        self._pushing = False

    def set_mode(self, mode: ScrollMode) -> None:
        self.mode = mode
        self._pushing = False

    def set_line(self, row: int, data: bytes) -> None:
        """A whole-line string write (CD5220 ESC Q A/B): the cursor is left undefined."""
        self.lines[row][:] = data
        self.string_mode = True
        self.cursor = None

    def write(self, data: bytes) -> None:
        for code in data:
            self._put(code)

    def _put(self, code: int) -> None:
        if self.cursor is None:
            raise ValueError("cannot write at an undefined cursor")
        row, col = self.cursor
        end = self.cols - 1
        if self.mode is ScrollMode.HORIZONTAL:
            if self._pushing:
                self.lines[row][:] = self.lines[row][1:] + bytes([code])
            elif col == end:
                self.lines[row][end] = code
                self._pushing = True
            else:
                self.lines[row][col] = code
                self.cursor = (row, col + 1)
            return
        self.lines[row][col] = code
        if col < end:
            self.cursor = (row, col + 1)
        elif row < self.rows - 1:
            self.cursor = (row + 1, 0)
        elif self.mode is ScrollMode.VERTICAL:
            self.lines = [*self.lines[1:], bytearray([BLANK] * self.cols)]
            self.cursor = (row, 0)
        else:
            self.cursor = (0, 0)
