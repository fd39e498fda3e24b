"""The runtime: ABI checks per firmware, inspection, input ranges, limits, threads."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
import wasmtime

import price_modules
from firmware_host.abi import FirmwareAbi
from firmware_host.errors import (
    FuelExhausted,
    IncompatibleExportType,
    InvalidInput,
    ModuleTrap,
    NotWasm,
    StackExhausted,
    UnknownAbi,
)
from firmware_host.runtime import ItemInfo, Limits, PriceModule, inspect_module
from tests import spec

HOSTILE = Path(__file__).resolve().parent / "hostile"
CURRENT_ABI = "(i32, i32, i32) -> i32"
LAUNCH_ABI = "(i32, i32) -> i32"


def _hostile(name: str) -> bytes:
    return bytes(wasmtime.wat2wasm((HOSTILE / f"{name}.wat").read_text(encoding="utf-8")))


ABI_MATRIX = [
    ("v1", FirmwareAbi.LAUNCH, None),
    ("v1", FirmwareAbi.CURRENT, f"expected {CURRENT_ABI}, found {LAUNCH_ABI}"),
    ("v2", FirmwareAbi.LAUNCH, f"expected {LAUNCH_ABI}, found {CURRENT_ABI}"),
    ("v2", FirmwareAbi.CURRENT, None),
    ("v3", FirmwareAbi.LAUNCH, f"expected {LAUNCH_ABI}, found {CURRENT_ABI}"),
    ("v3", FirmwareAbi.CURRENT, None),
    ("v4", FirmwareAbi.LAUNCH, f"expected {LAUNCH_ABI}, found (i32, i32, i32) -> f32"),
    ("v4", FirmwareAbi.CURRENT, f"expected {CURRENT_ABI}, found (i32, i32, i32) -> f32"),
]


@pytest.mark.parametrize(("version", "abi", "refusal"), ABI_MATRIX)
def test_each_firmware_accepts_only_its_abi(
    version: str, abi: FirmwareAbi, refusal: str | None
) -> None:
    wasm = price_modules.wasm_bytes(version)
    if refusal is None:
        module = PriceModule.load(wasm, abi)
        assert (module.abi, module.sha256, module.size) == (
            abi,
            price_modules.manifest(version).sha256,
            price_modules.manifest(version).size,
        )
    else:
        with pytest.raises(IncompatibleExportType) as caught:
            PriceModule.load(wasm, abi)
        assert str(caught.value) == f"Incompatible Export Type: price_func {refusal}"


def test_abi_names_and_signatures() -> None:
    assert FirmwareAbi.from_name("current") is FirmwareAbi.CURRENT
    assert FirmwareAbi.from_name("launch") is FirmwareAbi.LAUNCH
    assert str(FirmwareAbi.CURRENT.signature) == CURRENT_ABI
    assert str(FirmwareAbi.LAUNCH.signature) == LAUNCH_ABI
    with pytest.raises(UnknownAbi) as caught:
        FirmwareAbi.from_name("beta")
    assert str(caught.value) == "abi: expected one of launch, current, found 'beta'"


def test_launch_module_is_called_without_the_hour() -> None:
    module = PriceModule.load(price_modules.wasm_bytes("v1"), FirmwareAbi.LAUNCH)
    assert [module.call(3, 7, h) for h in (0, 13, 23)] == [spec.v1(3, 7)] * 3


def test_raw_call_wraps_like_the_module_does() -> None:
    module = PriceModule.load(price_modules.wasm_bytes("v3"))
    assert module.call(65536, 65537, 13) == spec.wrap_i32(65536 * 65537)
    assert module.call(2**31 - 1, 2, 13) == spec.v3(2**31 - 1, 2, 13)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((2**31, 1, 13), "count: expected -2147483648..2147483647, found 2147483648"),
        ((1, -(2**31) - 1, 13), "unit_price: expected -2147483648..2147483647, found -2147483649"),
        ((1, 1, 2**40), "hour: expected -2147483648..2147483647, found 1099511627776"),
    ],
)
def test_raw_call_refuses_values_outside_i32(args: tuple[int, int, int], message: str) -> None:
    module = PriceModule.load(price_modules.wasm_bytes("v3"))
    with pytest.raises(InvalidInput) as caught:
        module.call(*args)
    assert str(caught.value) == message


def test_inspect_lists_exports_with_types() -> None:
    info = inspect_module(price_modules.wasm_bytes("v4"))
    assert info.imports == ()
    assert info.export("price_func") == ItemInfo(
        "", "price_func", "function", "func (i32, i32, i32) -> f32"
    )
    assert info.sha256 == price_modules.manifest("v4").sha256
    assert {e.name: e.kind for e in info.exports}["memory"] == "memory"
    assert info.as_dict()["exports"][0].keys() == {"name", "kind", "type"}


def test_inspect_shows_imports_that_a_load_refuses() -> None:
    info = inspect_module(_hostile("wasi_import"))
    assert info.imports == (
        ItemInfo(
            "wasi_snapshot_preview1", "fd_write", "function", "func (i32, i32, i32, i32) -> i32"
        ),
    )


def test_inspect_never_parses_text() -> None:
    with pytest.raises(NotWasm):
        inspect_module(b'(module (func (export "price_func")))')


def test_fuel_limit_is_per_call() -> None:
    module = PriceModule.load(price_modules.wasm_bytes("v3"), limits=Limits(call_fuel=1))
    with pytest.raises(FuelExhausted, match=r"expected to finish within 1 fuel units"):
        module.call(2, 10, 13)
    roomy = PriceModule.load(price_modules.wasm_bytes("v3"), limits=Limits(call_fuel=50))
    assert [roomy.call(2, 10, 13) for _ in range(100)] == [20] * 100


def test_limits_must_be_positive() -> None:
    with pytest.raises(InvalidInput) as caught:
        Limits(memory_bytes=0)
    assert str(caught.value) == "memory_bytes: expected 1..4294967296, found 0"


def test_stack_limit_is_configurable() -> None:
    module = PriceModule.load(_hostile("deep_recursion"), limits=Limits(wasm_stack_bytes=65536))
    with pytest.raises(StackExhausted, match=r"expected at most 65536 bytes of stack"):
        module.call(1, 1, 13)


def test_one_module_prices_from_several_threads() -> None:
    """Faults rebuild the instance under the lock while other threads keep pricing."""
    module = PriceModule.load(_hostile("divide_by_count"))
    wrong: list[tuple[int, int, object]] = []
    start = threading.Barrier(4)

    def seller(seed: int) -> None:
        start.wait(timeout=10)
        for i in range(300):
            count, unit_price = (seed + i) % 7, 10 * seed + i
            try:
                got: object = module.call(count, unit_price, 13)
                want: object = int(unit_price / count) if count else ModuleTrap
            except ModuleTrap:
                got, want = ModuleTrap, ModuleTrap if count == 0 else "a price"
            if got != want:
                wrong.append((count, unit_price, got))

    threads = [threading.Thread(target=seller, args=(seed,)) for seed in range(1, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not any(thread.is_alive() for thread in threads)
    assert wrong == []


# Counts its calls in a global and its memory, and charges 999 from the fourth call on.
COUNTS_ITS_CALLS = """(module
  (memory 1)
  (global $calls (mut i32) (i32.const 0))
  (func (export "price_func") (param $count i32) (param $unit i32) (param $hour i32)
        (result i32)
    (global.set $calls (i32.add (global.get $calls) (i32.const 1)))
    (i32.store (i32.const 0) (i32.add (i32.load (i32.const 0)) (i32.const 1)))
    (if (i32.or (i32.gt_s (global.get $calls) (i32.const 3))
                (i32.gt_s (i32.load (i32.const 0)) (i32.const 3)))
      (then (return (i32.const 999))))
    (i32.mul (local.get $count) (local.get $unit))))"""


def test_no_state_survives_from_one_sale_to_the_next() -> None:
    """A price is a function of the sale alone: a module that keeps count of its calls
    (in a global or in memory) sees every sale as its first."""
    module = PriceModule.load(bytes(wasmtime.wat2wasm(COUNTS_ITS_CALLS)))
    assert [module.call(2, 10, 13) for _ in range(10)] == [20] * 10
