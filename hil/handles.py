"""What a HIL test holds: the board under test and the terminal under test.

These are the objects the plugin's public fixtures (`hil_board`, `hil_terminal`) give a
test. Every call goes through the session's board pool, so a rig fault anywhere (a lost
port, a silent board) leaves as a `BoardFault`, takes the board out of the run and is
reported as an ERROR of the test, never a FAIL; what the firmware and the module do is
returned for the test to judge.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from boardlink.control import BoardIdentity, Readback
from firmware_host.abi import FirmwareAbi
from firmware_host.device import Device
from firmware_host.keys import Key
from firmware_host.reported import ReportedState
from hil.harness import Firmware, Observation, ShopClock, sale_keys
from hil.pool import BoardPool
from hil.rig import BoardSpec
from hil.subject import Subject
from simulator.board import VirtualBoard


def _keys(keys: tuple[Key | str, ...]) -> list[Key]:
    return [k if isinstance(k, Key) else Key(k) for k in keys]


class BoardUnderTest:
    """One board of the rig: who it is, its screen as read back, key presses on it."""

    def __init__(self, pool: BoardPool, name: str) -> None:
        self.pool = pool
        self.name = name

    @contextmanager
    def _firmware(self) -> Iterator[Firmware]:
        with self.pool.board(self.name) as firmware:
            yield firmware

    @property
    def spec(self) -> BoardSpec:
        return self.pool.rig.board(self.name)

    @property
    def identity(self) -> BoardIdentity:
        """The board's answer to ID on its control channel (asked when it was opened)."""
        with self._firmware() as firmware:
            identity = firmware.link.identity
            assert identity is not None  # a link that opened has identified the board
            return identity

    def read(self) -> Readback:
        """The display's cells and cursor, as the board reads them back now."""
        with self._firmware() as firmware, firmware.link.guarded("readback"):
            return firmware.link.control.read_display()

    def lines(self) -> tuple[str, ...]:
        """The display's rows as text, in the board's code page."""
        with self._firmware() as firmware:
            return self.read().text(firmware.link.display.character_set)

    def press(self, *keys: Key | str) -> None:
        """Physical key presses: each key's code goes out on the display port. Nothing
        takes them unless a terminal reads its keypad (`hil_terminal.press`)."""
        with self._firmware() as firmware, firmware.link.guarded("key presses"):
            firmware.link.control.press(*_keys(keys))

    @property
    def virtual(self) -> VirtualBoard:
        """The virtual board behind this one, for fault injection (unplug, replug, a
        silent control channel); a real board cannot be pulled by software."""
        with self._firmware():
            board = self.pool.virtual(self.name)
        if board is None:
            raise pytest.UsageError(f"board {self.name} is not a virtual board")
        return board


class TerminalUnderTest:
    """The terminal firmware on one board, running the module under test.

    The module is loaded when the test first sells or presses, unless the test loads one
    itself first (`load`); a module the firmware refuses then fails the test, as a
    refusal is the module's verdict. The clock is the terminal's: set it (`clock.set`,
    `clock.set_hour`) or give `hour=` to `sell`.
    """

    def __init__(self, board: BoardUnderTest, module: Subject, abi: FirmwareAbi) -> None:
        self.board = board
        self.module = module
        self.abi = abi
        self._started = False
        with board._firmware() as firmware:
            self.clock: ShopClock = firmware.clock
            firmware.device(abi)  # boot this generation if it is not running yet
        self.clock.set_hour(12)

    @property
    def device(self) -> Device:
        with self.board._firmware() as firmware:
            return firmware.device(self.abi)

    def reported(self) -> ReportedState:
        return self.device.reported()

    def load(self, module: Subject) -> ReportedState:
        """Offer `module` as a development-mode document would; the firmware's report says
        whether it took it (a refused module leaves the running one in place)."""
        self._started = True
        with self.board._firmware() as firmware:
            return firmware.load(self.abi, module.wasm, module.label)

    def run(self, module: Subject) -> ReportedState | None:
        """Make `module` the running one: None when it already runs, else the report on
        loading it."""
        self._started = True
        with self.board._firmware() as firmware:
            return firmware.ensure(self.abi, module.wasm, module.sha256, module.label)

    def _start(self) -> None:
        if self._started:
            return
        report = self.run(self.module)
        if report is not None and not report.accepted:
            pytest.fail(
                f"{self.module.label}: expected the {self.abi.value} firmware to load it, "
                f"found {report.ack.error}: {report.ack.reason}",
                pytrace=False,
            )

    def press(self, *keys: Key | str) -> None:
        """Keys pressed on the board and taken by the terminal, which redraws."""
        self._start()
        with self.board._firmware() as firmware:
            firmware.press_on_board(self.abi, _keys(keys))

    def enter(self, *keys: Key | str) -> Observation:
        """Press `keys` on the board, then read back what its display shows."""
        self._start()
        with self.board._firmware() as firmware:
            return firmware.enter(self.abi, _keys(keys))

    def sell(self, count: int, unit_price: int, *, hour: int | None = None) -> Observation:
        """One sale typed on the board from a cleared entry (at half past `hour` if
        given), and the display read back."""
        if hour is not None:
            self.clock.set_hour(hour)
        return self.enter(*sale_keys(count, unit_price))
