"""Progress of a qualification: one task per check, advanced case by case.

Checks talk to a `Reporter`, never to the terminal, so they run the same under the
rich bar (a person at the console), silently (tests, CI logs) or under a test's own
reporter that reacts to progress (for example unplugging a board mid-sweep).
"""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)


class Reporter(Protocol):
    def start(self, title: str, total: int | None) -> None:
        """A new stage; `total` None when its length is unknown (a single long step)."""

    def advance(self, steps: int = 1, note: str = "") -> None:
        """`steps` more cases of the current stage are done; `note` names the last one."""

    def set_total(self, total: int) -> None:
        """The current stage's length became known (e.g. once pytest has collected)."""

    def finish(self, outcome: str) -> None:
        """The current stage ended with `outcome`."""


class SilentReporter:
    """Reports nothing: for tests and for output that is not a terminal."""

    def start(self, title: str, total: int | None) -> None:
        pass

    def advance(self, steps: int = 1, note: str = "") -> None:
        pass

    def set_total(self, total: int) -> None:
        pass

    def finish(self, outcome: str) -> None:
        pass


class RichReporter:
    """A rich progress bar on stderr, one line per check, kept when the check ends."""

    def __init__(self, console: Console | None = None) -> None:
        self._progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            TextColumn("{task.fields[note]}"),
            console=console or Console(stderr=True),
        )
        self._task: TaskID | None = None
        self._title = ""

    def __enter__(self) -> RichReporter:
        self._progress.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._progress.stop()

    def start(self, title: str, total: int | None) -> None:
        if self._task is not None:
            self.finish("")
        self._title = title
        self._task = self._progress.add_task(title, total=total, note="")

    def advance(self, steps: int = 1, note: str = "") -> None:
        if self._task is not None:
            self._progress.update(self._task, advance=steps, note=note)

    def set_total(self, total: int) -> None:
        if self._task is not None:
            self._progress.update(self._task, total=total)

    def finish(self, outcome: str) -> None:
        if self._task is None:
            return
        task = self._progress.tasks[self._task]
        total = task.total if task.total is not None else max(task.completed, 1)
        self._progress.update(
            self._task, total=total, completed=total, note=outcome, description=self._title
        )
        self._task = None
