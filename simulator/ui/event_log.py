"""The event log: hot swaps, refusals, guard errors, configuration and board messages.

Bounded, as a device's own log is: the newest `LOG_LINES` entries are kept, both as
the plain text other code reads (`entries`) and as the styled log on screen.
"""

from __future__ import annotations

from collections import deque
from datetime import datetime

from rich.text import Text
from textual.widgets import RichLog

LOG_LINES = 200
# Style per event kind (device event kinds and the app's own sources).
KIND_STYLES: dict[str, str] = {
    "boot": "cyan",
    "boot-fallback": "yellow",
    "swap": "bold green",
    "config": "green",
    "refusal": "bold red",
    "guard": "red",
    "fault": "bold red",
    "clock": "magenta",
    "board": "blue",
    "watch": "blue",
    "error": "bold red",
}


class EventLog(RichLog):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, max_lines=LOG_LINES, min_width=20, wrap=True, markup=False)
        self.border_title = "events"
        self.entries: deque[str] = deque(maxlen=LOG_LINES)

    def add(self, at: datetime, kind: str, message: str) -> None:
        line = f"{at:%H:%M:%S} {kind:<8} {message}"
        self.entries.append(line)
        text = Text(f"{at:%H:%M:%S} ", style="dim")
        text.append(f"{kind:<8} ", style=KIND_STYLES.get(kind, ""))
        text.append(message)
        self.write(text)
