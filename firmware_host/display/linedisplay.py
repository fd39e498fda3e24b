"""LineDisplay: the UnifiedPOS-style API the terminal uses to drive a pole display.

Positions are 0-based (as in UnifiedPOS LineDisplay); the command set spells them
1-based on the wire. The driver keeps a model of what the display shows and, for each
update, sends the shorter of two plans: cursor moves plus the changed cells, or whole
line rewrites. At 9600 baud every byte is about a millisecond of a customer waiting,
which is why the plan is chosen per update rather than fixed.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from firmware_host.display.codepage import DEFAULT_CODE_PAGE, check_code_page, encode_text
from firmware_host.display.commands import CommandSet, ScrollMode
from firmware_host.display.model import BLANK, ScreenModel
from firmware_host.display.registry import get_driver
from firmware_host.errors import DisplayError


class ByteSink(Protocol):
    """Where the display bytes go: a SerialPort, or anything else that takes bytes."""

    def write(self, data: bytes) -> None: ...


class LineDisplay:
    """One customer display: its command set, its code page and a model of its cells."""

    def __init__(
        self,
        port: ByteSink,
        command_set: str = "epson",
        *,
        rows: int = 2,
        columns: int = 20,
        code_page: str = DEFAULT_CODE_PAGE,
        differential: bool = True,
    ) -> None:
        self._port = port
        self.commands: CommandSet = get_driver(command_set)(rows, columns)
        self._code_page = check_code_page(code_page)
        self.commands.code_page_selector(self._code_page)
        self.differential = differential
        self._move_cost = len(self.commands.move_to(0, 0))  # bytes of one cursor move
        self._model = ScreenModel(rows, columns)
        self._known = False  # False until initialise(), and again after a failed write
        self.brightness: int | None = None
        self.cursor_visible: bool | None = None
        self.last_update_bytes = 0

    # -- what the display shows ------------------------------------------------------

    @property
    def rows(self) -> int:
        return self.commands.rows

    @property
    def columns(self) -> int:
        return self.commands.cols

    @property
    def character_set(self) -> str:
        return self._code_page

    @property
    def scroll_mode(self) -> ScrollMode:
        return self._model.mode

    @property
    def cursor(self) -> tuple[int, int] | None:
        """0-based (row, column); None while the display leaves it undefined (CD5220
        string mode)."""
        return self._model.cursor

    def shown(self) -> tuple[str, ...]:
        return self._model.shown(self._code_page)

    def shown_bytes(self) -> tuple[bytes, ...]:
        """The code-page bytes of each row, comparable with a board's readback."""
        return self._model.row_bytes()

    # -- requests --------------------------------------------------------------------

    def initialize(self) -> None:
        """Reset the display and select the code page; the model starts from blank."""
        model = ScreenModel(self.rows, self.columns)
        data = self.commands.initialize() + self._code_page_bytes(self._code_page)
        self._send(data, model)
        self._known = True

    def clear_text(self) -> None:
        model = self._ready()
        model.clear()
        self._send(self.commands.clear(), model)

    def display_text(self, text: str) -> None:
        """Write at the cursor; the scroll mode decides what wraps, scrolls or pushes."""
        model, data = self._out_of_string_mode()
        encoded = encode_text(text, self._code_page)
        model.write(encoded)
        self._send(data + encoded, model)

    def display_text_at(self, row: int, column: int, text: str) -> None:
        """Overwrite cells from (row, column); text past the end of the row is cut off."""
        self.commands.check_position(row, column)
        target = [bytearray(line) for line in self._ready().row_bytes()]
        encoded = encode_text(text, self._code_page)[: self.columns - column]
        target[row][column : column + len(encoded)] = encoded
        self._update([bytes(line) for line in target])

    def show(self, lines: Sequence[str]) -> None:
        """Make the whole screen show `lines` (each padded or cut to the width)."""
        if len(lines) > self.rows:
            raise DisplayError(f"expected at most {self.rows} lines, found {len(lines)}")
        padded = [*lines, *([""] * (self.rows - len(lines)))]
        self._update([self._fit(line) for line in padded])

    def set_scroll_mode(self, mode: ScrollMode) -> None:
        model, data = self._out_of_string_mode()
        model.set_mode(mode)
        self._send(data + self.commands.scroll_mode(mode), model)

    def set_brightness(self, level: int) -> None:
        command = self.commands.brightness(level)
        model, data = self._out_of_string_mode()
        self._send(data + command, model)
        self.brightness = level

    def set_cursor_visible(self, visible: bool) -> None:
        model, data = self._out_of_string_mode()
        self._send(data + self.commands.cursor_visible(visible), model)
        self.cursor_visible = visible

    def set_character_set(self, code_page: str) -> None:
        codec = check_code_page(code_page)
        command = self._code_page_bytes(codec)
        model, data = self._out_of_string_mode()
        self._send(data + command, model)
        self._code_page = codec

    # -- planning --------------------------------------------------------------------

    def _fit(self, line: str) -> bytes:
        encoded = encode_text(line, self._code_page)[: self.columns]
        return encoded + bytes([BLANK]) * (self.columns - len(encoded))

    def _code_page_bytes(self, codec: str) -> bytes:
        return self.commands.code_page(codec)

    def _ready(self) -> ScreenModel:
        """A scratch copy of the model; the display is initialised first if unknown."""
        if not self._known:
            self.initialize()
        return self._model.copy()

    def _out_of_string_mode(self) -> tuple[ScreenModel, bytes]:
        """CD5220 string mode ignores everything but lines, CLR and CAN: leave it with
        CLR, redraw what was shown, and home the cursor."""
        model = self._ready()
        if not model.string_mode:
            return model, b""
        lines = model.row_bytes()
        model.clear()
        data = self.commands.clear() + self._in_overwrite(model, lambda: self._runs(model, lines))
        if model.cursor != (0, 0):
            data += self.commands.move_to(0, 0)
            model.move(0, 0)
        return model, data

    def _update(self, target: list[bytes]) -> None:
        full_model = self._ready()
        full = self._full_lines(full_model, target)
        if not self.differential:
            self._send(full, full_model)
            return
        diff_model = self._ready()
        diff = self._differential(diff_model, target)
        if len(full) < len(diff):
            self._send(full, full_model)
        else:
            self._send(diff, diff_model)

    def _full_lines(self, model: ScreenModel, target: list[bytes]) -> bytes:
        shown = model.row_bytes()
        changed = [row for row, line in enumerate(target) if line != shown[row]]
        if not changed:
            return b""
        if self.commands.line_write_is_string_mode:
            data = b""
            for row in changed:
                data += self.commands.write_line(row, target[row])
                model.set_line(row, target[row])
            return data
        return self._in_overwrite(model, lambda: self._lines_at_start(model, target, changed))

    def _lines_at_start(self, model: ScreenModel, target: list[bytes], rows: list[int]) -> bytes:
        data = b""
        for row in rows:
            data += self.commands.write_line(row, target[row])
            model.move(row, 0)
            model.write(target[row])
        return data

    def _differential(self, model: ScreenModel, target: list[bytes]) -> bytes:
        data = b""
        if model.string_mode:
            data += self.commands.clear()
            model.clear()
        if model.row_bytes() == tuple(target):
            return data
        return data + self._in_overwrite(model, lambda: self._runs(model, target))

    def _in_overwrite(self, model: ScreenModel, write: _Writer) -> bytes:
        """Positioned writes must not scroll: do them in overwrite mode, then restore."""
        mode = model.mode
        if mode is ScrollMode.OVERWRITE:
            return write()
        model.set_mode(ScrollMode.OVERWRITE)
        data = self.commands.scroll_mode(ScrollMode.OVERWRITE) + write()
        model.set_mode(mode)
        return data + self.commands.scroll_mode(mode)

    def _runs(self, model: ScreenModel, target: Sequence[bytes]) -> bytes:
        """Row by row, the cheaper of: the changed cells, or CAN (clear the line) and
        then the non-blank cells. Works on `model` in place."""
        data = b""
        for row, line in enumerate(target):
            kept = model.copy()
            plain = self._row_runs(kept, row, line)
            cleared = model.copy()
            wiped = self._wipe_row(cleared, row) + self._row_runs(cleared, row, line)
            better = cleared if len(wiped) < len(plain) else kept
            data += wiped if better is cleared else plain
            model.become(better)
        return data

    def _wipe_row(self, model: ScreenModel, row: int) -> bytes:
        """CAN clears the cursor's line; position on the row first if needed."""
        data = b""
        if model.cursor is None or model.cursor[0] != row:
            data += self.commands.move_to(row, 0)
            model.move(row, 0)
        model.clear_line()
        return data + self.commands.clear_line()

    def _row_runs(self, model: ScreenModel, row: int, line: bytes) -> bytes:
        """Cursor moves plus changed cells; a short unchanged gap is rewritten when that
        is cheaper than another move."""
        data = b""
        for start, end in self._changed_runs(model.row_bytes()[row], line):
            if model.cursor != (row, start):
                data += self.commands.move_to(row, start)
                model.move(row, start)
            data += line[start:end]
            model.write(line[start:end])
        return data

    def _changed_runs(self, old: bytes, new: bytes) -> list[tuple[int, int]]:
        runs: list[tuple[int, int]] = []
        for col, (was, now) in enumerate(zip(old, new, strict=True)):
            if was == now:
                continue
            if runs and col - runs[-1][1] <= self._move_cost:
                runs[-1] = (runs[-1][0], col + 1)
            else:
                runs.append((col, col + 1))
        return runs

    # -- I/O -------------------------------------------------------------------------

    def _send(self, data: bytes, model: ScreenModel) -> None:
        """Write, then adopt the model; after a failed write the display is unknown and
        the next request starts with a reset."""
        self.last_update_bytes = len(data)
        if data:
            try:
                self._port.write(data)
            except BaseException:
                self._known = False
                raise
        self._model = model


class _Writer(Protocol):
    def __call__(self) -> bytes: ...
