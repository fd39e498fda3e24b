"""The character cells of a customer display, its cursor and its three scroll modes.

Both command sets (Epson DM-D and CD5220) drive the same kind of 2 x 20 screen with the
same cursor rules, so the rules live here once and the parsers only map bytes to them.
Cells hold code-page bytes (what the glass shows), never decoded text.

Cursor rules are those of the Epson DM-D110 Specification, section 5.4 "Command
Details" (BS, HT, LF, US LF) and US MD1/MD2/MD3, which the CD5220 user's manual
section 9 (9.1 overwrite, 9.2 vertical scroll, 9.3 horizontal scroll, 9.6-9.9 cursor
moves) repeats:

- writing a character puts it under the cursor, then moves the cursor as HT does,
  except in horizontal scroll mode, where the cursor stops at the right end and
  each further character pushes the line one cell to the left (CD5220 manual 9.3);
- overwrite mode wraps right end -> next line's left end and last line -> first line;
- vertical scroll mode scrolls the screen up one line past the last cell;
- horizontal scroll mode keeps the cursor on its line; with a CD5220 window
  (ESC W, CD5220 manual 6.1 and 9.3) it keeps it inside the window, which then
  scrolls alone.

Plain class, no dataclasses or typing: this module also runs under MicroPython.
"""

OVERWRITE = 1
VERTICAL = 2
HORIZONTAL = 3
MODES = (OVERWRITE, VERTICAL, HORIZONTAL)
MODE_NAMES = {OVERWRITE: "overwrite", VERTICAL: "vertical", HORIZONTAL: "horizontal"}

BLANK = 0x20
BRIGHTNESS_MAX = 4


class CellBuffer:
    """What a display shows: rows of code-page bytes, a cursor and the display settings."""

    def __init__(self, rows: int = 2, cols: int = 20) -> None:
        if rows < 1 or cols < 1:
            raise ValueError(f"display needs at least 1 row and 1 column, got {rows}x{cols}")
        self.rows = rows
        self.cols = cols
        self.reset()

    def reset(self) -> None:
        """Power-on state, as ESC @ leaves it: blank, cursor home, overwrite mode."""
        self.cells = [self._blank() for _ in range(self.rows)]
        self.row = 0
        self.col = 0
        self.mode = OVERWRITE
        self.line_full = False  # horizontal mode: the cursor's line is full, next char pushes
        self.brightness = BRIGHTNESS_MAX
        self.cursor_visible = False
        self.code_page = 0
        # (row, first column, last column), 0-based, or None
        self.window = None  # type: tuple[int, int, int] | None

    # -- readback ---------------------------------------------------------------------

    def row_bytes(self, row: int) -> bytes:
        return bytes(self.cells[row])

    def cursor(self) -> tuple[int, int]:
        return (self.row, self.col)

    def settings(self) -> list[tuple[str, str]]:
        """The display settings the STATE request reports, as key=value pairs."""
        window = "none" if self.window is None else "{},{},{}".format(*self.window)
        return [
            ("mode", MODE_NAMES[self.mode]),
            ("brightness", str(self.brightness)),
            ("cursor_visible", "1" if self.cursor_visible else "0"),
            ("window", window),
            ("code_page", str(self.code_page)),
        ]

    # -- settings ---------------------------------------------------------------------

    def set_mode(self, mode: int) -> None:
        if mode in MODES:
            self.mode = mode
            self.line_full = False

    def set_brightness(self, level: int) -> bool:
        """Levels 1..4 per both manuals (US X n, ESC * n); others are refused (False)."""
        if not 1 <= level <= BRIGHTNESS_MAX:
            return False
        self.brightness = level
        return True

    def set_window(self, row: int, first: int, last: int) -> bool:
        """The horizontal-scroll window (0-based, inclusive); False if off the screen."""
        if not (0 <= row < self.rows and 0 <= first <= last < self.cols):
            return False
        self.window = (row, first, last)
        self.line_full = False
        return True

    def cancel_window(self) -> None:
        self.window = None
        self.line_full = False

    # -- writing ----------------------------------------------------------------------

    def put(self, code: int) -> None:
        """Show one code-page byte at the cursor and advance per the scroll mode."""
        if self.mode == HORIZONTAL:
            first, last = self._span()
            if self.line_full:
                self._shift_line(-1, first, last)
                self.cells[self.row][last] = code
            else:
                self.cells[self.row][self.col] = code
                if self.col == last:
                    self.line_full = True
                else:
                    self.col += 1
            return
        self.cells[self.row][self.col] = code
        self.right()

    def write_line(self, row: int, data: bytes) -> None:
        """Replace a whole line (CD5220 string mode): truncated at the width, blank-padded."""
        text = bytes(data[: self.cols])
        self.cells[row] = bytearray(text + b" " * (self.cols - len(text)))

    def clear(self) -> None:
        """CLR: blank every cell and home the cursor."""
        self.cells = [self._blank() for _ in range(self.rows)]
        self.home()

    def clear_line(self) -> None:
        """CAN: blank the cursor's line and put the cursor at its left end."""
        self.cells[self.row] = self._blank()
        self.move(self.row, 0)

    # -- cursor moves -----------------------------------------------------------------

    def move(self, row: int, col: int) -> bool:
        """Absolute move (0-based); an out-of-range position is ignored as the manuals
        say, and reported (False) so the parser can count it."""
        if not (0 <= row < self.rows and 0 <= col < self.cols):
            return False
        self.row = row
        self.col = col
        self.line_full = False
        return True

    def home(self) -> None:
        self.move(0, 0)

    def bottom(self) -> None:
        self.move(self.rows - 1, 0)

    def line_start(self) -> None:
        self.move(self.row, 0)

    def line_end(self) -> None:
        self.move(self.row, self.cols - 1)

    def right(self) -> None:
        """HT: one cell right; what happens at the right end depends on the mode."""
        self.line_full = False
        if self.mode == HORIZONTAL:
            first, last = self._span()
            if self.col < last:
                self.col += 1
            else:
                self._shift_line(-1, first, last)
        elif self.col < self.cols - 1:
            self.col += 1
        elif self.row < self.rows - 1:
            self.row += 1
            self.col = 0
        elif self.mode == VERTICAL:
            self._scroll_up()
            self.col = 0
        else:
            self.row = 0
            self.col = 0

    def left(self) -> None:
        """BS: one cell left; the mirror image of right()."""
        self.line_full = False
        if self.mode == HORIZONTAL:
            first, last = self._span()
            if self.col > first:
                self.col -= 1
            else:
                self._shift_line(1, first, last)
        elif self.col > 0:
            self.col -= 1
        elif self.row > 0:
            self.row -= 1
            self.col = self.cols - 1
        elif self.mode == VERTICAL:
            self._scroll_down()
            self.col = self.cols - 1
        else:
            self.row = self.rows - 1
            self.col = self.cols - 1

    def down(self) -> None:
        """LF: one line down, same column; at the last line it depends on the mode."""
        self.line_full = False
        if self.row < self.rows - 1:
            self.row += 1
        elif self.mode == VERTICAL:
            self._scroll_up()
        elif self.mode == OVERWRITE:
            self.row = 0

    def up(self) -> None:
        """US LF / ESC [ A: one line up, same column; mirror image of down()."""
        self.line_full = False
        if self.row > 0:
            self.row -= 1
        elif self.mode == VERTICAL:
            self._scroll_down()
        elif self.mode == OVERWRITE:
            self.row = self.rows - 1

    # -- scrolling --------------------------------------------------------------------

    def _blank(self) -> bytearray:
        return bytearray(b" " * self.cols)

    def _scroll_up(self) -> None:
        self.cells.pop(0)
        self.cells.append(self._blank())

    def _scroll_down(self) -> None:
        self.cells.pop()
        self.cells.insert(0, self._blank())

    def _span(self) -> tuple[int, int]:
        """The columns horizontal scrolling works in: the window, else the whole line.

        With a window the cursor's activity is bound to it (CD5220 manual 9.3): a
        cursor outside the window first goes to the window's left end.
        """
        window = self.window
        if window is None:
            return 0, self.cols - 1
        row, first, last = window
        if self.row != row or not first <= self.col <= last:
            self.row = row
            self.col = first
            self.line_full = False
        return first, last

    def _shift_line(self, step: int, first: int, last: int) -> None:
        """Shift columns first..last of the cursor's line one cell (step -1: left, +1:
        right), blanking the cell that opens up."""
        line = bytes(self.cells[self.row])
        moved = line[first + 1 : last + 1] + b" " if step < 0 else b" " + line[first:last]
        self.cells[self.row] = bytearray(line[:first] + moved + line[last + 1 :])
