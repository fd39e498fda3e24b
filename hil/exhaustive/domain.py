"""The domain of an exhaustive sweep: hours x counts x unit prices.

A domain is validated once, here, so the sweep module can bake its bounds in as
constants and trust that every value fits the i32 parameters of `price_func`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firmware_host.errors import FirmwareError
from firmware_host.runtime import I32_MAX, I32_MIN
from hil.exhaustive.sweep_wat import RESULT_BYTES, Grid
from hil.grid import HOURS_OF_DAY
from price_modules import Manifest

# One hour's plane lives in the sweep module's memory: 2**26 cases are 256 MiB.
MAX_PLANE_CASES = 2**26


class SweepError(FirmwareError):
    """An exhaustive sweep could not run as asked (bad domain, bad module)."""


class DomainError(SweepError):
    """The requested domain is empty, too large or outside the i32 parameters."""


def _check_axis(name: str, values: range) -> None:
    if len(values) == 0:
        raise DomainError(f"{name}: expected a non-empty range, found {values!r}")
    low, high = min(values[0], values[-1]), max(values[0], values[-1])
    if low < I32_MIN or high > I32_MAX:
        raise DomainError(
            f"{name}: expected values within i32 [{I32_MIN}, {I32_MAX}], found {low}..{high}"
        )


@dataclass(frozen=True)
class Domain:
    """The cases of a sweep; results are laid out [hour, count, unit_price] (C order)."""

    hours: range
    counts: range
    unit_prices: range

    def __post_init__(self) -> None:
        for name in ("hours", "counts", "unit_prices"):
            value = getattr(self, name)
            if not isinstance(value, range):
                raise DomainError(f"{name}: expected a range, found {type(value).__name__}")
            _check_axis(name, value)
        plane = len(self.counts) * len(self.unit_prices)
        if plane > MAX_PLANE_CASES:
            raise DomainError(
                f"counts x unit_prices: expected at most {MAX_PLANE_CASES} cases per hour, "
                f"found {plane}"
            )

    @classmethod
    def for_manifest(cls, manifest: Manifest) -> Domain:
        """The declared operating domain of a module version: every hour of the day."""
        return cls(HOURS_OF_DAY, range(manifest.max_count + 1), range(manifest.max_unit_price + 1))

    @property
    def shape(self) -> tuple[int, int, int]:
        return len(self.hours), len(self.counts), len(self.unit_prices)

    @property
    def size(self) -> int:
        hours, counts, units = self.shape
        return hours * counts * units

    @property
    def plane_bytes(self) -> int:
        return len(self.counts) * len(self.unit_prices) * RESULT_BYTES

    def grid(self) -> Grid:
        return Grid(
            self.counts.start,
            self.counts.step,
            len(self.counts),
            self.unit_prices.start,
            self.unit_prices.step,
            len(self.unit_prices),
        )

    def case(self, hour_index: int, plane_index: int) -> tuple[int, int, int]:
        """(hour, count, unit_price) of a flat index inside one hour's plane."""
        count_index, unit_index = divmod(plane_index, len(self.unit_prices))
        return self.hours[hour_index], self.counts[count_index], self.unit_prices[unit_index]

    def to_dict(self) -> dict[str, Any]:
        def axis(r: range) -> dict[str, int]:
            return {"start": r.start, "stop": r.stop, "step": r.step}

        return {
            "hours": axis(self.hours),
            "counts": axis(self.counts),
            "unit_prices": axis(self.unit_prices),
            "cases": self.size,
        }
