"""What a module must compute, declared by its authors in its manifest.

A manifest's `specification` says it one of two ways, so a team qualifies its own
module without editing the rig:

- `{"price_table": [{"hours": [0, 11], "multiplier": 0.5}, {"hours": [12, 23],
  "multiplier": 1}]}`: count x unit price, wrapping around i32 as a Rust release build
  does, times the multiplier of the hour's row. A multiplier of 1 charges that product
  exactly; any other is applied as Rust's `(price as f32 * m) as i32` (an f32 multiply,
  then truncation toward zero, saturating). For a module whose result is f32 the result
  is `price as f32 * m`, in f32. The rows cover every hour 0..23 exactly once; a module
  whose `price_func` takes no hour has one row for the whole day.
- `{"reference": "reference.py"}`: a Python file beside the manifest defining
  `price(count, unit_price, hour)`, for a rule no table says (a bulk discount).

Every built-in module (v1-v4) declares a price table.
"""

from __future__ import annotations

import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

I32_MIN, I32_MAX = -(2**31), 2**31 - 1
HOURS = range(24)
MAX_MULTIPLIER = 1000.0


class SpecificationError(Exception):
    """A manifest's specification that cannot be read as written."""


def wrap_i32(value: int) -> int:
    return (value - I32_MIN) % 2**32 + I32_MIN


def to_f32(value: float) -> float:
    """Round to the nearest f32, as Rust's `as f32` does."""
    result: float = struct.unpack("<f", struct.pack("<f", float(value)))[0]
    return result


def f32_to_i32(value: float) -> int:
    """Rust's `as i32` from a float: truncate toward zero, saturate, NaN to 0."""
    if math.isnan(value):
        return 0
    return max(I32_MIN, min(I32_MAX, math.trunc(value)))


@dataclass(frozen=True)
class Period:
    """Hours `first`..`last` (inclusive) charge `multiplier` times the product."""

    first: int
    last: int
    multiplier: float


@dataclass(frozen=True)
class PriceTable:
    periods: tuple[Period, ...]

    def multiplier(self, hour: int) -> float:
        return next(p.multiplier for p in self.periods if p.first <= hour <= p.last)

    @property
    def multipliers(self) -> tuple[float, ...]:
        return tuple(sorted({p.multiplier for p in self.periods}))

    def price(self, count: int, unit_price: int, hour: int, result: str = "i32") -> int | float:
        """The specified result of `price_func(count, unit_price, hour)`."""
        product = wrap_i32(count * unit_price)
        m = self.multiplier(hour)
        if result == "f32":
            return to_f32(to_f32(product) * to_f32(m))
        return product if m == 1 else f32_to_i32(to_f32(to_f32(product) * to_f32(m)))

    def to_json(self) -> dict[str, Any]:
        rows = [{"hours": [p.first, p.last], "multiplier": p.multiplier} for p in self.periods]
        return {"price_table": rows}


@dataclass(frozen=True)
class ReferenceFile:
    """A Python file defining `price(count, unit_price, hour)`."""

    path: Path

    def to_json(self) -> dict[str, Any]:
        return {"reference": self.path.name}


Specification = PriceTable | ReferenceFile


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _period(raw: Any, where: str) -> Period:
    if not isinstance(raw, dict) or set(raw) != {"hours", "multiplier"}:
        raise SpecificationError(
            f"{where}: expected {{'hours': [first, last], 'multiplier': m}}, found {raw!r}"
        )
    hours, multiplier = raw["hours"], raw["multiplier"]
    if (
        not isinstance(hours, list)
        or len(hours) != 2
        or not all(isinstance(h, int) and not isinstance(h, bool) for h in hours)
        or not 0 <= hours[0] <= hours[1] <= 23
    ):
        raise SpecificationError(
            f"{where}: hours expected [first, last] within 0..23, found {hours!r}"
        )
    if not _number(multiplier) or not 0 <= multiplier <= MAX_MULTIPLIER:
        raise SpecificationError(
            f"{where}: multiplier expected a number in 0..{MAX_MULTIPLIER:g}, found {multiplier!r}"
        )
    return Period(hours[0], hours[1], float(multiplier))


def _table(raw: Any, where: str, passes_hour: bool) -> PriceTable:
    if not isinstance(raw, list) or not raw:
        raise SpecificationError(f"{where}: expected a list of hour ranges, found {raw!r}")
    periods = tuple(_period(row, f"{where}[{i}]") for i, row in enumerate(raw))
    covered = sorted(h for p in periods for h in range(p.first, p.last + 1))
    if covered != list(HOURS):
        twice = sorted({h for h in covered if covered.count(h) > 1})
        missing = sorted(set(HOURS) - set(covered))
        raise SpecificationError(
            f"{where}: expected every hour 0..23 exactly once, found hours {missing} missing "
            f"and {twice} twice"
        )
    if not passes_hour and len({p.multiplier for p in periods}) > 1:
        raise SpecificationError(
            f"{where}: expected one multiplier for the whole day (this price_func takes no "
            f"hour), found {sorted({p.multiplier for p in periods})}"
        )
    return PriceTable(periods)


def parse_specification(
    raw: Any, where: str, folder: Path | None, passes_hour: bool
) -> Specification:
    """`raw` as a PriceTable or a ReferenceFile beside the manifest (in `folder`)."""
    if not isinstance(raw, dict) or len(raw) != 1 or set(raw) - {"price_table", "reference"}:
        raise SpecificationError(
            f"{where}: expected exactly one of 'price_table' or 'reference', found {raw!r}"
        )
    if "price_table" in raw:
        return _table(raw["price_table"], f"{where} price_table", passes_hour)
    name = raw["reference"]
    if not isinstance(name, str) or not name.endswith(".py") or "/" in name or "\\" in name:
        raise SpecificationError(
            f"{where}: reference expected the name of a .py file beside the manifest, "
            f"found {name!r}"
        )
    if folder is None:
        raise SpecificationError(f"{where}: a reference file needs the manifest's folder")
    return ReferenceFile(folder / name)
