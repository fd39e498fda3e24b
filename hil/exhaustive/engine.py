"""Run a sweep: every case of a domain through one or more price modules, in wasm.

Each worker thread owns a wasmtime store holding, per module under test, an instance
of the price module and of a sweep module linked to its `price_func`. The store runs
one hour's plane at a time; wasmtime releases the GIL while the loop runs, so two
workers use both cores. A trap aborts the wasm call, so the host records the trapping
case and resumes with the next one. Fuel bounds each call in proportion to its case
count: an endless loop becomes an `out_of_fuel` fault instead of a hang.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np
import wasmtime

from firmware_host.abi import Signature
from firmware_host.errors import (
    ExportNotFunction,
    ForbiddenImport,
    IncompatibleExportType,
    MissingExport,
)
from firmware_host.runtime import EXPORT_NAME, inspect_module, signature_of
from hil.exhaustive.domain import Domain, SweepError
from hil.exhaustive.sweep_wat import ABIS, IMPORT_MODULE, IMPORT_NAME, Abi, sweep_wat

T = TypeVar("T")

# Cases per wasm call at most: bounds the fuel one endless loop can burn.
MAX_CALL_CASES = 65536
DEFAULT_FUEL_PER_CASE = 10_000
DEFAULT_MAX_FAULTS = 100_000
# Linear memory a price module may grow to, besides the sweep's result plane.
PRICE_MEMORY_LIMIT = 16 * 2**20
OUT_OF_FUEL = "out_of_fuel"


SUPPORTED = " or ".join(str(Signature(params, results)) for params, results in ABIS)


@dataclass(frozen=True)
class Target:
    """A compiled price module and the sweep ABI its export calls for."""

    module: wasmtime.Module
    abi: Abi


def load_target(engine: wasmtime.Engine, wasm: bytes) -> Target:
    """Refuse what the firmware refuses at load time, except the sweepable f32 variant.

    Size, magic bytes and validity are the firmware's own checks, and the errors are
    the firmware's types, so a module is refused here for the same reasons as on a
    terminal; the export may be any shape in the sweep's ABI registry.
    """
    info = inspect_module(wasm)
    if info.imports:
        names = tuple(f"{i.module}.{i.name}" for i in info.imports)
        raise ForbiddenImport(
            f"price module imports are forbidden: expected no imports, found {', '.join(names)}",
            names,
        )
    module = wasmtime.Module(engine, wasm)
    kind = next((e.type for e in module.exports if e.name == EXPORT_NAME), None)
    wanted = f"a function {SUPPORTED}"
    if kind is None:
        found = ", ".join(e.name for e in info.exports) or "no exports"
        raise MissingExport(
            f"price module has no export {EXPORT_NAME!r}: expected {wanted}, found {found}"
        )
    if not isinstance(kind, wasmtime.FuncType):
        raise ExportNotFunction(
            f"price module export {EXPORT_NAME!r} is not a function: expected {wanted}, "
            f"found a {type(kind).__name__}"
        )
    found_sig = signature_of(kind)
    abi = ABIS.get((found_sig.params, found_sig.results))
    if abi is None:
        raise IncompatibleExportType(
            f"Incompatible Export Type: {EXPORT_NAME} expected {SUPPORTED}, found {found_sig}"
        )
    return Target(module, abi)


@dataclass(frozen=True)
class Fault:
    """A case that produced no result: a trap, or a call that ran out of fuel."""

    index: int
    kind: str


@dataclass(frozen=True)
class Plane:
    """One module's results for one hour, viewed in place in the sweep's memory.

    `values` is only valid until the worker sweeps its next hour: consumers reduce it
    or copy it, never keep it. Values at fault or unevaluated indices are stale.
    """

    values: np.ndarray[Any, Any]
    faults: tuple[Fault, ...]
    unevaluated_from: int | None

    def excluded(self) -> np.ndarray[Any, np.dtype[np.bool_]] | None:
        """Mask of cases without a result, or None when every case has one."""
        if not self.faults and self.unevaluated_from is None:
            return None
        mask = np.zeros(self.values.size, dtype=bool)
        mask[[f.index for f in self.faults]] = True
        if self.unevaluated_from is not None:
            mask[self.unevaluated_from :] = True
        return mask.reshape(self.values.shape)


@dataclass
class FaultBudget:
    """Faults allowed across all workers before the sweep stops evaluating cases.

    Each fault costs a round trip through Python, so a module that traps everywhere
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


@dataclass(frozen=True)
class SweepOptions:
    """`fuel_per_case`: each case's allowance, pooled over a call (0: no fuel, no guard
    against endless loops); `max_faults`: faults before the rest is left unevaluated;
    `workers`: threads, each with its own store (default: both cores)."""

    fuel_per_case: int = DEFAULT_FUEL_PER_CASE
    max_faults: int = DEFAULT_MAX_FAULTS
    workers: int | None = None


class _Lane:
    """One module's price instance and linked sweep instance inside a worker's store."""

    def __init__(self, store: wasmtime.Store, target: Target, sweep: wasmtime.Module) -> None:
        engine = store.engine
        price = wasmtime.Instance(store, target.module, [])
        linker = wasmtime.Linker(engine)
        linker.define(store, IMPORT_MODULE, IMPORT_NAME, price.exports(store)[EXPORT_NAME])
        exports = linker.instantiate(store, sweep).exports(store)
        self.run: Any = exports["run"]
        self.next: Any = exports["next"]
        memory: Any = exports["memory"]
        self.raw: Any = memory.get_buffer_ptr(store)


class _Worker:
    def __init__(
        self,
        engine: wasmtime.Engine,
        lanes: Sequence[tuple[Target, wasmtime.Module]],
        domain: Domain,
        options: SweepOptions,
        budget: FaultBudget,
    ) -> None:
        self.store = wasmtime.Store(engine)
        self.store.set_limits(memory_size=max(domain.plane_bytes, PRICE_MEMORY_LIMIT))
        self.domain = domain
        self.options = options
        self.budget = budget
        self.lanes = [_Lane(self.store, target, sweep) for target, sweep in lanes]
        shape = domain.shape[1:]
        cases = shape[0] * shape[1]
        self.views = [
            np.frombuffer(lane.raw, dtype=target.abi.numpy_dtype, count=cases).reshape(shape)
            for lane, (target, _) in zip(self.lanes, lanes, strict=True)
        ]

    def _call(self, lane: _Lane, hour: int, start: int, count: int) -> None:
        if self.options.fuel_per_case:
            self.store.set_fuel(count * self.options.fuel_per_case)
        lane.run(self.store, hour, start, count)

    def plane(self, lane_index: int, hour: int) -> Plane:
        lane = self.lanes[lane_index]
        total = self.views[lane_index].size
        faults: list[Fault] = []
        start, batch = 0, MAX_CALL_CASES
        while start < total:
            if self.budget.exhausted():
                return Plane(self.views[lane_index], tuple(faults), start)
            count = min(batch, total - start)
            try:
                self._call(lane, hour, start, count)
            except wasmtime.Trap as trap:
                fuel = trap.trap_code == wasmtime.TrapCode.OUT_OF_FUEL
                # The loop records each case before calling it; clamp in case the
                # call trapped before recording its first case.
                at = min(max(int(lane.next.value(self.store)), start), start + count - 1)
                if fuel and count > 1:
                    # Some case in the batch overran; retry from the last one started,
                    # alone, on its own budget, to know whether it is the culprit.
                    start, batch = at, 1
                    continue
                kind = OUT_OF_FUEL if fuel else _trap_kind(trap)
                faults.append(Fault(at, kind))
                self.budget.spend()
                start = at + 1
                continue
            start += count
            batch = min(batch * 2, MAX_CALL_CASES)
        return Plane(self.views[lane_index], tuple(faults), None)


def _trap_kind(trap: wasmtime.Trap) -> str:
    code = trap.trap_code
    return code.name.lower() if code is not None else "trap"


def default_workers() -> int:
    """Both cores of the rig: wasm loops and numpy reductions both release the GIL."""
    return max(1, min(2, len(os.sched_getaffinity(0))))


def make_engine(fuel: bool) -> wasmtime.Engine:
    config = wasmtime.Config()
    config.cranelift_opt_level = "speed"
    config.consume_fuel = fuel
    return wasmtime.Engine(config)


def sweep(
    modules: Sequence[bytes],
    domain: Domain,
    consume: Callable[[int, tuple[Plane, ...]], T],
    options: SweepOptions | None = None,
) -> list[T]:
    """Run every module over `domain`, one hour at a time, and reduce each hour.

    `consume(hour_index, planes)` gets one Plane per module, all for the same hour,
    runs on a worker thread, and must not keep the planes' views. Returns the
    reductions in hour order.
    """
    options = options or SweepOptions()
    if options.fuel_per_case < 0 or options.max_faults < 1:
        raise SweepError(
            "fuel_per_case and max_faults: expected >= 0 and >= 1, found "
            f"{options.fuel_per_case} and {options.max_faults}"
        )
    engine = make_engine(options.fuel_per_case > 0)
    targets = [load_target(engine, wasm) for wasm in modules]
    grid = domain.grid()
    lanes = [
        (t, wasmtime.Module(engine, bytes(wasmtime.wat2wasm(sweep_wat(t.abi, grid)))))
        for t in targets
    ]
    budget = FaultBudget(options.max_faults)
    hours = len(domain.hours)
    workers = max(1, min(options.workers or default_workers(), hours))
    results: dict[int, T] = {}

    def work(first: int) -> None:
        worker = _Worker(engine, lanes, domain, options, budget)
        for index in range(first, hours, workers):
            hour = domain.hours[index]
            planes = tuple(worker.plane(i, hour) for i in range(len(lanes)))
            results[index] = consume(index, planes)

    if workers == 1:
        work(0)
    else:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            for future in [pool.submit(work, first) for first in range(workers)]:
                future.result()
    return [results[index] for index in range(hours)]


def results_cube(
    wasm: bytes, domain: Domain, options: SweepOptions | None = None
) -> tuple[np.ndarray[Any, Any], np.ndarray[Any, np.dtype[np.bool_]]]:
    """Every result of one module as a [hour, count, unit_price] array, and its fault mask.

    Copies each plane out of wasm memory: for inspection and small domains; the
    exhaustive tier reduces planes in place instead.
    """

    def keep(_: int, planes: tuple[Plane, ...]) -> tuple[np.ndarray[Any, Any], Any]:
        (plane,) = planes
        excluded = plane.excluded()
        mask = np.zeros(plane.values.shape, bool) if excluded is None else excluded
        return plane.values.copy(), mask

    kept = sweep([wasm], domain, keep, options)
    return np.stack([v for v, _ in kept]), np.stack([m for _, m in kept])
