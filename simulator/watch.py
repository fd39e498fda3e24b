"""A watched folder: desired-state documents dropped into it are applied, as a device
receiving configuration.

A file is taken once its size and modification time have stayed the same across one
whole poll interval, so a document still being copied in is not read half-written; it
is applied again only when it changes, or is removed and dropped in again. Names that
start with "." and names not ending in ".json" are skipped (temporary files of editors
and copy tools). The decision is a pure function of successive listings (`FolderScan`);
the thread only lists the folder and hands ready files to a callback.

The watcher outlives any document: the device answers every document with a reported
state and never raises, and should a callback raise all the same, the failure is
reported as the watcher's status and the next document is still applied.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path

from simulator.worker import ServiceThread

POLL_S = 0.25
SUFFIX = ".json"

FileSignature = tuple[int, int]  # (mtime_ns, size)


class FolderScan:
    """Listings in, names ready to apply out; remembers what it already handed out."""

    def __init__(self) -> None:
        self._previous: dict[str, FileSignature] = {}
        self._done: dict[str, FileSignature] = {}

    def update(self, listing: Mapping[str, FileSignature]) -> list[str]:
        """Names unchanged since the last listing and not yet handed out in this form."""
        ready = sorted(
            name
            for name, signature in listing.items()
            if self._previous.get(name) == signature and self._done.get(name) != signature
        )
        self._done = {n: s for n, s in self._done.items() if n in listing}
        self._done.update((name, listing[name]) for name in ready)
        self._previous = dict(listing)
        return ready


def wanted(name: str) -> bool:
    return name.endswith(SUFFIX) and not name.startswith(".")


def list_folder(folder: Path) -> dict[str, FileSignature]:
    """Regular `*.json` files and their signatures; raises OSError if the folder is gone."""
    listing: dict[str, FileSignature] = {}
    with os.scandir(folder) as entries:
        for entry in entries:
            if not wanted(entry.name):
                continue
            try:
                if not entry.is_file():
                    continue
                info = entry.stat()
            except FileNotFoundError:
                continue  # removed between listing and stat
            listing[entry.name] = (info.st_mtime_ns, info.st_size)
    return listing


class FolderWatch(ServiceThread):
    """Polls `folder` and calls `on_document(path)` for each document ready to apply."""

    name = "folder-watch"

    def __init__(
        self,
        folder: Path,
        *,
        on_document: Callable[[Path], None],
        on_status: Callable[[str], None],
        interval: float = POLL_S,
    ) -> None:
        super().__init__()
        self.folder = folder
        self.interval = interval
        self._on_document = on_document
        self._on_status = on_status
        self._scan = FolderScan()

    def run(self) -> None:
        watching = f"watching {self.folder} for *{SUFFIX} documents"
        self.report_change(self._on_status, watching)
        while not self.stopping.wait(self.interval):
            try:
                listing = list_folder(self.folder)
            except OSError as exc:
                self.report_change(
                    self._on_status,
                    f"watched folder {self.folder}: expected a readable folder, found {exc}",
                )
                continue
            self.report_change(self._on_status, watching)
            for name in self._scan.update(listing):
                self._hand_over(self.folder / name)

    def _hand_over(self, path: Path) -> None:
        try:
            self._on_document(path)
        except Exception as exc:  # the thread boundary: one document must not stop the rest
            self._on_status(f"{path.name}: expected an answer, found {type(exc).__name__}: {exc}")
