"""The price-module sandbox: load, check and call a `price_func` under hard limits.

Every refusal happens here, before a module can price anything: bytes that are not a
wasm binary (wasmtime would happily compile WAT text), anything over the size cap,
any import (a price function is pure), and a `price_func` whose type is not the
firmware's ABI. Running code gets fuel, a memory cap and a wasm stack cap, so an
endless loop, a memory bomb or deep recursion becomes a typed fault in milliseconds.
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass, fields
from functools import cache
from typing import Any

import wasmtime

from firmware_host.abi import FirmwareAbi, Signature
from firmware_host.errors import (
    ExportNotFunction,
    ForbiddenImport,
    FuelExhausted,
    IncompatibleExportType,
    InstantiationFailed,
    InvalidInput,
    MalformedModule,
    MissingExport,
    ModuleFault,
    ModuleMemoryExceeded,
    ModuleTooLarge,
    ModuleTrap,
    NotWasm,
    StackExhausted,
)

EXPORT_NAME = "price_func"
WASM_MAGIC = b"\0asm"
I32_MIN, I32_MAX = -(2**31), 2**31 - 1
_PAGE = 64 * 1024
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
    memory_bytes: int = 32 * _PAGE
    wasm_stack_bytes: int = 256 * 1024
    table_elements: int = 1024

    def __post_init__(self) -> None:
        for item in fields(self):
            check_range(item.name, getattr(self, item.name), 1, 2**32)


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
def _engine(wasm_stack_bytes: int) -> wasmtime.Engine:
    """One engine per stack cap (an engine-wide setting), shared by every module."""
    config = wasmtime.Config()
    config.consume_fuel = True
    config.max_wasm_stack = wasm_stack_bytes
    for proposal in _DISABLED_PROPOSALS:
        setattr(config, proposal, False)
    return wasmtime.Engine(config)


# --- describing module items ------------------------------------------------------


# wasmtime-py prints externref as "anyref"; name value types as the text format does.
_VALTYPE_NAMES = (
    (wasmtime.ValType.i32(), "i32"),
    (wasmtime.ValType.i64(), "i64"),
    (wasmtime.ValType.f32(), "f32"),
    (wasmtime.ValType.f64(), "f64"),
    (wasmtime.ValType.funcref(), "funcref"),
    (wasmtime.ValType.externref(), "externref"),
)


def valtype_name(valtype: wasmtime.ValType) -> str:
    return next((name for known, name in _VALTYPE_NAMES if known == valtype), str(valtype))


def signature_of(func_type: wasmtime.FuncType) -> Signature:
    return Signature(
        tuple(valtype_name(t) for t in func_type.params),
        tuple(valtype_name(t) for t in func_type.results),
    )


def _describe_func(item: Any) -> str:
    return f"func {signature_of(item)}"


def _describe_global(item: Any) -> str:
    return f"global {'mut ' if item.mutable else ''}{valtype_name(item.content)}"


def _describe_memory(item: Any) -> str:
    limits = item.limits
    bound = "no maximum" if limits.max is None else f"maximum {limits.max}"
    return f"memory ({limits.min} pages, {bound})"


def _describe_table(item: Any) -> str:
    return f"table ({valtype_name(item.element)}, {item.limits.min} elements)"


_KINDS: dict[type, tuple[str, Any]] = {
    wasmtime.FuncType: ("function", _describe_func),
    wasmtime.GlobalType: ("global", _describe_global),
    wasmtime.MemoryType: ("memory", _describe_memory),
    wasmtime.TableType: ("table", _describe_table),
}


def _kind(item: Any) -> str:
    entry = _KINDS.get(type(item))
    return entry[0] if entry else type(item).__name__


def _describe(item: Any) -> str:
    entry = _KINDS.get(type(item))
    return entry[1](item) if entry else type(item).__name__


@dataclass(frozen=True)
class ItemInfo:
    """One import or export: `module` is empty for exports."""

    module: str
    name: str
    kind: str
    type: str


@dataclass(frozen=True)
class ModuleInfo:
    """What a module declares, for `pos-module inspect` and for refusal messages."""

    sha256: str
    size: int
    imports: tuple[ItemInfo, ...]
    exports: tuple[ItemInfo, ...]

    def export(self, name: str) -> ItemInfo | None:
        return next((e for e in self.exports if e.name == name), None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "sha256": self.sha256,
            "size": self.size,
            "imports": [vars(i) for i in self.imports],
            "exports": [{k: v for k, v in vars(e).items() if k != "module"} for e in self.exports],
        }


# --- load-time checks -------------------------------------------------------------


def _check_bytes(wasm: bytes, limits: Limits) -> None:
    if len(wasm) > limits.max_module_bytes:
        raise ModuleTooLarge(
            f"price module too large: expected at most {limits.max_module_bytes} bytes, "
            f"found {len(wasm)} bytes"
        )
    if not wasm.startswith(WASM_MAGIC):
        raise NotWasm(
            f"price module is not a WebAssembly binary: expected magic bytes "
            f"{WASM_MAGIC.hex(' ')} ({WASM_MAGIC!r}), found {wasm[:4].hex(' ') or 'nothing'} "
            f"({wasm[:4]!r})"
        )


def _compile(wasm: bytes, limits: Limits) -> wasmtime.Module:
    try:
        return wasmtime.Module(_engine(limits.wasm_stack_bytes), wasm)
    except wasmtime.WasmtimeError as exc:
        detail = " ".join(str(exc).split())
        raise MalformedModule(
            f"price module is malformed: expected a valid WebAssembly module, found: {detail}"
        ) from exc


def _info(wasm: bytes, module: wasmtime.Module) -> ModuleInfo:
    return ModuleInfo(
        sha256=hashlib.sha256(wasm).hexdigest(),
        size=len(wasm),
        imports=tuple(
            ItemInfo(i.module, i.name or "", _kind(i.type), _describe(i.type))
            for i in module.imports
        ),
        exports=tuple(
            ItemInfo("", e.name, _kind(e.type), _describe(e.type)) for e in module.exports
        ),
    )


def inspect_module(wasm: bytes, limits: Limits = Limits()) -> ModuleInfo:
    """Declared imports and exports, after the same size and magic checks as a load."""
    _check_bytes(wasm, limits)
    return _info(wasm, _compile(wasm, limits))


def export_signature(wasm: bytes, limits: Limits = Limits()) -> Signature | None:
    """The type of `price_func` as the binary declares it, None when no function of that
    name is exported; after the same size, magic and compile checks as a load. The one
    reader of a module's signature: the build, the manifest check and the sweep use it."""
    _check_bytes(wasm, limits)
    compiled = _compile(wasm, limits)
    kind = next((e.type for e in compiled.exports if e.name == EXPORT_NAME), None)
    return signature_of(kind) if isinstance(kind, wasmtime.FuncType) else None


def _check_imports(info: ModuleInfo) -> None:
    if info.imports:
        names = tuple(f"{i.module}.{i.name}" for i in info.imports)
        found = ", ".join(f"{i.module}.{i.name} ({i.kind})" for i in info.imports)
        raise ForbiddenImport(
            f"price module imports are forbidden: expected no imports (a price function is "
            f"pure), found {found}",
            names,
        )


def _check_export(module: wasmtime.Module, info: ModuleInfo, abi: FirmwareAbi) -> None:
    wanted = f"a function {abi.signature}"
    export = info.export(EXPORT_NAME)
    if export is None:
        found = ", ".join(f"{e.name} ({e.kind})" for e in info.exports) or "no exports"
        raise MissingExport(
            f"price module has no export {EXPORT_NAME!r}: expected {wanted}, found {found}"
        )
    item = next(e.type for e in module.exports if e.name == EXPORT_NAME)
    if not isinstance(item, wasmtime.FuncType):
        raise ExportNotFunction(
            f"price module export {EXPORT_NAME!r} is not a function: expected {wanted}, "
            f"found a {export.type}"
        )
    found_sig = signature_of(item)
    if found_sig != abi.signature:
        raise IncompatibleExportType(
            f"Incompatible Export Type: {EXPORT_NAME} expected {abi.signature}, found {found_sig}"
        )


# --- run-time containment ---------------------------------------------------------


def _trap_text(exc: Exception) -> str:
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
        f"elements, found: {_trap_text(exc)}"
    )


def _trap_fault(stage: str, limits: Limits, fuel: int, exc: Exception) -> ModuleFault:
    return ModuleTrap(f"price module trapped {stage}: expected no trap, found: {_trap_text(exc)}")


_TRAP_FAULTS = {
    wasmtime.TrapCode.OUT_OF_FUEL: _fuel_fault,
    wasmtime.TrapCode.STACK_OVERFLOW: _stack_fault,
}
_LIMIT_ERRORS = ("exceeds memory limits", "exceeds table limits")


def _fault(exc: Exception, stage: str, limits: Limits, fuel: int) -> ModuleFault:
    """Map a wasmtime failure to the firmware's fault types (a registry by trap code)."""
    if isinstance(exc, wasmtime.Trap):
        make = _TRAP_FAULTS.get(exc.trap_code, _trap_fault)  # type: ignore[arg-type]
    elif any(marker in str(exc) for marker in _LIMIT_ERRORS):
        make = _memory_fault
    else:
        make = _trap_fault
    return make(stage, limits, fuel, exc)


class PriceModule:
    """A checked, instantiated price module; safe to call from several threads."""

    def __init__(
        self, compiled: wasmtime.Module, info: ModuleInfo, abi: FirmwareAbi, limits: Limits
    ) -> None:
        """Use `PriceModule.load`; this only wires already-checked parts together."""
        self._compiled = compiled
        self._lock = threading.Lock()
        self.info = info
        self.sha256 = info.sha256
        self.size = info.size
        self.abi = abi
        self._passes_hour = abi.passes_hour  # once, not per call
        self.limits = limits
        self._store, self._func = self._instantiate()

    @classmethod
    def load(
        cls, wasm: bytes, abi: FirmwareAbi = FirmwareAbi.CURRENT, limits: Limits = Limits()
    ) -> PriceModule:
        """Check and instantiate `wasm`; raises a `ModuleRejected` subclass on refusal."""
        _check_bytes(wasm, limits)
        compiled = _compile(wasm, limits)
        info = _info(wasm, compiled)
        _check_imports(info)
        _check_export(compiled, info, abi)
        try:
            return cls(compiled, info, abi, limits)
        except ModuleFault as fault:
            raise InstantiationFailed(fault) from fault

    def _instantiate(self) -> tuple[wasmtime.Store, Any]:
        """A fresh store per instance: its limits and fuel belong to this module alone."""
        limits = self.limits
        store = wasmtime.Store(_engine(limits.wasm_stack_bytes))
        store.set_limits(
            memory_size=limits.memory_bytes,
            table_elements=limits.table_elements,
            instances=1,
            tables=1,
            memories=1,
        )
        store.set_fuel(limits.instantiation_fuel)
        try:
            instance = wasmtime.Instance(store, self._compiled, [])
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            raise _fault(exc, "at instantiation", limits, limits.instantiation_fuel) from exc
        return store, instance.exports(store)[EXPORT_NAME]

    def call(self, count: int, unit_price: int, hour: int) -> int:
        """The module's raw result; the hour is not passed to launch-ABI modules.

        After a fault the instance is rebuilt, so a half-finished call never leaves
        corrupted module state behind for the next sale.
        """
        check_range("count", count)
        check_range("unit_price", unit_price)
        check_range("hour", hour)
        args = (count, unit_price, hour) if self._passes_hour else (count, unit_price)
        with self._lock:
            self._store.set_fuel(self.limits.call_fuel)
            try:
                result: int = self._func(self._store, *args)
            except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
                fault = _fault(exc, f"in {EXPORT_NAME}", self.limits, self.limits.call_fuel)
                self._store, self._func = self._instantiate()
                raise fault from exc
        return result

    def __repr__(self) -> str:
        return f"PriceModule(abi={self.abi.value}, sha256={self.sha256[:12]}, size={self.size})"
