"""A price module as the sweep runs it: checked like the firmware checks it, then
instantiated beside a sweep module in a store with the firmware's limits.

Everything the firmware refuses, the sweep refuses with the firmware's own error
types and messages: the size, magic, compile and import checks, the export (against
one firmware's ABI, or any shape the sweep can call), and instantiation under the
same memory, table, stack and fuel limits (firmware_host.sandbox). The only thing the
sweep may drop is fuel, and only for code that provably cannot run out of it
(hil.exhaustive.bounded).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import wasmtime

from firmware_host.abi import FirmwareAbi, Signature
from firmware_host.errors import (
    ExportNotFunction,
    IncompatibleExportType,
    InstantiationFailed,
    MissingExport,
    ModuleFault,
)
from firmware_host.runtime import (
    EXPORT_NAME,
    ModuleInfo,
    check_export,
    compile_checked,
    signature_of,
)
from firmware_host.sandbox import DEFAULT_LIMITS, Limits, Sandbox
from hil.exhaustive.bounded import fuel_bound, state_write
from hil.exhaustive.domain import StatefulModule, SweepError
from hil.exhaustive.sweep_wat import ABIS, EXAMPLES, LAYOUT, Abi

SUPPORTED = " or ".join(str(Signature(params, results)) for params, results in ABIS)
OUT_OF_FUEL = "out_of_fuel"


@dataclass(frozen=True)
class Target:
    """A checked, compiled price module, the sweep ABI its export calls for, and the
    sandbox it runs in (the firmware's limits; fuel unless provably unneeded)."""

    module: wasmtime.Module
    info: ModuleInfo
    abi: Abi
    sandbox: Sandbox


def _sweep_abi(compiled: wasmtime.Module, info: ModuleInfo) -> Abi:
    """The export's shape must be one the sweep can call (the firmware ABI aside)."""
    kind = next((e.type for e in compiled.exports if e.name == EXPORT_NAME), None)
    wanted = f"a function {SUPPORTED}"
    if kind is None:
        found = ", ".join(f"{e.name} ({e.kind})" for e in info.exports) or "no exports"
        raise MissingExport(
            f"price module has no export {EXPORT_NAME!r}: expected {wanted}, found {found}"
        )
    if not isinstance(kind, wasmtime.FuncType):
        export = info.export(EXPORT_NAME)
        raise ExportNotFunction(
            f"price module export {EXPORT_NAME!r} is not a function: expected {wanted}, "
            f"found a {export.type if export else type(kind).__name__}"
        )
    found_sig = signature_of(kind)
    abi = ABIS.get((found_sig.params, found_sig.results))
    if abi is None:
        raise IncompatibleExportType(
            f"Incompatible Export Type: {EXPORT_NAME} expected {SUPPORTED}, found {found_sig}"
        )
    return abi


def load_target(
    wasm: bytes, limits: Limits, abi: FirmwareAbi | None = None, *, always_meter: bool = False
) -> Target:
    """Refuse what the firmware refuses; `abi` None accepts any shape in the sweep's
    registry (the f32 variant included), a firmware ABI exactly that firmware's."""
    bound = fuel_bound(wasm)
    metered = (
        always_meter or bound is None or bound > min(limits.call_fuel, limits.instantiation_fuel)
    )
    sandbox = Sandbox(limits, metered=metered)
    compiled, info = compile_checked(wasm, sandbox)
    if abi is not None:
        check_export(compiled, info, abi)
    target = Target(compiled, info, _sweep_abi(compiled, info), sandbox)
    Lane(target, None)  # the firmware's instantiation check, before any sweep starts
    writes = state_write(wasm)
    if writes is not None:  # what the firmware accepts, but the sweep cannot run as it does
        raise StatefulModule(
            f"the terminal prices every sale on a fresh instance of the module, the sweep "
            f"reuses one for many cases: expected code that writes no global, memory or "
            f"table, found {writes}; not swept (what a reused instance answered would "
            f"prove nothing of what a terminal shows)"
        )
    return target


class Lane:
    """One price instance and the sweep instance linked to its `price_func`, alone in a
    store (instances 2, memories 2, tables 1: the price module's own limits)."""

    def __init__(self, target: Target, sweep: wasmtime.Module | None) -> None:
        self.target = target
        self._sweep = sweep
        self.rebuild()

    def rebuild(self) -> None:
        """A fresh store and instances, as the firmware rebuilds after a fault."""
        sandbox = self.target.sandbox
        self.store = sandbox.store(instances=2, memories=2)
        try:
            price = sandbox.instantiate(self.store, self.target.module)
        except ModuleFault as fault:
            raise InstantiationFailed(fault) from fault
        self.price: Any = price.exports(self.store)[EXPORT_NAME]
        if self._sweep is None:
            return
        try:
            exports = wasmtime.Instance(self.store, self._sweep, [self.price]).exports(self.store)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            raise SweepError(f"sweep module: expected to instantiate, found: {exc}") from exc
        self.run: Any = exports["run"]
        self.run_tracked: Any = exports["run_tracked"]
        memory: Any = exports["memory"]
        raw = np.frombuffer(memory.get_buffer_ptr(self.store), dtype=np.uint8)
        self.counters = raw[LAYOUT.counters : LAYOUT.counters + 40].view("<i8")
        self.written = raw[LAYOUT.written : LAYOUT.written + 12].view("<i4")
        self.marks = raw[LAYOUT.row_mark : LAYOUT.case_mark + 4].view("<i4")
        self.args = raw[LAYOUT.args : LAYOUT.data].view("<i4")
        size = 3 * EXAMPLES * 16
        words = raw[LAYOUT.examples : LAYOUT.examples + size]
        self.example_words = words.view("<i4").reshape(3, EXAMPLES, 4)
        self.example_values = words.view(self.target.abi.numpy_dtype).reshape(3, EXAMPLES, 4)
        self.data = raw[LAYOUT.data :].view(self.target.abi.numpy_dtype)

    def set_fuel(self, fuel: int) -> None:
        if self.target.sandbox.metered:
            self.store.set_fuel(fuel)


def sweepable(wasm: bytes, limits: Limits = DEFAULT_LIMITS, abi: FirmwareAbi | None = None) -> None:
    """Raise the firmware's own refusal if a sweep of `wasm` could not start."""
    load_target(wasm, limits, abi)
