"""Run a sweep: every case of a block of a domain through a price module, in wasm.

A block is a rectangle of one hour's plane (count rows x a run of unit price
columns). The sweep module walks it in as few calls as possible; wasmtime releases
the GIL while the loop runs, so one worker per core keeps every core busy.

A trap aborts the wasm call. The lane is then rebuilt (as the firmware rebuilds an
instance after a fault), the block's state restored to where the call began, the
trapping case located, the cases before it evaluated again and the case recorded
as a fault; the sweep resumes after it.

Fuel, when the module needs it (hil.exhaustive.bounded), follows the firmware's rule
exactly, one `call_fuel` allowance per price call: each sweep call gets `call_fuel`
for all its cases together, so a call that completes proves every case in it stayed
within the allowance. When the pool runs out, the case it ran out on is called on
its own, directly, under `call_fuel`, as the firmware calls it: an out-of-fuel fault
only if it exhausts the allowance alone.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Protocol, TypeVar

import wasmtime

from firmware_host.deadlines import now
from firmware_host.sandbox import DEFAULT_LIMITS, PAGE_BYTES, Limits
from hil.exhaustive.domain import Domain, SweepError, SweepTimeout
from hil.exhaustive.lane import OUT_OF_FUEL, Lane, Target
from hil.exhaustive.sweep_wat import LAYOUT, RESULT_BYTES

T = TypeVar("T")

# Cases per wasm call at most: a few milliseconds of work, so the fault budget and
# the other workers are looked at often enough.
MAX_BATCH = 2**22
DEFAULT_MAX_FAULTS = 100_000
# Fuel for the sweep's own loop around one case whose price call was shown, by a
# direct call under `call_fuel`, to finish within the firmware's allowance.
LOOP_ALLOWANCE = 10_000


@dataclass(frozen=True)
class SweepOptions:
    """`max_faults`: faults before the rest is left unevaluated; `workers`: threads,
    each with its own stores (default: every available core); `limits`: the sandbox
    (the firmware's, unless a test asks otherwise); `always_meter`: charge fuel even
    when the code provably cannot run out of it (for tests and measurements);
    `deadline`: no block starts after it, and the sweep is a SweepTimeout."""

    max_faults: int = DEFAULT_MAX_FAULTS
    workers: int | None = None
    limits: Limits = DEFAULT_LIMITS
    always_meter: bool = False
    deadline: float | None = None  # on firmware_host.deadlines.now()'s clock

    def __post_init__(self) -> None:
        for name in ("max_faults", "workers"):
            value = getattr(self, name)
            if value is not None and value < 1:
                raise SweepError(f"{name}: expected at least 1, found {value}")


@dataclass(frozen=True)
class Block:
    """Rows `row0`.. of count indices x columns `col0`.. of unit price indices, at one
    hour; cases are numbered row by row from 0."""

    hour_index: int
    row0: int
    rows: int
    col0: int
    width: int

    @property
    def cases(self) -> int:
        return self.rows * self.width


def case_at(domain: Domain, block: Block, index: int) -> tuple[int, int, int]:
    """(hour, count, unit_price) of case `index` of a block."""
    row, col = divmod(index, block.width)
    return (
        domain.hours[block.hour_index],
        domain.counts[block.row0 + row],
        domain.unit_prices[block.col0 + col],
    )


@dataclass(frozen=True)
class Fault:
    """A case that produced no result: a trap, or a call that ran out of fuel."""

    index: int
    kind: str


@dataclass(frozen=True)
class Swept:
    """A block's faults, and where evaluation stopped if the fault budget ran out."""

    faults: tuple[Fault, ...]
    unevaluated_from: int | None


class Mode(Protocol):
    """What one kind of sweep does around each wasm call of a block."""

    def args(self, start: int, end: int) -> tuple[int, ...]:
        """The sweep function's arguments after the span."""

    def save(self) -> None:
        """Remember the block state a call starts from."""

    def restore(self) -> None:
        """Put that state into a rebuilt lane."""

    def commit(self, start: int, end: int) -> None:
        """Take in the results of a completed call."""


@dataclass
class FaultBudget:
    """Faults allowed across all workers before the sweep stops evaluating cases.

    Each fault costs a rebuild and a few calls, so a module that traps everywhere
    would otherwise take minutes; the rest is reported as unevaluated instead.
    """

    remaining: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    def spend(self) -> None:
        with self.lock:
            self.remaining -= 1

    def exhausted(self) -> bool:
        with self.lock:
            return self.remaining <= 0


def trap_kind(trap: wasmtime.Trap) -> str:
    code = trap.trap_code
    if code == wasmtime.TrapCode.OUT_OF_FUEL:
        return OUT_OF_FUEL
    return code.name.lower() if code is not None else "trap"


class BlockRun:
    """Every case of one block on one lane, with the recovery from traps."""

    def __init__(
        self, lane: Lane, domain: Domain, block: Block, mode: Mode, budget: FaultBudget
    ) -> None:
        self.lane, self.domain, self.block, self.mode = lane, domain, block, mode
        self.budget = budget
        self.metered = lane.target.sandbox.metered
        self.call_fuel = lane.target.sandbox.limits.call_fuel
        self.pending: Fault | None = None  # a located fault ahead
        self.verified: int | None = None  # a case whose price call alone is fine

    # --- positions ----------------------------------------------------------------

    def _marked(self, start: int, end: int, tracked: bool) -> tuple[int, int]:
        """The span of cases the marks narrow a trap in [start, end) down to."""
        row_mark, case_mark = (int(m) for m in self.lane.marks)
        width = self.block.width
        try:
            row = self.domain.counts.index(row_mark) - self.block.row0
        except ValueError:
            return start, end
        low, high = max(start, row * width), min(end, (row + 1) * width)
        if tracked:
            try:
                at = row * width + self.domain.unit_prices.index(case_mark) - self.block.col0
            except ValueError:
                return low, high
            if low <= at < high:
                return at, at + 1
        return (low, high) if low < high else (start, end)

    # --- calls --------------------------------------------------------------------

    def _call(self, start: int, end: int, tracked: bool, fuel: int) -> None:
        block, width = self.block, self.block.width
        first_row, col = divmod(start, width)
        last_row, last_col = divmod(end - 1, width)
        hour, count, _ = case_at(self.domain, self.block, start)
        unit0 = self.domain.unit_prices[block.col0]
        span = (hour, count, unit0, width, col, last_row - first_row + 1, last_col + 1)
        args = span + self.mode.args(start, end)
        self.lane.args[: len(args)] = args
        self.lane.set_fuel(fuel)
        run = self.lane.run_tracked if tracked else self.lane.run
        try:
            run(self.lane.store)
        except wasmtime.WasmtimeError as exc:  # not a trap of the module: the rig's own
            raise SweepError(f"sweep call: expected a result or a trap, found: {exc}") from exc

    def _fresh(self) -> None:
        self.lane.rebuild()
        self.mode.restore()

    def _trap_in(self, start: int, end: int) -> Fault | None:
        """Run [start, end) tracked: the fault it traps at, None if it completes."""
        try:
            self._call(start, end, True, self.call_fuel)
        except wasmtime.Trap as trap:
            at, _ = self._marked(start, end, True)
            return Fault(at, trap_kind(trap))
        return None

    def _alone(self, index: int) -> str | None:
        """The firmware's verdict on one case: its price call alone, under `call_fuel`."""
        hour, count, unit = case_at(self.domain, self.block, index)
        args = (count, unit, hour)[: len(self.lane.target.abi.params)]
        self.lane.set_fuel(self.call_fuel)
        try:
            self.lane.price(self.lane.store, *args)
        except wasmtime.Trap as trap:
            self._fresh()
            return trap_kind(trap)
        except wasmtime.WasmtimeError as exc:
            raise SweepError(f"price call: expected a result or a trap, found: {exc}") from exc
        return None

    def _recover(self, start: int, end: int, trap: wasmtime.Trap, grace: bool) -> int:
        """After a trap in [start, end): locate it and return where to go on from."""
        kind = trap_kind(trap)
        low, high = self._marked(start, end, self.metered)
        self._fresh()
        if grace:
            self.pending = Fault(start, kind)
            return start
        if high - low > 1:  # a fast run only marks rows: find the case in its row
            located = self._trap_in(low, high)
            self._fresh()
            if located is None:  # not in that row after all: the whole span, tracked
                located = self._trap_in(start, end)
                if located is None:  # the trap did not recur: that run stands
                    self.mode.commit(start, end)
                    return end
                self._fresh()
            low, kind = located.index, located.kind
        if kind == OUT_OF_FUEL:
            verdict = self._alone(low)
            if verdict is None:
                self.verified = low
                return start
            kind = verdict
        self.pending = Fault(low, kind)
        return start

    # --- the block ----------------------------------------------------------------

    def _end(self, pos: int, batch: int) -> int:
        end = min(self.block.cases, pos + batch)
        for stop in (None if self.pending is None else self.pending.index, self.verified):
            if stop is not None and stop > pos:
                end = min(end, stop)
        return end

    def _grown(self, batch: int, cases: int, fuel: int) -> int:
        """The next batch after `cases` completed: twice as many, or with fuel, as many
        as three quarters of one allowance covers at the rate just measured."""
        if not self.metered:
            return min(2 * batch, MAX_BATCH)
        used = max(1, fuel - self.lane.store.get_fuel())
        return max(1, min(MAX_BATCH, 3 * self.call_fuel * cases // (4 * used)))

    def sweep(self) -> Swept:
        pos, batch, total = 0, MAX_BATCH, self.block.cases
        faults: list[Fault] = []
        while pos < total:
            if self.pending is not None and self.pending.index == pos:
                faults.append(self.pending)
                self.budget.spend()
                self.pending, pos, batch = None, pos + 1, 1
                continue
            if self.budget.exhausted():
                return Swept(tuple(faults), pos)
            grace = pos == self.verified
            end = pos + 1 if grace else self._end(pos, batch)
            fuel = self.call_fuel + grace * LOOP_ALLOWANCE
            self.mode.save()
            try:
                self._call(pos, end, self.metered, fuel)
            except wasmtime.Trap as trap:
                resumed = self._recover(pos, end, trap, grace)
                batch = max(1, self._end(pos, MAX_BATCH) - pos) if self.metered else MAX_BATCH
                pos = resumed
                continue
            self.mode.commit(pos, end)
            if grace:
                self.verified = None
            pos, batch = end, self._grown(batch, end - pos, fuel)
        return Swept(tuple(faults), None)


def capacity(limits: Limits) -> int:
    """Cases a sweep module's data area holds: its memory stays within the firmware's
    cap, which every memory of the store shares with the price module's."""
    cases = ((limits.memory_bytes // PAGE_BYTES) * PAGE_BYTES - LAYOUT.data) // RESULT_BYTES
    if cases < 1:
        raise SweepError(
            f"memory cap: expected room for a sweep module (at least {PAGE_BYTES} bytes), "
            f"found {limits.memory_bytes} bytes"
        )
    return cases


def blocks(domain: Domain, width: int, rows: int | None) -> list[Block]:
    """The domain in blocks of at most `width` columns and `rows` rows (None: all), in
    sweep order: hour, then column block, then row block."""
    n_counts, n_units = len(domain.counts), len(domain.unit_prices)
    step = n_counts if rows is None else rows
    return [
        Block(h, row0, min(step, n_counts - row0), col0, min(width, n_units - col0))
        for h in range(len(domain.hours))
        for col0 in range(0, n_units, width)
        for row0 in range(0, n_counts, step)
    ]


def sweep_module(target: Target, text: str) -> wasmtime.Module:
    """Compile a generated sweep module for the target's engine (its store is shared)."""
    try:
        return wasmtime.Module(target.sandbox.engine, bytes(wasmtime.wat2wasm(text)))
    except wasmtime.WasmtimeError as exc:
        raise SweepError(f"sweep module: expected to compile, found: {exc}") from exc


def default_workers() -> int:
    """Every core this process may run on: wasm loops release the GIL."""
    return max(1, len(os.sched_getaffinity(0)))


def run_units(
    targets: Sequence[Target],
    sweeps: Sequence[wasmtime.Module],
    units: Sequence[Block],
    work: Callable[[list[Lane], Block, FaultBudget], T],
    options: SweepOptions,
) -> list[T]:
    """`work(lanes, block, budget)` for every unit, on worker threads that each own one
    lane per target; returns the results in unit order."""
    budget = FaultBudget(options.max_faults)
    workers = max(1, min(options.workers or default_workers(), len(units)))
    # Built here, not in the threads: a refusal surfaces before any work starts.
    lanes = [[Lane(t, s) for t, s in zip(targets, sweeps, strict=True)] for _ in range(workers)]
    results: dict[int, T] = {}
    cursor = iter(range(len(units)))
    lock = threading.Lock()

    def worker(mine: list[Lane]) -> None:
        while True:
            with lock:
                index = next(cursor, None)
            if index is None:
                return
            if options.deadline is not None and now() > options.deadline:
                raise SweepTimeout(
                    f"expected the sweep to finish by its deadline (twice the sweep budget), "
                    f"found it still running with {len(units) - len(results)} of "
                    f"{len(units)} blocks left: the estimate that admitted it missed this "
                    "module's cost"
                )
            results[index] = work(mine, units[index], budget)

    if workers == 1:
        worker(lanes[0])
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(worker, mine) for mine in lanes]:
                future.result()
    return [results[i] for i in range(len(units))]
