"""The exhaustive tier: every case of a domain, classified inside wasm.

The classify sweep module counts the classes and the guard-blind findings as the
results come, block by block, so no result plane is ever stored or copied: time
grows linearly with the domain, and memory stays within the firmware's cap.
"""

from __future__ import annotations

import operator
import time
from functools import reduce

from firmware_host.abi import FirmwareAbi
from firmware_host.sandbox import I32_MAX
from hil.exhaustive.classify import BlockSummary, ClassCounts, Classification
from hil.exhaustive.domain import Domain, DomainError
from hil.exhaustive.engine import (
    Block,
    BlockRun,
    FaultBudget,
    SweepOptions,
    blocks,
    capacity,
    run_units,
    sweep_module,
)
from hil.exhaustive.findings import MIN_FRACTION, Finding, wrap_thresholds
from hil.exhaustive.lane import Lane, Target, load_target
from hil.exhaustive.report import ExhaustiveReport
from hil.exhaustive.sweep_wat import RESULT_BYTES, Bounds, Grid, classify_wat


def _axes(domain: Domain, width: int) -> Grid:
    return Grid(domain.counts.step, domain.unit_prices.step, width * RESULT_BYTES)


def classify_sweep(
    target: Target,
    domain: Domain,
    max_price: int,
    options: SweepOptions,
    units: list[Block],
    min_fraction: float = MIN_FRACTION,
) -> list[BlockSummary]:
    """Classify every case of `units` (blocks of `domain`) on worker threads."""
    width = max(block.width for block in units)
    bounds = Bounds(max_price, *wrap_thresholds(max_price, min_fraction))
    module = sweep_module(target, classify_wat(target.abi, _axes(domain, width), bounds))

    def work(lanes: list[Lane], block: Block, budget: FaultBudget) -> BlockSummary:
        (lane,) = lanes
        mode = Classification(lane, domain, block)
        return mode.summary(BlockRun(lane, domain, block, mode, budget).sweep())

    return run_units([target], [module], units, work, options)


def classify_blocks(domain: Domain, options: SweepOptions) -> list[Block]:
    """Whole hours, in column blocks as wide as the firmware's memory cap allows."""
    return blocks(domain, min(len(domain.unit_prices), capacity(options.limits)), None)


def run_exhaustive(
    wasm: bytes,
    domain: Domain,
    max_price: int,
    *,
    label: str = "module",
    abi: FirmwareAbi | None = None,
    options: SweepOptions | None = None,
    min_fraction: float = MIN_FRACTION,
) -> ExhaustiveReport:
    """Evaluate `wasm`'s price_func at every case of `domain` and classify each result;
    `min_fraction` is the smallest share of the product the module may charge (for the
    wrap-into-range finding, `wrap_thresholds`).

    The module is checked and instantiated as the firmware does it (as `abi`'s firmware
    would load it, when given): a refusal raises the firmware's own error type.
    """
    if not 0 <= max_price <= I32_MAX:
        raise DomainError(f"max_price: expected 0..{I32_MAX}, found {max_price}")
    options = options or SweepOptions()
    started = time.perf_counter()
    target = load_target(wasm, options.limits, abi, always_meter=options.always_meter)
    summaries = classify_sweep(
        target, domain, max_price, options, classify_blocks(domain, options), min_fraction
    )
    findings = [
        reduce(operator.add, (getattr(s, name) for s in summaries), Finding())
        for name in ("guard_refusals", "faults", "wrap_into_range", "falling_prices")
    ]
    return ExhaustiveReport(
        label=label,
        domain=domain.to_dict(),
        max_price=max_price,
        counts=reduce(operator.add, (s.counts for s in summaries), ClassCounts()),
        guard_refusals=findings[0],
        faults=findings[1],
        wrap_into_range=findings[2],
        falling_prices=findings[3],
        elapsed_s=time.perf_counter() - started,
    )
