"""The session's boards: opened on first use, closed at the end.

A board that faulted stays out of the run: each of its later tests is an ERROR naming
the first fault, at once, without waiting out the board's deadlines again. A board
that cannot type a sale and read it back is either declared display-only (its display
port is opened once, a rig fault if it does not open; then its tests that need readback
did not run, and say so) or a rig fault of each of its tests.

A board on a labgrid place is acquired when it is first used, so under xdist each worker
holds only the places of the boards it drives; close() releases them, whatever else fails.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from boardlink.errors import RIG_FAULTS
from firmware_host.pricing import DEFAULT_MAX_PRICE
from hil.harness import BoardFault, BoardLink, BoardOutOfRun, Firmware
from hil.probe import open_display
from hil.rig import BoardSpec, Rig, start_board
from hil.rig_select import open_places
from simulator.board import VirtualBoard

if TYPE_CHECKING:
    from hil.labgrid_places import PlaceHolder


@dataclass
class _Started:
    firmware: Firmware
    virtual: VirtualBoard | None


class BoardPool:
    """The session's boards, opened on first use; a board that faulted stays out."""

    def __init__(self, rig: Rig, state_root: Path, timeout: float) -> None:
        self.rig = rig
        self.state_root = state_root
        self.timeout = timeout
        self.dead: dict[str, str] = {}
        self._started: dict[str, _Started] = {}
        self._probed: set[str] = set()
        self.places: PlaceHolder | None = None

    def _start(self, spec: BoardSpec) -> _Started:
        if spec.place is not None:
            self.places = self.places or open_places(self.rig)
            spec = self.places.hold(spec).board
        spec, virtual = start_board(spec)
        try:
            link = BoardLink(spec, self.timeout)
        except BaseException:
            if virtual is not None:
                virtual.stop()
            raise
        state = self.state_root / spec.name
        return _Started(Firmware(link, state, DEFAULT_MAX_PRICE), virtual)

    def check_in_run(self, name: str) -> None:
        """Raises BoardOutOfRun, naming the first fault, for a board that faulted."""
        if name in self.dead:
            raise BoardOutOfRun(
                f"board {name} is out of this run after a rig fault: {self.dead[name]}"
            )

    def _probe(self, name: str, spec: BoardSpec) -> None:
        """A display-only board's display port, opened once in the run (see hil/probe.py)."""
        if name in self._probed:
            return
        if spec.place is not None:
            self.places = self.places or open_places(self.rig)
            spec = self.places.hold(spec).board
        spec, virtual = start_board(spec)
        try:
            open_display(spec, self.timeout)
        finally:
            if virtual is not None:
                virtual.stop()
        self._probed.add(name)

    def virtual(self, name: str) -> VirtualBoard | None:
        """The virtual board behind `name`, for fault injection; None for a real board."""
        started = self._started.get(name)
        return started.virtual if started else None

    @contextlib.contextmanager
    def board(self, name: str) -> Iterator[Firmware]:
        """The firmware on board `name`; a rig fault inside takes the board out of the run
        and leaves as a BoardFault."""
        self.check_in_run(name)
        spec = self.rig.board(name)
        try:
            if not spec.sweepable and spec.display_only:
                self._probe(name, spec)
                pytest.skip(spec.missing())
            if not spec.sweepable:
                raise BoardFault(spec.missing())
            if name not in self._started:
                self._started[name] = self._start(spec)
            yield self._started[name].firmware
        except BoardFault as exc:
            self.dead[name] = str(exc)
            raise
        except RIG_FAULTS as exc:
            self.dead[name] = f"{type(exc).__name__}: {exc}"
            raise BoardFault(f"board {name}: {type(exc).__name__}: {exc}") from exc

    def close(self) -> None:
        try:
            for started in self._started.values():
                started.firmware.close()
                started.firmware.link.close()
                if started.virtual is not None:
                    started.virtual.stop()
            self._started.clear()
        finally:
            if self.places is not None:
                self.places.close()
