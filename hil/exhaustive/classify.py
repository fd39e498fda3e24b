"""Classes of results, as the classify sweep counts them inside wasm.

A result is in bounds (0 <= price <= max, what the guard lets through), a guard
refusal (below zero, above max, or not a number for an f32 result), or has no result
at all (a trap, an out-of-fuel fault, or a case left unevaluated after too many
faults). The sweep module counts the classes and keeps the first examples of each
finding; this module reads them after every completed call.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from hil.exhaustive.domain import Domain
from hil.exhaustive.engine import Block, Swept
from hil.exhaustive.findings import Case, Finding, fault_finding, number
from hil.exhaustive.lane import OUT_OF_FUEL, Lane
from hil.exhaustive.sweep_wat import EXAMPLES, LAYOUT


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
class BlockSummary:
    """One block of the classify sweep: class totals and the findings."""

    counts: ClassCounts
    guard_refusals: Finding
    faults: Finding
    wrap_into_range: Finding
    falling_prices: Finding


REFUSED, WRAP, FALLING = range(len(LAYOUT.FINDINGS))


class Classification:
    """The classify sweep's side of one block (a `Mode`): the running maximum of each
    column lives in the lane's data area, the totals and examples here."""

    def __init__(self, lane: Lane, domain: Domain, block: Block) -> None:
        self.lane, self.domain, self.block = lane, domain, block
        self.totals = np.zeros(len(LAYOUT.COUNTERS), dtype=np.int64)
        self.evaluated = 0
        self.examples: list[list[Case]] = [[] for _ in LAYOUT.FINDINGS]
        self.wants: tuple[int, ...] = ()
        lane.data[: block.width] = 0  # no in-bounds price seen yet in any column
        self.saved = lane.data[: block.width].copy()

    def args(self, start: int, end: int) -> tuple[int, ...]:
        self.wants = tuple(EXAMPLES - len(found) for found in self.examples)
        return self.wants

    def save(self) -> None:
        self.saved = self.lane.data[: self.block.width].copy()

    def restore(self) -> None:
        self.lane.data[: self.block.width] = self.saved

    def commit(self, start: int, end: int) -> None:
        lane = self.lane
        self.totals += lane.counters
        self.evaluated += end - start
        for finding, written in enumerate(lane.written.tolist()):
            for slot in range(written):
                count, unit = (int(w) for w in lane.example_words[finding, slot, :2])
                result = number(lane.example_values[finding, slot, 2])
                reference = {
                    REFUSED: None,
                    WRAP: count * unit,
                    FALLING: number(lane.example_values[finding, slot, 3]),
                }[finding]
                hour = self.domain.hours[self.block.hour_index]
                self.examples[finding].append(Case(hour, count, unit, result, reference))

    def summary(self, swept: Swept) -> BlockSummary:
        in_bounds, below, nan, wraps, falls = (int(t) for t in self.totals)
        out_of_fuel = sum(1 for f in swept.faults if f.kind == OUT_OF_FUEL)
        unevaluated = (
            0 if swept.unevaluated_from is None else (self.block.cases - swept.unevaluated_from)
        )
        counts = ClassCounts(
            in_bounds=in_bounds,
            below_zero=below,
            above_max=self.evaluated - in_bounds - below - nan,
            not_a_number=nan,
            trap=len(swept.faults) - out_of_fuel,
            out_of_fuel=out_of_fuel,
            unevaluated=unevaluated,
        )
        refused = counts.guard_refusal
        found = [
            Finding(total, tuple(examples))
            for total, examples in zip((refused, wraps, falls), self.examples, strict=True)
        ]
        faults = fault_finding(self.domain, self.block, swept)
        return BlockSummary(counts, found[REFUSED], faults, found[WRAP], found[FALLING])
