"""The domain of an exhaustive sweep: hours x counts x unit prices.

A domain is validated once, here, so the sweep module can trust that every value fits
the i32 parameters of `price_func`. Its size is not limited: a sweep walks it in
blocks that fit the firmware's memory cap, so time grows linearly with the cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from firmware_host.errors import FirmwareError
from firmware_host.sandbox import I32_MAX, I32_MIN
from hil.grid import HOURS_OF_DAY
from price_modules import Manifest


class SweepError(FirmwareError):
    """An exhaustive sweep could not run as asked (bad domain, bad module)."""


class SweepTimeout(SweepError):
    """A sweep still running at its deadline: the calibration that admitted it
    underestimated the module's cost, and what did not run proved nothing."""


class StatefulModule(SweepError):
    """A module the firmware runs but the sweep cannot run as the firmware does: its
    code keeps state from call to call, which a terminal's fresh instances never see."""


class DomainError(SweepError):
    """The requested domain is empty or outside the i32 parameters."""


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

    def to_dict(self) -> dict[str, Any]:
        def axis(r: range) -> dict[str, int]:
            return {"start": r.start, "stop": r.stop, "step": r.step}

        return {
            "hours": axis(self.hours),
            "counts": axis(self.counts),
            "unit_prices": axis(self.unit_prices),
            "cases": self.size,
        }
