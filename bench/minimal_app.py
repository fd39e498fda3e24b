"""The smallest Textual app started the way pos-sim is: one line of text, `q` quits.

bench/sim_startup.py times it in the same tmux harness as pos-sim, so their ratio is
what pos-sim adds on top of what any Textual app pays to show its first frame.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

READY = "minimal app ready"


class MinimalApp(App[None]):
    BINDINGS: ClassVar[list[BindingType]] = [Binding("q", "quit", "quit")]

    def compose(self) -> ComposeResult:
        yield Static(READY)


if __name__ == "__main__":
    MinimalApp().run()
