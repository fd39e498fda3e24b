"""The price-module sandbox: load, check and call a `price_func` under hard limits.

Every refusal happens here, before a module can price anything: bytes that are not a
wasm binary (wasmtime would happily compile WAT text), anything over the size cap,
any import (a price function is pure), and a `price_func` whose type is not the
firmware's ABI. Running code gets fuel, a memory cap and a wasm stack cap (all defined
once, in firmware_host.sandbox), so an endless loop, a memory bomb or deep recursion
becomes a typed fault in milliseconds.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import wasmtime

from firmware_host.abi import FirmwareAbi, Signature
from firmware_host.errors import (
    ExportNotFunction,
    ForbiddenImport,
    IncompatibleExportType,
    InstantiationFailed,
    MissingExport,
    ModuleFault,
    ModuleTooLarge,
    NotWasm,
)
from firmware_host.sandbox import DEFAULT_LIMITS, Sandbox
from firmware_host.sandbox import DEFAULT_MAX_MODULE_BYTES as DEFAULT_MAX_MODULE_BYTES
from firmware_host.sandbox import I32_MAX as I32_MAX
from firmware_host.sandbox import I32_MIN as I32_MIN
from firmware_host.sandbox import Limits as Limits
from firmware_host.sandbox import check_range as check_range

EXPORT_NAME = "price_func"
WASM_MAGIC = b"\0asm"


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


def inspect_module(wasm: bytes, limits: Limits = DEFAULT_LIMITS) -> ModuleInfo:
    """Declared imports and exports, after the same size and magic checks as a load."""
    _check_bytes(wasm, limits)
    return _info(wasm, Sandbox(limits).compile(wasm))


def export_signature(wasm: bytes, limits: Limits = DEFAULT_LIMITS) -> Signature | None:
    """The type of `price_func` as the binary declares it, None when no function of that
    name is exported; after the same size, magic and compile checks as a load. The one
    reader of a module's signature: the build, the manifest check and the sweep use it."""
    _check_bytes(wasm, limits)
    compiled = Sandbox(limits).compile(wasm)
    kind = next((e.type for e in compiled.exports if e.name == EXPORT_NAME), None)
    return signature_of(kind) if isinstance(kind, wasmtime.FuncType) else None


def check_imports(info: ModuleInfo) -> None:
    if info.imports:
        names = tuple(f"{i.module}.{i.name}" for i in info.imports)
        found = ", ".join(f"{i.module}.{i.name} ({i.kind})" for i in info.imports)
        raise ForbiddenImport(
            f"price module imports are forbidden: expected no imports (a price function is "
            f"pure), found {found}",
            names,
        )


def check_export(module: wasmtime.Module, info: ModuleInfo, abi: FirmwareAbi) -> None:
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


def compile_checked(wasm: bytes, sandbox: Sandbox) -> tuple[wasmtime.Module, ModuleInfo]:
    """Size, magic, validity and imports, the checks every load starts with; the export
    is checked by the caller against the ABI it calls."""
    _check_bytes(wasm, sandbox.limits)
    compiled = sandbox.compile(wasm)
    info = _info(wasm, compiled)
    check_imports(info)
    return compiled, info


class PriceModule:
    """A checked price module; every call runs on a fresh instance of it, so no state
    a module keeps (a global, its memory) survives from one sale to the next: a price
    is a function of its inputs alone, whatever sales came before. Safe to call from
    several threads."""

    def __init__(
        self, compiled: wasmtime.Module, info: ModuleInfo, abi: FirmwareAbi, limits: Limits
    ) -> None:
        """Use `PriceModule.load`; this only wires already-checked parts together."""
        self._compiled = compiled
        self.info = info
        self.sha256 = info.sha256
        self.size = info.size
        self.abi = abi
        self._passes_hour = abi.passes_hour  # once, not per call
        self.limits = limits
        self._sandbox = Sandbox(limits)
        self._instantiate()  # a module whose instantiation faults is refused at load

    @classmethod
    def load(
        cls, wasm: bytes, abi: FirmwareAbi = FirmwareAbi.CURRENT, limits: Limits = DEFAULT_LIMITS
    ) -> PriceModule:
        """Check and instantiate `wasm`; raises a `ModuleRejected` subclass on refusal."""
        compiled, info = compile_checked(wasm, Sandbox(limits))
        check_export(compiled, info, abi)
        try:
            return cls(compiled, info, abi, limits)
        except ModuleFault as fault:
            raise InstantiationFailed(fault) from fault

    def _instantiate(self) -> tuple[wasmtime.Store, Any]:
        """A fresh store per instance: its limits and fuel belong to this module alone."""
        store = self._sandbox.store()
        instance = self._sandbox.instantiate(store, self._compiled)
        return store, instance.exports(store)[EXPORT_NAME]

    def call(self, count: int, unit_price: int, hour: int) -> int:
        """The module's raw result, from an instance of its own (about 40 us more than
        reusing one: nothing on a terminal's scale); the hour is not passed to launch-ABI
        modules."""
        check_range("count", count)
        check_range("unit_price", unit_price)
        check_range("hour", hour)
        args = (count, unit_price, hour) if self._passes_hour else (count, unit_price)
        fuel = self.limits.call_fuel
        store, func = self._instantiate()  # a fault here is typed, as at load
        store.set_fuel(fuel)
        try:
            result: int = func(store, *args)
        except (wasmtime.Trap, wasmtime.WasmtimeError) as exc:
            raise self._sandbox.fault(exc, f"in {EXPORT_NAME}", fuel) from exc
        return result

    def __repr__(self) -> str:
        return f"PriceModule(abi={self.abi.value}, sha256={self.sha256[:12]}, size={self.size})"
