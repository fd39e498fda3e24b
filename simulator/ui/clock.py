"""The terminal's clock panel and the dialog that sets the hour.

The panel shows the simulated local time the price module is called with, and whether
it was moved away from the base clock, so a developer trying off-peak or happy-hour
pricing sees which hour the next sale will use.
"""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

from firmware_host.clock import AdjustableClock

TICK_S = 1.0


def _offset_text(clock: AdjustableClock) -> str:
    if not clock.adjusted:
        return "follows the system clock"
    hours = clock.offset.total_seconds() / 3600
    return f"set {hours:+g} h from the system clock"


class ClockPanel(Static):
    """Simulated local time, redrawn every second."""

    def __init__(self, clock: AdjustableClock, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.clock = clock
        self.border_title = "clock"

    def on_mount(self) -> None:
        self.show_time()
        self.set_interval(TICK_S, self.show_time)

    def show_time(self) -> None:
        now = self.clock()
        text = Text.assemble(
            (f"{now:%H:%M:%S}", "bold"),
            f"  {now:%a %Y-%m-%d}\npricing hour ",
            (str(now.hour), "bold"),
            f", {_offset_text(self.clock)}",
        )
        self.update(text)


class SetHourScreen(ModalScreen[int | None]):
    """Ask for an hour 0..23; the app checks the range through the clock itself."""

    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Set the terminal's hour (0-23), then Enter; Esc cancels.")
            # type="integer" alone lets "-", "+" and "1_" through, which int() refuses.
            yield Input(
                placeholder="hour", type="integer", restrict=r"[0-9]*", max_length=2, id="hour"
            )

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        self.dismiss(int(value) if value.isdecimal() else None)
