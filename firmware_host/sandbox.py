"""One definition of the price-module sandbox: its limits, engines, stores and faults.

The firmware runtime builds every engine, store and instance of a price module here,
and so does the exhaustive tier, so the two cannot drift apart: the same memory, table
and stack caps, the same fuel per call and per instantiation, the same disabled
proposals, the same fault types and messages. A module the firmware refuses cannot
pass a sweep.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import wasmtime

from firmware_host.abi import I32_MAX as I32_MAX
from firmware_host.abi import I32_MIN as I32_MIN
from firmware_host.errors import (
    FuelExhausted,
    InvalidInput,
    MalformedModule,
    ModuleFault,
    ModuleMemoryExceeded,
    ModuleTrap,
    StackExhausted,
)

PAGE_BYTES = 64 * 1024
DEFAULT_MAX_MODULE_BYTES = 64 * 1024


def check_range(field: str, value: int, low: int = I32_MIN, high: int = I32_MAX) -> int:
    """Checked in Python, where ints do not wrap; a module only ever sees valid i32s."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidInput(field, low, high, value)
    return value


@dataclass(frozen=True)
class Limits:
    """Resource caps of one module.

    The defaults fit v1-v4 (16 pages of memory, a few dozen fuel units a call) with room
    to spare, while an endless loop burns its fuel in well under a millisecond.
    """

    max_module_bytes: int = DEFAULT_MAX_MODULE_BYTES
    call_fuel: int = 200_000
    instantiation_fuel: int = 200_000
    memory_bytes: int = 32 * PAGE_BYTES
    wasm_stack_bytes: int = 256 * 1024
    table_elements: int = 1024

    def __post_init__(self) -> None:
        for item in fields(self):
            check_range(item.name, getattr(self, item.name), 1, 2**32)


DEFAULT_LIMITS = Limits()

# Proposals a price function never needs. Besides shrinking the attack surface, this
# matters for the host itself: wasmtime-py 50 aborts the whole process when it reads an
# export type holding v128 or a GC reference, so such modules must fail validation.
_DISABLED_PROPOSALS = (
    "wasm_simd",
    "wasm_relaxed_simd",
    "wasm_gc",
    "wasm_function_references",
    "wasm_exceptions",
    "wasm_stack_switching",
    "wasm_threads",
    "wasm_memory64",
    "wasm_multi_memory",
    "wasm_custom_page_sizes",
    "wasm_wide_arithmetic",
)


@cache
def _engine(wasm_stack_bytes: int, metered: bool) -> wasmtime.Engine:
    """One engine per stack cap and fuel mode (engine-wide settings), shared by all."""
    config = wasmtime.Config()
    config.consume_fuel = metered
    config.max_wasm_stack = wasm_stack_bytes
    for proposal in _DISABLED_PROPOSALS:
        setattr(config, proposal, False)
    return wasmtime.Engine(config)


# --- faults: a registry by trap code ----------------------------------------------


def trap_text(exc: Exception) -> str:
    """The trap's own words, without wasmtime's backtrace."""
    text = str(exc)
    marker = "wasm trap: "
    if marker in text:
        return text.split(marker, 1)[1].strip().splitlines()[0]
    return " ".join(text.split())


def _fuel_fault(stage: str, limits: Limits, fuel: int, exc: Exception) -> ModuleFault:
    return FuelExhausted(
        f"price module ran out of fuel {stage}: expected to finish within {fuel} fuel units, "
        f"found an endless or too long computation"
    )


def _stack_fault(stage: str, limits: Limits, fuel: int, exc: Exception) -> ModuleFault:
    return StackExhausted(
        f"price module overflowed the wasm stack {stage}: expected at most "
        f"{limits.wasm_stack_bytes} bytes of stack, found deeper recursion"
    )


def _memory_fault(stage: str, limits: Limits, fuel: int, exc: Exception) -> ModuleFault:
    return ModuleMemoryExceeded(
        f"price module needs more memory than allowed {stage}: expected at most "
        f"{limits.memory_bytes} bytes of linear memory and {limits.table_elements} table "
        f"elements, found: {trap_text(exc)}"
    )


def _trap_fault(stage: str, limits: Limits, fuel: int, exc: Exception) -> ModuleFault:
    return ModuleTrap(f"price module trapped {stage}: expected no trap, found: {trap_text(exc)}")


_FaultMaker = Callable[[str, Limits, int, Exception], ModuleFault]
_TRAP_FAULTS: dict[Any, _FaultMaker] = {
    wasmtime.TrapCode.OUT_OF_FUEL: _fuel_fault,
    wasmtime.TrapCode.STACK_OVERFLOW: _stack_fault,
}
_LIMIT_ERRORS = ("exceeds memory limits", "exceeds table limits")


@dataclass(frozen=True)
class Sandbox:
    """The limits a price module runs under, and how running code is interrupted.

    `metered` (the firmware's mode) charges fuel for every operator, so a call stops
    after `call_fuel` units. A sandbox without fuel is only for code that provably
    cannot use that much (the exhaustive tier checks the code before it drops fuel).
    """

    limits: Limits = DEFAULT_LIMITS
    metered: bool = True

    @property
    def engine(self) -> wasmtime.Engine:
        return _engine(self.limits.wasm_stack_bytes, self.metered)

    def compile(self, wasm: bytes) -> wasmtime.Module:
        try:
            return wasmtime.Module(self.engine, wasm)
        except wasmtime.WasmtimeError as exc:
            detail = " ".join(str(exc).split())
            raise MalformedModule(
                f"price module is malformed: expected a valid WebAssembly module, found: {detail}"
            ) from exc

    def store(self, *, instances: int = 1, memories: int = 1) -> wasmtime.Store:
        """A store capping every memory and table of its instances at the limits.

        A price module gets one instance, one table and one memory; a sweep adds its
        own instance and memory beside it, under the same per-memory cap.
        """
        limits = self.limits
        store = wasmtime.Store(self.engine)
        store.set_limits(
            memory_size=limits.memory_bytes,
            table_elements=limits.table_elements,
            instances=instances,
            tables=1,
            memories=memories,
        )
        return store

    def instantiate(
        self, store: wasmtime.Store, compiled: wasmtime.Module, imports: Sequence[Any] = ()
    ) -> wasmtime.Instance:
        """Instantiate under `instantiation_fuel`; a failure is the firmware's fault type."""
        if self.metered:
            store.set_fuel(self.limits.instantiation_fuel)
        try:
            return wasmtime.Instance(store, compiled, list(imports))
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            raise self.fault(exc, "at instantiation", self.limits.instantiation_fuel) from exc

    def fault(self, exc: Exception, stage: str, fuel: int) -> ModuleFault:
        """Map a wasmtime failure to the firmware's fault types, saying what it was."""
        if isinstance(exc, wasmtime.Trap):
            make = _TRAP_FAULTS.get(exc.trap_code, _trap_fault)
        elif any(marker in str(exc) for marker in _LIMIT_ERRORS):
            make = _memory_fault
        else:
            make = _trap_fault
        return make(stage, self.limits, fuel, exc)
