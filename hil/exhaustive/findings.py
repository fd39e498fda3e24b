"""Findings a bounds guard cannot see, and what a finding reports.

- wrap into range: the result is in bounds although count x unit price, and every
  discount of it the module family allows, is out of bounds; the i32 product wrapped
  around into the allowed range (a qualification failure). The classify sweep tests
  each in-bounds result against `wrap_thresholds`.
- falling prices: for one hour and unit price, a larger count costs less than a
  smaller count did (the classify sweep keeps the running maximum per column).
- version differences: which hours, counts and unit prices changed between two
  modules over the same domain, and by how much (computed here, block by block).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt

from firmware_host.sandbox import I32_MAX, I32_MIN
from hil.exhaustive.domain import Domain
from hil.exhaustive.engine import Block, Swept, case_at
from hil.exhaustive.sweep_wat import EXAMPLES

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]
# Rows of a block scanned at a time when looking for the first examples.
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


def number(value: Any) -> int | float:
    return float(value) if isinstance(value, np.floating) else int(value)


# Prices a count x unit price module may charge: the product times a fraction of at
# least MIN_FRACTION and at most 1. The launch, off-peak and happy-hour rules charge
# the full product or half of it (truncated toward zero), so a result in bounds where
# even half the exact product is above the maximum cannot come from correct arithmetic.
MIN_FRACTION = 0.5


def wrap_thresholds(max_price: int, min_fraction: float = MIN_FRACTION) -> tuple[int, int]:
    """(low, high): an in-bounds result wrapped around i32 when the exact product p is
    at most low or at least high.

    With p >= 0 every allowed price trunc(p * f) is at least trunc(p * min_fraction),
    which exceeds max_price from p = ceil((max_price + 1) / min_fraction) on; with
    p < 0 every allowed price is at most trunc(p * min_fraction), negative from
    p = -ceil(1 / min_fraction) down; and a p outside i32 cannot be a computed i32. A
    module that may charge nothing (min_fraction 0) wraps only outside i32. The
    fraction is the smallest multiplier the module's price table declares, else
    MIN_FRACTION (the catalogue's rules charge the product or half of it).
    """
    if min_fraction <= 0:
        return I32_MIN - 1, I32_MAX + 1
    fraction = Fraction(min_fraction)
    high = min(math.ceil((max_price + 1) / fraction), I32_MAX + 1)
    low = max(-math.ceil(1 / fraction), I32_MIN - 1)
    return low, high


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


def fault_finding(domain: Domain, block: Block, swept: Swept) -> Finding:
    examples = tuple(
        Case(*case_at(domain, block, f.index), None, note=f.kind) for f in swept.faults[:EXAMPLES]
    )
    return Finding(len(swept.faults), examples)


def mask_finding(
    domain: Domain,
    block: Block,
    mask: BoolArray,
    values: np.ndarray[Any, Any],
    reference: np.ndarray[Any, Any],
) -> Finding:
    """A Finding from a block mask, with each example's value and reference."""
    total = int(np.count_nonzero(mask))
    if total == 0:
        return Finding()
    flat_values, flat_ref = values.reshape(-1), reference.reshape(-1)
    examples = tuple(
        Case(*case_at(domain, block, i), number(flat_values[i]), number(flat_ref[i]))
        for i in first_indices(mask)
    )
    return Finding(total, examples)


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
    cheaper: int = 0  # cases whose result fell
    dearer: int = 0  # cases whose result rose

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _bounds(*values: int | float | None) -> tuple[int | float | None, int | float | None]:
    known = [v for v in values if v is not None]
    return (min(known), max(known)) if known else (None, None)


@dataclass(frozen=True)
class BlockDiff:
    """The differences inside one block, by axis index, to be merged per hour."""

    hour_index: int
    changed: int
    rows: tuple[int, int]
    cols: tuple[int, int]
    delta_min: int | float | None
    delta_max: int | float | None
    faults_changed: int
    cheaper: int
    dearer: int

    def __add__(self, other: BlockDiff) -> BlockDiff:
        low, _ = _bounds(self.delta_min, other.delta_min)
        _, high = _bounds(self.delta_max, other.delta_max)
        return BlockDiff(
            self.hour_index,
            self.changed + other.changed,
            (min(self.rows[0], other.rows[0]), max(self.rows[1], other.rows[1])),
            (min(self.cols[0], other.cols[0]), max(self.cols[1], other.cols[1])),
            low,
            high,
            self.faults_changed + other.faults_changed,
            self.cheaper + other.cheaper,
            self.dearer + other.dearer,
        )

    def hour_diff(self, domain: Domain) -> HourDiff:
        return HourDiff(
            hour=domain.hours[self.hour_index],
            changed=self.changed,
            counts=(domain.counts[self.rows[0]], domain.counts[self.rows[1]]),
            unit_prices=(domain.unit_prices[self.cols[0]], domain.unit_prices[self.cols[1]]),
            delta_min=self.delta_min,
            delta_max=self.delta_max,
            faults_changed=self.faults_changed,
            cheaper=self.cheaper,
            dearer=self.dearer,
        )


def _span(hit: npt.ArrayLike) -> tuple[int, int]:
    where = np.flatnonzero(hit)
    return int(where[0]), int(where[-1])


def block_diff(
    domain: Domain,
    block: Block,
    before: np.ndarray[Any, Any],
    after: np.ndarray[Any, Any],
    excluded: tuple[BoolArray | None, BoolArray | None],
) -> tuple[BlockDiff | None, Finding]:
    """Cases whose result differs (or that fault in only one version), in one block;
    `before` and `after` are rows x width, `excluded` their masks of cases without a
    result (None when every case has one)."""
    a, b = before, after
    changed: BoolArray = a != b
    if a.dtype.kind == "f" or b.dtype.kind == "f":
        changed &= ~(np.isnan(a) & np.isnan(b))
    fault_changed: BoolArray | None = None
    if any(e is not None for e in excluded):
        none = np.zeros(a.shape, dtype=bool)
        ea, eb = (none if e is None else e for e in excluded)
        fault_changed = ea ^ eb
        changed = (changed & ~(ea | eb)) | fault_changed
    total = int(np.count_nonzero(changed))
    if total == 0:
        return None, Finding()
    wide = np.float64 if "f" in (a.dtype.kind, b.dtype.kind) else np.int64
    valued = changed if fault_changed is None else changed & ~fault_changed
    deltas = b[valued].astype(wide) - a[valued].astype(wide)
    low, high = _span(changed.any(axis=1))
    left, right = _span(changed.any(axis=0))
    diff = BlockDiff(
        hour_index=block.hour_index,
        changed=total,
        rows=(block.row0 + low, block.row0 + high),
        cols=(block.col0 + left, block.col0 + right),
        delta_min=number(deltas.min()) if deltas.size else None,
        delta_max=number(deltas.max()) if deltas.size else None,
        faults_changed=0 if fault_changed is None else int(np.count_nonzero(fault_changed)),
        cheaper=int(np.count_nonzero(deltas < 0)),
        dearer=int(np.count_nonzero(deltas > 0)),
    )
    return diff, mask_finding(domain, block, changed, b, a)
