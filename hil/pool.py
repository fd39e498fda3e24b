"""The session's boards: opened on first use, closed at the end, and a board that
faulted stays out of the run so its remaining tests skip with the fault as reason."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from boardlink.errors import RIG_FAULTS
from firmware_host.pricing import DEFAULT_MAX_PRICE
from hil.harness import BoardLink, Firmware
from hil.rig import BoardSpec, Rig, start_board
from simulator.board import VirtualBoard


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

    def _start(self, spec: BoardSpec) -> _Started:
        spec, virtual = start_board(spec)
        try:
            link = BoardLink(spec, self.timeout)
        except RIG_FAULTS:
            if virtual is not None:
                virtual.stop()
            raise
        state = self.state_root / spec.name
        return _Started(Firmware(link, state, DEFAULT_MAX_PRICE), virtual)

    def virtual(self, name: str) -> VirtualBoard | None:
        """The virtual board behind `name`, for fault injection; None for a real board."""
        started = self._started.get(name)
        return started.virtual if started else None

    @contextlib.contextmanager
    def board(self, name: str) -> Iterator[Firmware]:
        """The firmware on board `name`; a rig fault inside takes the board out of the run."""
        if name in self.dead:
            pytest.skip(f"board {name} is out of this run after a rig fault: {self.dead[name]}")
        spec = self.rig.board(name)
        if not spec.sweepable:
            pytest.skip(spec.missing())
        try:
            if name not in self._started:
                self._started[name] = self._start(spec)
            yield self._started[name].firmware
        except RIG_FAULTS as exc:
            self.dead[name] = str(exc)
            raise

    def close(self) -> None:
        for started in self._started.values():
            started.firmware.close()
            started.firmware.link.close()
            if started.virtual is not None:
                started.virtual.stop()
        self._started.clear()
