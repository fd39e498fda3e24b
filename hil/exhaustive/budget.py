"""How long a sweep will take, measured on the real module before it starts.

A short calibration sweeps a strided sample of the domain (every k-th hour, count
and unit price, so every region of the domain is in it) with the real module and
the real sweep code on one worker, growing the sample until the measurement is
long enough to trust, and extrapolates to the whole domain on every worker. A
qualification refuses a domain whose estimate is over its budget before sweeping.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, replace

from firmware_host.abi import FirmwareAbi
from firmware_host.errors import ModuleRejected
from hil.exhaustive.domain import Domain, SweepError
from hil.exhaustive.engine import SweepOptions, default_workers
from hil.exhaustive.results import diff_versions
from hil.exhaustive.tier import run_exhaustive

DEFAULT_SWEEP_BUDGET_S = 300.0
# The calibration grows its sample until the sample's own sweep takes this long.
CALIBRATION_S = 0.02
FIRST_SAMPLE_CASES = 4096


@dataclass(frozen=True)
class SweepEstimate:
    """The estimated wall time of a qualification's sweeps, and what it rests on."""

    cases: int
    seconds: float
    sample_cases: int
    sample_seconds: float
    workers: int

    def to_text(self) -> str:
        return (
            f"{self.seconds:.1f} s for {self.cases} cases on {self.workers} workers "
            f"(from {self.sample_cases} sample cases in {self.sample_seconds:.3f} s)"
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


def _seconds(sweep: Callable[[Domain], object], domain: Domain) -> float:
    started = time.perf_counter()
    sweep(domain)
    return time.perf_counter() - started


def _calibrate(sweep: Callable[[Domain], object], domain: Domain) -> tuple[int, float, float]:
    """(sample cases, seconds of the sample net of fixed costs, fixed seconds)."""
    single = Domain(domain.hours[:1], domain.counts[:1], domain.unit_prices[:1])
    fixed = _seconds(sweep, single)
    cases = FIRST_SAMPLE_CASES
    while True:
        sample = _sample(domain, cases)
        net = max(0.0, _seconds(sweep, sample) - fixed)
        if net >= CALIBRATION_S or sample.size >= domain.size:
            return sample.size, net, fixed
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
    sweeps: list[Callable[[Domain], object]] = [
        lambda d: run_exhaustive(wasm, d, max_price, abi=abi, options=one)
    ]
    if deployed is not None:
        sweeps.append(lambda d: diff_versions(deployed, wasm, d, abi=abi, options=one))
    sample_cases, sample_seconds, seconds = 0, 0.0, 0.0
    for sweep in sweeps:
        cases, net, fixed = _calibrate(sweep, domain)
        sample_cases, sample_seconds = sample_cases + cases, sample_seconds + net + fixed
        seconds += fixed + net / cases * domain.size / workers
    return SweepEstimate(domain.size, seconds, sample_cases, sample_seconds, workers)


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
    except ModuleRejected:
        if deployed is None:
            return None
        try:
            estimate = estimate_sweep(wasm, domain, max_price, abi=abi, options=options)
        except ModuleRejected:
            return None
    if estimate.seconds > budget_s:
        raise SweepBudgetExceeded(estimate, budget_s)
    return estimate
