"""The hostile-module corpus: each one refused or contained with its own typed error.

Every case also checks that the host keeps running and that the module that was
pricing before (v3) still prices per its specification afterwards.
"""

from __future__ import annotations

import base64
import random
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import wasmtime
from freezegun import freeze_time

import price_modules
from firmware_host.abi import FirmwareAbi
from firmware_host.errors import (
    ExportNotFunction,
    FirmwareError,
    ForbiddenImport,
    FuelExhausted,
    IncompatibleExportType,
    InstantiationFailed,
    MalformedModule,
    MissingExport,
    ModuleFault,
    ModuleMemoryExceeded,
    ModuleTooLarge,
    ModuleTrap,
    NotWasm,
    StackExhausted,
)
from firmware_host.pricing import Pricer, Refused
from firmware_host.runtime import Limits, PriceModule
from tests import spec

CORPUS = Path(__file__).resolve().parent / "hostile"
FUEL = Limits().call_fuel
START_FUEL = Limits().instantiation_fuel
STACK = Limits().wasm_stack_bytes
MEMORY = Limits().memory_bytes
TABLE = Limits().table_elements
WANT_FUNC = "expected a function (i32, i32, i32) -> i32"
UNREACHABLE = "wasm `unreachable` instruction executed"


def hostile(name: str) -> bytes:
    return bytes(wasmtime.wat2wasm((CORPUS / f"{name}.wat").read_text(encoding="utf-8")))


@pytest.fixture
def running() -> Iterator[Pricer]:
    """The module in service before each hostile one arrives; it must survive."""
    pricer = Pricer(PriceModule.load(price_modules.wasm_bytes("v3")))
    yield pricer
    with freeze_time("2026-01-01 13:00"):
        assert pricer.calculate_price(2, 10).price == spec.v3(2, 10, 13) == 20
    with freeze_time("2026-01-01 15:00"):
        assert pricer.calculate_price(3, 7).price == spec.v3(3, 7, 15) == 10


# --- refused at load time ---------------------------------------------------------

LOAD_REFUSALS = [
    (
        "wasi_import",
        ForbiddenImport,
        "price module imports are forbidden: expected no imports (a price function is pure), "
        "found wasi_snapshot_preview1.fd_write (function)",
    ),
    (
        "env_import",
        ForbiddenImport,
        "price module imports are forbidden: expected no imports (a price function is pure), "
        "found env.now (function), env.memory (memory)",
    ),
    (
        "missing_export",
        MissingExport,
        f"price module has no export 'price_func': {WANT_FUNC}, found price (function)",
    ),
    (
        "price_func_global",
        ExportNotFunction,
        f"price module export 'price_func' is not a function: {WANT_FUNC}, found a global i32",
    ),
    (
        "price_func_memory",
        ExportNotFunction,
        f"price module export 'price_func' is not a function: {WANT_FUNC}, "
        "found a memory (1 pages, no maximum)",
    ),
    (
        "price_func_table",
        ExportNotFunction,
        f"price module export 'price_func' is not a function: {WANT_FUNC}, "
        "found a table (funcref, 1 elements)",
    ),
]


MALFORMED = "price module is malformed: expected a valid WebAssembly module, found: "
# Types outside what a price function needs; each used to abort the host process.
LOAD_REFUSALS += [
    (
        "simd_signature",
        MalformedModule,
        f"{MALFORMED}failed to parse WebAssembly module Caused by: "
        "SIMD support is not enabled (at offset 0xb)",
    ),
    (
        "gc_ref_signature",
        MalformedModule,
        f"{MALFORMED}failed to parse WebAssembly module Caused by: "
        "heap types not supported without the gc feature (at offset 0xb)",
    ),
    (
        "exnref_table",
        MalformedModule,
        f"{MALFORMED}failed to parse WebAssembly module Caused by: "
        "exception refs not supported without the exception handling feature (at offset 0xb)",
    ),
]


@pytest.mark.parametrize(("name", "error", "message"), LOAD_REFUSALS)
def test_refused_at_load(running: Pricer, name: str, error: type, message: str) -> None:
    with pytest.raises(error) as caught:
        PriceModule.load(hostile(name))
    assert type(caught.value) is error
    assert str(caught.value) == message


def test_forbidden_import_lists_names(running: Pricer) -> None:
    with pytest.raises(ForbiddenImport) as caught:
        PriceModule.load(hostile("env_import"))
    assert caught.value.imports == ("env.now", "env.memory")


INSTANTIATION_FAULTS = [
    (
        "loop_in_start",
        FuelExhausted,
        f"price module ran out of fuel at instantiation: expected to finish within "
        f"{START_FUEL} fuel units, found an endless or too long computation",
    ),
    (
        "start_traps",
        ModuleTrap,
        f"price module trapped at instantiation: expected no trap, found: {UNREACHABLE}",
    ),
    (
        "data_out_of_bounds",
        ModuleTrap,
        "price module trapped at instantiation: expected no trap, found: "
        "out of bounds memory access",
    ),
    (
        "memory_huge_initial",
        ModuleMemoryExceeded,
        f"price module needs more memory than allowed at instantiation: expected at most "
        f"{MEMORY} bytes of linear memory and {TABLE} table elements, found: "
        "memory minimum size of 65536 pages exceeds memory limits",
    ),
    (
        "data_beyond_memory_cap",
        ModuleMemoryExceeded,
        f"price module needs more memory than allowed at instantiation: expected at most "
        f"{MEMORY} bytes of linear memory and {TABLE} table elements, found: "
        "memory minimum size of 33 pages exceeds memory limits",
    ),
    (
        "table_over_cap",
        ModuleMemoryExceeded,
        f"price module needs more memory than allowed at instantiation: expected at most "
        f"{MEMORY} bytes of linear memory and {TABLE} table elements, found: "
        "table minimum size of 1025 elements exceeds table limits",
    ),
    (
        "table_huge_initial",
        ModuleMemoryExceeded,
        f"price module needs more memory than allowed at instantiation: expected at most "
        f"{MEMORY} bytes of linear memory and {TABLE} table elements, found: "
        "table minimum size of 10000000 elements exceeds table limits",
    ),
]


@pytest.mark.parametrize(("name", "fault", "message"), INSTANTIATION_FAULTS)
def test_refused_at_instantiation(running: Pricer, name: str, fault: type, message: str) -> None:
    with pytest.raises(InstantiationFailed) as caught:
        PriceModule.load(hostile(name))
    assert type(caught.value.fault) is fault
    assert str(caught.value) == str(caught.value.fault) == message


# --- contained while running ------------------------------------------------------

CALL_FAULTS = [
    (
        "loop_in_price_func",
        FuelExhausted,
        f"price module ran out of fuel in price_func: expected to finish within {FUEL} "
        "fuel units, found an endless or too long computation",
    ),
    (
        "deep_recursion",
        StackExhausted,
        f"price module overflowed the wasm stack in price_func: expected at most {STACK} "
        "bytes of stack, found deeper recursion",
    ),
    (
        "unreachable",
        ModuleTrap,
        f"price module trapped in price_func: expected no trap, found: {UNREACHABLE}",
    ),
    (
        "memory_grow_bomb",
        ModuleTrap,
        f"price module trapped in price_func: expected no trap, found: {UNREACHABLE}",
    ),
]


@pytest.mark.parametrize(("name", "fault", "message"), CALL_FAULTS)
def test_contained_while_running(running: Pricer, name: str, fault: type, message: str) -> None:
    pricer = Pricer(PriceModule.load(hostile(name)))
    for _ in range(2):  # the rebuilt instance faults the same way, the host carries on
        with pytest.raises(fault) as caught:
            pricer.calculate_price(1, 1)
        assert type(caught.value) is fault
        assert str(caught.value) == message
    refused = pricer.try_price(1, 1)
    assert isinstance(refused, Refused) and type(refused.error) is fault


def test_memory_growth_stops_exactly_at_the_cap(running: Pricer) -> None:
    module = PriceModule.load(hostile("memory_grow_probe"))
    assert module.call(1, 1, 13) == MEMORY // 65536
    small = PriceModule.load(hostile("memory_grow_probe"), limits=Limits(memory_bytes=3 * 65536))
    assert small.call(1, 1, 13) == 3


def test_a_fault_does_not_poison_the_next_sale(running: Pricer) -> None:
    pricer = Pricer(PriceModule.load(hostile("divide_by_count")))
    with pytest.raises(ModuleTrap, match=r"found: integer divide by zero$"):
        pricer.calculate_price(0, 10)
    assert pricer.calculate_price(2, 10).price == 5


# --- every wrong signature --------------------------------------------------------

WRONG_SIGNATURES = [
    ("i32 i32 i32", "f32", "(i32, i32, i32) -> f32"),
    ("i32 i32 i32", "i64", "(i32, i32, i32) -> i64"),
    ("i32 i32 i32", "f64", "(i32, i32, i32) -> f64"),
    ("i32 i32 i32", "externref", "(i32, i32, i32) -> externref"),
    ("i32 i32 i32", "", "(i32, i32, i32) -> ()"),
    ("i32 i32 i32", "i32 i32", "(i32, i32, i32) -> (i32, i32)"),
    ("i32 i32", "i32", "(i32, i32) -> i32"),
    ("i32 i32 i32 i32", "i32", "(i32, i32, i32, i32) -> i32"),
    ("i32", "i32", "(i32) -> i32"),
    ("", "i32", "() -> i32"),
    ("i64 i32 i32", "i32", "(i64, i32, i32) -> i32"),
    ("i32 i32 f32", "i32", "(i32, i32, f32) -> i32"),
    ("f64 f64 f64", "f64", "(f64, f64, f64) -> f64"),
]


ZERO = {
    "i32": "(i32.const 0)",
    "i64": "(i64.const 0)",
    "f32": "(f32.const 0)",
    "f64": "(f64.const 0)",
    "externref": "(ref.null extern)",
}


def _with_signature(params: str, results: str) -> bytes:
    param = f"(param {params})" if params else ""
    result = f"(result {results})" if results else ""
    body = " ".join(ZERO[kind] for kind in results.split())
    wat = f'(module (func (export "price_func") {param} {result} {body}))'
    return bytes(wasmtime.wat2wasm(wat))


@pytest.mark.parametrize(("params", "results", "found"), WRONG_SIGNATURES)
def test_wrong_signature_for_current_firmware(
    running: Pricer, params: str, results: str, found: str
) -> None:
    with pytest.raises(IncompatibleExportType) as caught:
        PriceModule.load(_with_signature(params, results))
    assert str(caught.value) == (
        f"Incompatible Export Type: price_func expected (i32, i32, i32) -> i32, found {found}"
    )


@pytest.mark.parametrize(("params", "results"), [("i32 i32 i32", "i32"), ("i32 i32", "f32")])
def test_wrong_signature_for_launch_firmware(running: Pricer, params: str, results: str) -> None:
    with pytest.raises(IncompatibleExportType, match=r"^Incompatible Export Type: price_func "):
        PriceModule.load(_with_signature(params, results), FirmwareAbi.LAUNCH)


# --- bytes that are not a module --------------------------------------------------

WAT_TEXT = b'(module (func (export "price_func") (param i32 i32 i32) (result i32) i32.const 7))'
NOT_WASM = [
    ("wat_text", WAT_TEXT, "28 6d 6f 64 (b'(mod')"),
    ("wat_in_base64", base64.b64decode(base64.b64encode(WAT_TEXT)), "28 6d 6f 64 (b'(mod')"),
    (
        "base64_left_encoded",
        base64.b64encode(price_modules.wasm_bytes("v3")),
        "41 47 46 7a (b'AGFz')",
    ),
    ("empty", b"", "nothing (b'')"),
    ("json_document", b'{"module": "AGFzbQ=="}', "7b 22 6d 6f (b'{\"mo')"),
]


@pytest.mark.parametrize(
    ("payload", "found"), [c[1:] for c in NOT_WASM], ids=[c[0] for c in NOT_WASM]
)
def test_not_wasm(running: Pricer, payload: bytes, found: str) -> None:
    with pytest.raises(NotWasm) as caught:
        PriceModule.load(payload)
    assert str(caught.value) == (
        "price module is not a WebAssembly binary: expected magic bytes 00 61 73 6d "
        f"(b'\\x00asm'), found {found}"
    )


def test_random_bytes(running: Pricer) -> None:
    rng = random.Random(20260101)
    for _ in range(50):
        payload = rng.randbytes(rng.randrange(1, 300))
        with pytest.raises((NotWasm, MalformedModule)):
            PriceModule.load(payload)
        with pytest.raises(MalformedModule):
            PriceModule.load(b"\0asm\x01\0\0\0" + payload.replace(b"\0", b"\x7f"))


@pytest.mark.parametrize("length", [4, 7, 9, 20, 100, 228])
def test_truncated_module(running: Pricer, length: int) -> None:
    with pytest.raises(MalformedModule) as caught:
        PriceModule.load(price_modules.wasm_bytes("v3")[:length])
    assert re.fullmatch(
        re.escape(MALFORMED) + r"failed to parse WebAssembly module Caused by: .+",
        str(caught.value),
    )


def _custom_section(name: bytes, payload: bytes) -> bytes:
    """A wasm custom section (id 0): valid anywhere, ignored by the engine."""
    body = _leb128(len(name)) + name + payload
    return b"\0" + _leb128(len(body)) + body


def _leb128(value: int) -> bytes:
    out = bytearray()
    while True:
        byte, value = value & 0x7F, value >> 7
        out.append(byte | (0x80 if value else 0))
        if not value:
            return bytes(out)


def test_module_over_size_cap(running: Pricer) -> None:
    padded = price_modules.wasm_bytes("v3") + _custom_section(b"padding", b"\0" * 70_000)
    with pytest.raises(ModuleTooLarge) as caught:
        PriceModule.load(padded)
    assert str(caught.value) == (
        f"price module too large: expected at most 65536 bytes, found {len(padded)} bytes"
    )
    # The same bytes are a valid module: only the cap refused them.
    roomy = PriceModule.load(padded, limits=Limits(max_module_bytes=len(padded)))
    assert roomy.call(2, 10, 13) == spec.v3(2, 10, 13)


def test_every_corpus_file_is_exercised() -> None:
    used = {c[0] for c in LOAD_REFUSALS + INSTANTIATION_FAULTS + CALL_FAULTS}
    used |= {"memory_grow_probe", "divide_by_count"}
    assert {p.stem for p in CORPUS.glob("*.wat")} == used


def test_errors_are_firmware_errors() -> None:
    for error in (ModuleTooLarge, NotWasm, MalformedModule, InstantiationFailed):
        assert issubclass(error, FirmwareError)
    for fault in (ModuleTrap, FuelExhausted, ModuleMemoryExceeded, StackExhausted):
        assert issubclass(fault, ModuleFault)
