"""A background thread with a stop event and a deadline on stopping.

The simulator's serial and folder workers block in I/O with deadlines; this gives them
one way to be told to stop and one way to prove they did, so quitting the app never
leaves a thread holding a port.
"""

from __future__ import annotations

import threading
from collections.abc import Callable

from firmware_host.errors import DeadlineExceeded

STOP_DEADLINE_S = 3.0  # a serial write deadline (1 s) plus a poll, with room to spare


class ServiceThread:
    """Runs `self.run()` on a daemon thread until `stop()`; `run` watches `self.stopping`."""

    name = "service"

    def __init__(self) -> None:
        self.stopping = threading.Event()
        self._thread = threading.Thread(target=self.run, name=self.name, daemon=True)
        self._last_status: str | None = None

    def run(self) -> None:
        raise NotImplementedError

    def start(self) -> None:
        self._thread.start()

    def stop(self, deadline: float = STOP_DEADLINE_S) -> None:
        """Ask the thread to stop and wait; raises if it outlives `deadline`."""
        self.stopping.set()
        if self._thread.is_alive():
            self._thread.join(deadline)
            if self._thread.is_alive():
                raise DeadlineExceeded(
                    f"expected the {self.name} thread to stop within {deadline:g} s, "
                    "found it still running"
                )

    def report_change(self, report: Callable[[str], None], text: str) -> None:
        """Report `text` unless it repeats the last report (a retry loop says it once)."""
        if text != self._last_status:
            self._last_status = text
            report(text)
