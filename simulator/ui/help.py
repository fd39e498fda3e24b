"""The help screen: what the keys do and where the pieces of the demo come from."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Markdown

HELP = """\
# POS terminal simulator

Type a sale as on the terminal: the **unit price**, or a **count**, then
**QTY** (`x` or `*`), then the unit price, then **ENTER**. The customer display shows
the total the running price module computed, or why the sale was refused
(`Invalid price : N` when the guard stops a price outside 0..100).

| keys | what |
| --- | --- |
| `0`-`9` | digits (main row or numeric keypad) |
| `x`, `*`, keypad `*` | quantity: the number typed so far is the count |
| `Enter`, keypad `Enter` | price the sale |
| `Esc`, `Del` | clear the sale |
| `Backspace` | delete the last digit |
| `t` | set the hour (try off-peak and happy-hour pricing) |
| `[` / `]` | one hour back / forward |
| `n` | the clock follows the system clock again |
| `l` | load a module version from the catalogue or a desired-state JSON file |
| `ctrl+p` | command palette: load modules, set hours, themes |
| `?`, `F1` | this help |
| `q`, `ctrl+q` | quit |

The **module** panel shows the running module (catalogue version, sha256, ABI,
signing key, release counter) and the answer to the last document: a refused module
(`Incompatible Export Type: ...`) never replaces the running one. The **events** log
keeps the last swaps, refusals, guard errors and board messages; **sales** lists the
newest journal rows.

With `--display URL` the display is mirrored to a board and its keypad drives the
terminal too; `--watch DIR` applies documents dropped into a folder.
"""


class HelpScreen(ModalScreen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        ("escape", "dismiss", "close"),
        ("q", "dismiss", "close"),
        ("question_mark", "dismiss", "close"),
    ]

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog help"):
            yield Markdown(HELP)
