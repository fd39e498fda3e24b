"""How long a sweep will take, measured on the real module before it starts.

A short calibration sweeps a strided sample of the domain (every k-th hour, count
and unit price, so every region of the domain is in it) with the real module and
the real sweep code on one worker, growing the sample until the measurement is
long enough to trust, and extrapolates to the whole domain on every worker. A module
that faults in the sample is extrapolated only as far as the sweep will evaluate it:
after `max_faults` faults the rest is left unevaluated, at no cost. A qualification
refuses a domain whose estimate is over its budget before sweeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from firmware_host.abi import FirmwareAbi
from firmware_host.errors import ModuleRejected
from hil.exhaustive.domain import Domain, StatefulModule, SweepError
from hil.exhaustive.engine import SweepOptions, default_workers
from hil.exhaustive.results import diff_versions
from hil.exhaustive.tier import run_exhaustive

DEFAULT_SWEEP_BUDGET_S = 300.0
# The calibration grows its sample until the sample's own sweep takes this long.
CALIBRATION_S = 0.02
FIRST_SAMPLE_CASES = 256


@dataclass(frozen=True)
class SweepEstimate:
    """The estimated wall time of a qualification's sweeps, and what it rests on:
    `evaluated` cases of `cases` (fewer when the fault budget will stop the sweep)."""

    cases: int
    evaluated: int
    seconds: float
    sample_cases: int
    sample_faults: int
    sample_seconds: float
    workers: int

    def to_text(self) -> str:
        faults = f", {self.sample_faults} of them faults" if self.sample_faults else ""
        stopped = "" if self.evaluated == self.cases else f" ({self.evaluated} evaluated)"
        return (
            f"{self.seconds:.1f} s for {self.cases} cases{stopped} on {self.workers} "
            f"workers (from {self.sample_cases} sample cases{faults} in "
            f"{self.sample_seconds:.3f} s)"
        )


class SweepBudgetExceeded(SweepError):
    """The estimated sweep time is over the budget: a usage error, not a rig fault."""

    def __init__(self, estimate: SweepEstimate, budget_s: float) -> None:
        super().__init__(
            f"exhaustive sweep: expected to finish within the budget of {budget_s:g} s, "
            f"estimated {estimate.to_text()}"
        )
        self.estimate = estimate
        self.budget_s = budget_s


def _sample(domain: Domain, cases: int) -> Domain:
    """Every k-th value of each axis, about `cases` cases in all (at least one each)."""
    shape = domain.shape
    stride = max(1.0, (domain.size / max(1, cases)) ** (1 / 3))
    axes = [
        axis[:: max(1, math.floor(stride))] if n > 1 else axis
        for axis, n in zip((domain.hours, domain.counts, domain.unit_prices), shape, strict=True)
    ]
    return Domain(*axes)


@dataclass(frozen=True)
class _Sample:
    """A calibration sweep: cases it evaluated (the rest of the sample left when the
    fault budget ran out), faults among them, and its seconds."""

    evaluated: int
    faults: int
    net: float  # beyond the fixed costs
    fixed: float  # a sweep of one case: checks, compilation, stores

    def seconds(self, cases: int, workers: int) -> float:
        return self.fixed + self.net / max(1, self.evaluated) * cases / workers


Sweep = Callable[[Domain], tuple[int, int]]  # a sample -> (evaluated, faults)


def _timed(sweep: Sweep, domain: Domain) -> tuple[float, int, int]:
    started = time.perf_counter()
    evaluated, faults = sweep(domain)
    return time.perf_counter() - started, evaluated, faults


def _calibrate(sweep: Sweep, domain: Domain) -> _Sample:
    """Grown until its time is worth trusting, the domain is covered, or the sample
    itself reached the fault budget (then it already shows where the sweep stops)."""
    fixed, _, _ = _timed(sweep, Domain(domain.hours[:1], domain.counts[:1], domain.unit_prices[:1]))
    cases = FIRST_SAMPLE_CASES
    while True:
        sample = _sample(domain, cases)
        seconds, evaluated, faults = _timed(sweep, sample)
        net = max(0.0, seconds - fixed)
        if net >= CALIBRATION_S or evaluated < sample.size or sample.size >= domain.size:
            return _Sample(evaluated, faults, net, fixed)
        cases = sample.size * 4


def estimate_sweep(
    wasm: bytes,
    domain: Domain,
    max_price: int,
    *,
    deployed: bytes | None = None,
    abi: FirmwareAbi | None = None,
    options: SweepOptions | None = None,
) -> SweepEstimate:
    """The wall time of `run_exhaustive` (and of `diff_versions` against `deployed`,
    when given) over `domain`. Raises the firmware's refusal if `wasm` is refused."""
    options = options or SweepOptions()
    workers = min(options.workers or default_workers(), domain.shape[0])
    one = replace(options, workers=1)

    def exhaustive_sweep(sample: Domain) -> tuple[int, int]:
        counts = run_exhaustive(wasm, sample, max_price, abi=abi, options=one).counts
        return counts.total - counts.unevaluated, counts.faults

    def diff_sweep(sample: Domain) -> tuple[int, int]:
        assert deployed is not None
        diff_versions(deployed, wasm, sample, abi=abi, options=one)
        return sample.size, 0  # the candidate's faults are counted by the exhaustive sample

    exhaustive = _calibrate(exhaustive_sweep, domain)
    evaluated = domain.size
    if exhaustive.faults:
        evaluated = min(evaluated, options.max_faults * exhaustive.evaluated // exhaustive.faults)
    samples = [exhaustive] + ([] if deployed is None else [_calibrate(diff_sweep, domain)])
    return SweepEstimate(
        cases=domain.size,
        evaluated=evaluated,
        seconds=sum(s.seconds(evaluated, workers) for s in samples),
        sample_cases=sum(s.evaluated for s in samples),
        sample_faults=exhaustive.faults,
        sample_seconds=sum(s.net + s.fixed for s in samples),
        workers=workers,
    )


def enforce_sweep_budget(
    wasm: bytes,
    domain: Domain,
    max_price: int,
    budget_s: float,
    *,
    deployed: bytes | None = None,
    abi: FirmwareAbi | None = None,
    options: SweepOptions | None = None,
) -> SweepEstimate | None:
    """Raise SweepBudgetExceeded (naming the estimate and the budget) when the sweeps
    would take longer than `budget_s`. None when the firmware refuses `wasm`: that is
    the module's failure, which the checks record; a refused `deployed` module is left
    out of the estimate (its check reports it)."""
    if not budget_s > 0:
        raise SweepError(f"sweep budget: expected a positive number of seconds, found {budget_s}")
    try:
        estimate = estimate_sweep(
            wasm, domain, max_price, deployed=deployed, abi=abi, options=options
        )
    except (ModuleRejected, StatefulModule):  # the checks say so, with a record
        if deployed is None:
            return None
        try:
            estimate = estimate_sweep(wasm, domain, max_price, abi=abi, options=options)
        except (ModuleRejected, StatefulModule):
            return None
    if estimate.seconds > budget_s:
        raise SweepBudgetExceeded(estimate, budget_s)
    return estimate
