"""Findings a bounds guard cannot see, computed per hour's plane with numpy.

- wrap into range: the result is in bounds although count x unit price, and every
  discount of it the module family allows, is out of bounds; the i32 product wrapped
  around into the allowed range (a qualification failure).
- falling prices: for one hour and unit price, a larger count costs less than a
  smaller count did.
- version differences: which hours, counts and unit prices changed between two
  modules over the same domain, and by how much.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt

from firmware_host.runtime import I32_MAX, I32_MIN
from hil.exhaustive.classify import BoolArray
from hil.exhaustive.domain import Domain
from hil.exhaustive.engine import Plane

EXAMPLES = 10
# Rows of a plane scanned at a time when looking for the first examples.
_SCAN_ROWS = 32


@dataclass(frozen=True)
class Case:
    """One case of a finding; `reference` is what the result is compared with."""

    hour: int
    count: int
    unit_price: int
    result: int | float | None
    reference: int | float | None = None
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Finding:
    """How many cases show a finding, and the first few of them in sweep order."""

    cases: int = 0
    examples: tuple[Case, ...] = field(default_factory=tuple)

    def __add__(self, other: Finding) -> Finding:
        return Finding(self.cases + other.cases, (self.examples + other.examples)[:EXAMPLES])

    def to_dict(self) -> dict[str, Any]:
        return {"cases": self.cases, "examples": [c.to_dict() for c in self.examples]}


def first_indices(mask: BoolArray, limit: int = EXAMPLES) -> list[int]:
    """Flat indices of the first `limit` set cases, scanning only as far as needed."""
    rows = mask.reshape(mask.shape[0], -1)
    width = rows.shape[1]
    found: list[int] = []
    for top in range(0, rows.shape[0], _SCAN_ROWS):
        hits = np.flatnonzero(rows[top : top + _SCAN_ROWS])
        found.extend(int(h) + top * width for h in hits[: limit - len(found)])
        if len(found) >= limit:
            break
    return found


def _number(value: Any) -> int | float:
    return float(value) if isinstance(value, np.floating) else int(value)


def finding(
    domain: Domain,
    hour_index: int,
    mask: BoolArray,
    values: np.ndarray[Any, Any],
    reference: np.ndarray[Any, Any] | None = None,
) -> Finding:
    """A Finding from a plane mask; `reference` is broadcast like `values`."""
    total = int(np.count_nonzero(mask))
    if total == 0:
        return Finding()
    flat_values = values.reshape(-1)
    flat_ref = None if reference is None else np.broadcast_to(reference, mask.shape).reshape(-1)
    examples = tuple(
        Case(
            *domain.case(hour_index, i),
            _number(flat_values[i]),
            None if flat_ref is None else _number(flat_ref[i]),
        )
        for i in first_indices(mask)
    )
    return Finding(total, examples)


def fault_finding(domain: Domain, hour_index: int, plane: Plane) -> Finding:
    examples = tuple(
        Case(*domain.case(hour_index, f.index), None, note=f.kind) for f in plane.faults[:EXAMPLES]
    )
    return Finding(len(plane.faults), examples)


# Prices a count x unit price module may charge: the product times a fraction in
# [MIN_FRACTION, MAX_FRACTION]. The launch, off-peak and happy-hour rules charge the full
# product or half of it (truncated toward zero), so a result in bounds where even half
# the exact product is above the maximum cannot come from correct arithmetic.
MIN_FRACTION = 0.5
MAX_FRACTION = 1.0


@dataclass(frozen=True)
class WrapSuspects:
    """Per (count, unit price): where an in-bounds result means the price wrapped."""

    mask: BoolArray
    exact: np.ndarray[Any, np.dtype[np.int64]]


def wrap_suspects(domain: Domain, max_price: int) -> WrapSuspects:
    """Computed once per domain on the count x unit price grid, broadcast over hours."""
    counts, units = (
        np.arange(r.start, r.stop, r.step, dtype=np.int64)
        for r in (domain.counts, domain.unit_prices)
    )
    exact = counts[:, None] * units[None, :]
    ends = [np.trunc(exact * f) for f in (MIN_FRACTION, MAX_FRACTION)]
    low, high = np.minimum(*ends), np.maximum(*ends)
    outside = (low > max_price) | (high < 0) | (exact < I32_MIN) | (exact > I32_MAX)
    return WrapSuspects(outside, exact)


def wrap_into_range(
    domain: Domain,
    hour_index: int,
    values: np.ndarray[Any, Any],
    in_bounds: BoolArray,
    suspects: WrapSuspects,
) -> Finding:
    return finding(domain, hour_index, in_bounds & suspects.mask, values, suspects.exact)


def _span(hit: npt.ArrayLike) -> slice | None:
    where = np.flatnonzero(hit)
    return None if where.size == 0 else slice(int(where[0]), int(where[-1]) + 1)


def falling_prices(
    domain: Domain, hour_index: int, values: np.ndarray[Any, Any], in_bounds: BoolArray
) -> Finding:
    """In-bounds results below the highest in-bounds result at a smaller count.

    Out-of-bounds results are ignored (the guard refuses them), so a price that climbs
    out of range and comes back low at a larger count is still seen as falling. Only
    the block spanning the unit prices with a positive in-bounds result, from the first
    count with one to the last count with any in-bounds result, can hold a fall, so
    the running maximum is taken over that block alone.
    """
    positive = in_bounds & (values > 0)
    units = _span(positive.any(axis=0))
    if units is None:
        return Finding()
    first = _span(positive[:, units].any(axis=1))
    last = _span(in_bounds[:, units].any(axis=1))
    assert first is not None and last is not None
    rows = slice(first.start, last.stop)
    block, block_in = values[rows, units], in_bounds[rows, units]
    highest = np.zeros_like(block)
    np.copyto(highest, block, where=block_in)
    highest = np.maximum.accumulate(highest, axis=0)
    block_falling = block_in[1:] & (block[1:] < highest[:-1])
    if not block_falling.any():
        return Finding()
    falling = np.zeros_like(in_bounds)
    before = np.zeros_like(values)
    falling[rows, units][1:] = block_falling
    before[rows, units][1:] = highest[:-1]
    return finding(domain, hour_index, falling, values, before)


@dataclass(frozen=True)
class HourDiff:
    """What changed in one hour between two versions: where, and by how much."""

    hour: int
    changed: int
    counts: tuple[int, int]
    unit_prices: tuple[int, int]
    delta_min: int | float | None
    delta_max: int | float | None
    faults_changed: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _extent(axis: range, hit: npt.ArrayLike) -> tuple[int, int]:
    span = _span(hit)
    assert span is not None
    return axis[span.start], axis[span.stop - 1]


def hour_diff(
    domain: Domain, hour_index: int, before: Plane, after: Plane
) -> tuple[HourDiff | None, Finding]:
    """Cases whose result differs (or that fault in only one version), for one hour."""
    a, b = before.values, after.values
    changed: BoolArray = a != b
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        changed &= ~(np.isnan(a) & np.isnan(b))
    ex_a, ex_b = before.excluded(), after.excluded()
    fault_changed: BoolArray | None = None
    if ex_a is not None or ex_b is not None:
        none = np.zeros(a.shape, dtype=bool)
        ea, eb = (none if ex_a is None else ex_a), (none if ex_b is None else ex_b)
        fault_changed = ea ^ eb
        changed = (changed & ~(ea | eb)) | fault_changed
    total = int(np.count_nonzero(changed))
    if total == 0:
        return None, Finding()
    wide = np.float64 if "f" in (a.dtype.kind, b.dtype.kind) else np.int64
    valued = changed if fault_changed is None else changed & ~fault_changed
    deltas = b[valued].astype(wide) - a[valued].astype(wide)
    delta_min = _number(deltas.min()) if deltas.size else None
    delta_max = _number(deltas.max()) if deltas.size else None
    diff = HourDiff(
        hour=domain.hours[hour_index],
        changed=total,
        counts=_extent(domain.counts, changed.any(axis=1)),
        unit_prices=_extent(domain.unit_prices, changed.any(axis=0)),
        delta_min=delta_min,
        delta_max=delta_max,
        faults_changed=0 if fault_changed is None else int(np.count_nonzero(fault_changed)),
    )
    return diff, finding(domain, hour_index, changed, b, a)
