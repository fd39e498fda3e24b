"""The exhaustive tier: sweep, classify and find, one hour's plane at a time.

Each hour is reduced on the worker that swept it, while the plane is still in the
sweep module's memory, so nothing of the 24-million-case cube is ever copied.
"""

from __future__ import annotations

import operator
import time
from functools import reduce

from firmware_host.runtime import I32_MAX
from hil.exhaustive.classify import ClassCounts, classify, masks
from hil.exhaustive.domain import Domain, DomainError
from hil.exhaustive.engine import Plane, SweepOptions, sweep
from hil.exhaustive.findings import (
    Finding,
    HourDiff,
    falling_prices,
    fault_finding,
    finding,
    hour_diff,
    wrap_into_range,
    wrap_suspects,
)
from hil.exhaustive.report import ExhaustiveReport, VersionDiff

_HourSummary = tuple[ClassCounts, Finding, Finding, Finding, Finding]


def run_exhaustive(
    wasm: bytes,
    domain: Domain,
    max_price: int,
    *,
    label: str = "module",
    options: SweepOptions | None = None,
) -> ExhaustiveReport:
    """Evaluate `wasm`'s price_func at every case of `domain` and classify each result."""
    if not 0 <= max_price <= I32_MAX:
        raise DomainError(f"max_price: expected 0..{I32_MAX}, found {max_price}")
    started = time.perf_counter()
    suspects = wrap_suspects(domain, max_price)

    def reduce_hour(index: int, planes: tuple[Plane, ...]) -> _HourSummary:
        (plane,) = planes
        found = masks(plane, max_price)
        values = plane.values
        return (
            classify(plane, found),
            finding(domain, index, found.refused, values),
            fault_finding(domain, index, plane),
            wrap_into_range(domain, index, values, found.in_bounds, suspects),
            falling_prices(domain, index, values, found.in_bounds),
        )

    hours = sweep([wasm], domain, reduce_hour, options)
    counts = reduce(operator.add, (h[0] for h in hours), ClassCounts())
    refusals, faults, wraps, falls = (
        reduce(operator.add, (h[i] for h in hours), Finding()) for i in range(1, 5)
    )
    return ExhaustiveReport(
        label=label,
        domain=domain.to_dict(),
        max_price=max_price,
        counts=counts,
        guard_refusals=refusals,
        faults=faults,
        wrap_into_range=wraps,
        falling_prices=falls,
        elapsed_s=time.perf_counter() - started,
    )


def diff_versions(
    before: bytes,
    after: bytes,
    domain: Domain,
    *,
    labels: tuple[str, str] = ("before", "after"),
    options: SweepOptions | None = None,
) -> VersionDiff:
    """Sweep both modules in lockstep over one domain and report where they differ."""
    started = time.perf_counter()

    def reduce_hour(index: int, planes: tuple[Plane, ...]) -> tuple[HourDiff | None, Finding]:
        return hour_diff(domain, index, *planes)

    hours = sweep([before, after], domain, reduce_hour, options)
    return VersionDiff(
        before=labels[0],
        after=labels[1],
        domain=domain.to_dict(),
        by_hour=tuple(h for h, _ in hours if h is not None),
        changes=reduce(operator.add, (f for _, f in hours), Finding()),
        elapsed_s=time.perf_counter() - started,
    )
