"""One sale's price: inputs checked, the module called, the result guarded.

The guard is the firmware's last word over any module: a price below zero or above the
maximum is refused with `Invalid price : N`, whatever the module computed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from firmware_host.clock import Clock, local_now
from firmware_host.errors import InvalidInput, InvalidPrice, ModuleFault
from firmware_host.runtime import I32_MAX, PriceModule, check_range

DEFAULT_MAX_PRICE = 100
DEFAULT_MAX_COUNT = 999
DEFAULT_MAX_UNIT_PRICE = 999


@dataclass(frozen=True)
class Priced:
    """A sale the guard accepted; `hour` is the hour of `at`, the one clock reading."""

    count: int
    unit_price: int
    hour: int
    price: int
    module_sha256: str
    at: datetime


@dataclass(frozen=True)
class Refused:
    """A sale that was not priced; `error` says why (input, guard or module fault)."""

    count: int
    unit_price: int
    hour: int
    error: InvalidInput | InvalidPrice | ModuleFault
    module_sha256: str
    at: datetime


Outcome = Priced | Refused


def guard(price: int, max_price: int) -> int:
    if not 0 <= price <= max_price:
        raise InvalidPrice(price)
    return price


class Pricer:
    """A running module with its guard and clock; immutable, so a swap is a new Pricer."""

    def __init__(
        self,
        module: PriceModule,
        max_price: int = DEFAULT_MAX_PRICE,
        clock: Clock | None = None,
        max_count: int = DEFAULT_MAX_COUNT,
        max_unit_price: int = DEFAULT_MAX_UNIT_PRICE,
    ) -> None:
        self.module = module
        self.max_price = check_range("max_price", max_price, 0, I32_MAX)
        self.max_count = check_range("max_count", max_count, 0, I32_MAX)
        self.max_unit_price = check_range("max_unit_price", max_unit_price, 0, I32_MAX)
        self._clock = clock or local_now

    def _price(self, count: int, unit_price: int, hour: int) -> int:
        check_range("count", count, 0, self.max_count)
        check_range("unit_price", unit_price, 0, self.max_unit_price)
        return guard(self.module.call(count, unit_price, hour), self.max_price)

    def try_price(self, count: int, unit_price: int) -> Outcome:
        """Price one sale as a value, for callers that display or journal refusals.

        The clock is read once, per sale (so freezegun or an injected clock decides):
        the hour the module sees and the outcome's `at` are the same moment.
        """
        at = self._clock()
        try:
            price = self._price(count, unit_price, at.hour)
        except (InvalidInput, InvalidPrice, ModuleFault) as error:
            return Refused(count, unit_price, at.hour, error, self.module.sha256, at)
        return Priced(count, unit_price, at.hour, price, self.module.sha256, at)

    def calculate_price(self, count: int, unit_price: int) -> Priced:
        """Price one sale or raise `InvalidInput`, `InvalidPrice` or a `ModuleFault`."""
        outcome = self.try_price(count, unit_price)
        if isinstance(outcome, Refused):
            raise outcome.error
        return outcome
