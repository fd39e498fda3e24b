"""The terminal firmware in process, for checks that need no board.

A development-mode `Device` loads the candidate through the same checks as a terminal
(size, magic, imports, export signature) and prices each sale through the same guard
and journal. Its clock is set per sale, so a case runs at exactly the hour it names.
"""

from __future__ import annotations

from pathlib import Path

from firmware_host.abi import FirmwareAbi
from firmware_host.device import Device
from firmware_host.errors import InvalidInput, InvalidPrice
from firmware_host.pricing import Priced
from firmware_host.reported import ReportedState
from hil.harness import ShopClock
from hil.reference import Expect, Expected


class FirmwareBench:
    """One in-process terminal of generation `abi`, with a clock the caller sets."""

    def __init__(self, state_dir: Path, abi: FirmwareAbi, max_price: int) -> None:
        self.clock = ShopClock()
        self.device = Device(
            state_dir, abi=abi, dev_mode=True, clock=self.clock, max_price=max_price
        )

    def load(self, wasm: bytes, label: str) -> ReportedState:
        return self.device.load_module(wasm, label=label)

    def sale(self, hour: int, count: int, unit_price: int) -> Expected | str:
        """What the terminal shows for one sale, as an expectation-shaped value; a
        module fault (no price, no guard) is returned as its message."""
        self.clock.set_hour(hour)
        outcome = self.device.price(count, unit_price)
        if isinstance(outcome, Priced):
            return Expected(Expect.PRICE, outcome.price)
        error = outcome.error
        if isinstance(error, InvalidPrice):
            return Expected(Expect.GUARD, error.price)
        if isinstance(error, InvalidInput) and isinstance(error.value, int):
            return Expected(Expect.INPUT, error.value)
        return f"{type(error).__name__}: {error}"

    def close(self) -> None:
        self.device.close()
