"""Classify every result of one hour's plane, vectorised: no Python loop per case.

A result is in bounds (0 <= price <= max, what the guard lets through), a guard
refusal (below zero, above max, or not a number for an f32 result), or has no result
at all (a trap, an out-of-fuel fault, or a case left unevaluated after too many faults).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from hil.exhaustive.engine import OUT_OF_FUEL, Plane

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


@dataclass(frozen=True)
class ClassCounts:
    """How many cases fell in each class; every case of the domain is in exactly one."""

    in_bounds: int = 0
    below_zero: int = 0
    above_max: int = 0
    not_a_number: int = 0
    trap: int = 0
    out_of_fuel: int = 0
    unevaluated: int = 0

    @property
    def guard_refusal(self) -> int:
        return self.below_zero + self.above_max + self.not_a_number

    @property
    def faults(self) -> int:
        return self.trap + self.out_of_fuel

    @property
    def total(self) -> int:
        return self.in_bounds + self.guard_refusal + self.faults + self.unevaluated

    def __add__(self, other: ClassCounts) -> ClassCounts:
        mine, theirs = asdict(self), asdict(other)
        return ClassCounts(**{k: mine[k] + theirs[k] for k in mine})

    def to_dict(self) -> dict[str, int]:
        return {**asdict(self), "guard_refusal": self.guard_refusal, "faults": self.faults}


@dataclass(frozen=True)
class Masks:
    """Per-case masks of one plane, computed once and shared by every finding."""

    in_bounds: BoolArray
    refused: BoolArray
    excluded: BoolArray | None


def masks(plane: Plane, max_price: int) -> Masks:
    values = plane.values
    if values.dtype.kind == "i":
        # Negative i32 are huge as u32: one comparison tests both bounds.
        in_bounds = values.view(np.uint32) <= max_price
    else:
        in_bounds = (values >= 0) & (values <= max_price)
    excluded = plane.excluded()
    if excluded is not None:
        in_bounds &= ~excluded
        refused = ~(in_bounds | excluded)
    else:
        refused = ~in_bounds
    return Masks(in_bounds, refused, excluded)


def classify(plane: Plane, found: Masks) -> ClassCounts:
    """Class totals of one plane; stale values at fault indices are never counted."""
    values = plane.values
    below = values < 0
    if found.excluded is not None:
        below &= ~found.excluded
    n_below = int(np.count_nonzero(below))
    n_nan = 0
    if values.dtype.kind == "f":
        nan = np.isnan(values)
        if found.excluded is not None:
            nan &= ~found.excluded
        n_nan = int(np.count_nonzero(nan))
    n_fuel = sum(1 for f in plane.faults if f.kind == OUT_OF_FUEL)
    unevaluated = 0 if plane.unevaluated_from is None else values.size - plane.unevaluated_from
    refused = int(np.count_nonzero(found.refused))
    return ClassCounts(
        in_bounds=int(np.count_nonzero(found.in_bounds)),
        below_zero=n_below,
        above_max=refused - n_below - n_nan,
        not_a_number=n_nan,
        trap=len(plane.faults) - n_fuel,
        out_of_fuel=n_fuel,
        unevaluated=unevaluated,
    )
