"""The customer display: a 2 x 20 vacuum-fluorescent panel, cell for cell.

It draws the rows of the driver's display model (`LineDisplay.shown()`), not the
terminal's idea of the text, so the panel shows what a real display fed the same bytes
would show, including anything the command set could not represent.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.text import Text
from textual.widget import Widget

GLYPH = "bold #7dffe0"  # a VFD's blue-green phosphor
UNLIT = "#16332d"
GLASS = "on #06110f"


class CustomerDisplay(Widget):
    """Rows of cells in the phosphor colour on dark glass; a blank cell is a space."""

    def __init__(self, rows: int, cols: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows = rows
        self.cols = cols
        self._lines: tuple[str, ...] = (" " * cols,) * rows
        self.border_title = "customer display"

    @property
    def lines(self) -> tuple[str, ...]:
        return self._lines

    def show(self, lines: Sequence[str]) -> None:
        self._lines = tuple(lines)
        self.refresh()

    def render(self) -> Text:
        text = Text(style=GLASS, no_wrap=True, end="")
        for row, line in enumerate(self._lines):
            if row:
                text.append("\n")
            for char in line:
                text.append(char, GLYPH if char != " " else UNLIT)
        return text
