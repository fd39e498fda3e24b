"""The main screen: customer display and keypad on the left, clock, module and sales on
the right, the event log below.

The keypad's keyboard bindings live on this screen (with priority, so a focused table
or log cannot take ENTER or a digit) and not on the app, so they are inactive while a
dialog with a text field is open.
"""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, Header

from firmware_host.clock import AdjustableClock
from firmware_host.keys import Key
from simulator.ui.clock import ClockPanel
from simulator.ui.display import CustomerDisplay
from simulator.ui.event_log import EventLog
from simulator.ui.keypad import Keypad, key_bindings
from simulator.ui.messages import KeypadPressed, TerminalReady
from simulator.ui.module_panel import ModulePanel
from simulator.ui.sales import SalesTable


class TerminalScreen(Screen[None]):
    AUTO_FOCUS = ""  # nothing focused at start: a focused table would scroll the page
    BINDINGS: ClassVar[list[BindingType]] = list(key_bindings())
    # Narrow terminals stack the columns; short ones shrink the keypad and the log.
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (90, "-wide")]  # noqa: RUF012
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]  # noqa: RUF012

    def __init__(self, clock: AdjustableClock, rows: int, cols: int) -> None:
        super().__init__()
        self._clock = clock
        self._rows = rows
        self._cols = cols

    def compose(self) -> ComposeResult:
        yield Header()
        with Horizontal(id="main"):
            with Vertical(id="front"):
                yield CustomerDisplay(self._rows, self._cols, id="display")
                yield Keypad(id="keypad")
            with Vertical(id="side"):
                yield ClockPanel(self._clock, id="clock")
                yield ModulePanel(id="module")
                yield SalesTable(id="sales")
        yield EventLog(id="events")
        yield Footer()

    def on_mount(self) -> None:
        self.post_message(TerminalReady())

    def action_keypad(self, value: str) -> None:
        self.post_message(KeypadPressed(Key(value)))
