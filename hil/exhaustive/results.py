"""Raw results: every case's value read back from wasm, block by block.

For what needs the values themselves rather than their classes: comparing two
versions case by case, and the plots of a qualification report. Each block fits the
firmware's memory cap; its values are copied out as the calls complete.
"""

from __future__ import annotations

import operator
import time
from functools import reduce
from typing import Any

import numpy as np

from firmware_host.abi import FirmwareAbi
from hil.exhaustive.domain import Domain
from hil.exhaustive.engine import (
    Block,
    BlockRun,
    FaultBudget,
    SweepOptions,
    Swept,
    blocks,
    capacity,
    run_units,
    sweep_module,
)
from hil.exhaustive.findings import BlockDiff, Finding, block_diff
from hil.exhaustive.lane import Lane, Target, load_target
from hil.exhaustive.report import VersionDiff
from hil.exhaustive.sweep_wat import LAYOUT, RESULT_BYTES, Grid, results_wat

BoolArray = np.ndarray[Any, np.dtype[np.bool_]]


class Values:
    """The results sweep's side of one block (a `Mode`): values copied out per call."""

    def __init__(self, lane: Lane, block: Block) -> None:
        self.lane, self.block = lane, block
        self.values = np.zeros(block.cases, dtype=lane.target.abi.numpy_dtype)

    def args(self, start: int, end: int) -> tuple[int, ...]:
        return (LAYOUT.data + RESULT_BYTES * start,)

    def save(self) -> None:
        """Nothing to keep: every completed call was copied out already."""

    def restore(self) -> None:
        """Nothing to restore: the next call writes its own cases."""

    def commit(self, start: int, end: int) -> None:
        self.values[start:end] = self.lane.data[start:end]

    def plane(self, swept: Swept) -> tuple[np.ndarray[Any, Any], BoolArray | None]:
        """Values as rows x width, and the mask of cases without a result (or None)."""
        shape = (self.block.rows, self.block.width)
        if not swept.faults and swept.unevaluated_from is None:
            return self.values.reshape(shape), None
        mask = np.zeros(self.block.cases, dtype=bool)
        mask[[f.index for f in swept.faults]] = True
        if swept.unevaluated_from is not None:
            mask[swept.unevaluated_from :] = True
        return self.values.reshape(shape), mask.reshape(shape)


def _blocks(domain: Domain, options: SweepOptions) -> list[Block]:
    room = capacity(options.limits)
    width = min(len(domain.unit_prices), room)
    return blocks(domain, width, max(1, room // width))


def sweep_values(
    targets: list[Target],
    domain: Domain,
    options: SweepOptions,
    consume: Any,
) -> list[Any]:
    units = _blocks(domain, options)
    room = max(block.cases for block in units)
    grid = Grid(domain.counts.step, domain.unit_prices.step, room * RESULT_BYTES)
    modules = [sweep_module(t, results_wat(t.abi, grid)) for t in targets]

    def work(lanes: list[Lane], block: Block, budget: FaultBudget) -> Any:
        planes = []
        for lane in lanes:
            mode = Values(lane, block)
            planes.append(mode.plane(BlockRun(lane, domain, block, mode, budget).sweep()))
        return consume(block, planes)

    return run_units(targets, modules, units, work, options)


def results_cube(
    wasm: bytes,
    domain: Domain,
    options: SweepOptions | None = None,
    *,
    abi: FirmwareAbi | None = None,
) -> tuple[np.ndarray[Any, Any], BoolArray]:
    """Every result of one module as a [hour, count, unit_price] array, and its fault
    mask: for inspection, plots and small domains."""
    options = options or SweepOptions()
    target = load_target(wasm, options.limits, abi, always_meter=options.always_meter)
    cube = np.zeros(domain.shape, dtype=target.abi.numpy_dtype)
    faults = np.zeros(domain.shape, dtype=bool)

    def keep(block: Block, planes: list[tuple[np.ndarray[Any, Any], BoolArray | None]]) -> None:
        ((values, mask),) = planes
        rows = slice(block.row0, block.row0 + block.rows)
        cols = slice(block.col0, block.col0 + block.width)
        cube[block.hour_index, rows, cols] = values
        if mask is not None:
            faults[block.hour_index, rows, cols] = mask

    sweep_values([target], domain, options, keep)
    return cube, faults


def diff_versions(
    before: bytes,
    after: bytes,
    domain: Domain,
    *,
    labels: tuple[str, str] = ("before", "after"),
    abi: FirmwareAbi | None = None,
    options: SweepOptions | None = None,
) -> VersionDiff:
    """Sweep both modules in lockstep over one domain and report where they differ."""
    options = options or SweepOptions()
    started = time.perf_counter()
    targets = [
        load_target(wasm, options.limits, abi, always_meter=options.always_meter)
        for wasm in (before, after)
    ]

    def compare(block: Block, planes: list[Any]) -> tuple[BlockDiff | None, Finding]:
        (a, mask_a), (b, mask_b) = planes
        return block_diff(domain, block, a, b, (mask_a, mask_b))

    found = sweep_values(targets, domain, options, compare)
    by_hour: dict[int, BlockDiff] = {}
    for diff, _ in found:
        if diff is not None:
            known = by_hour.get(diff.hour_index)
            by_hour[diff.hour_index] = diff if known is None else known + diff
    return VersionDiff(
        before=labels[0],
        after=labels[1],
        domain=domain.to_dict(),
        by_hour=tuple(by_hour[h].hour_diff(domain) for h in sorted(by_hour)),
        changes=reduce(operator.add, (f for _, f in found), Finding()),
        elapsed_s=time.perf_counter() - started,
    )
