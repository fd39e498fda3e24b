"""The exhaustive tier runs a module exactly as the firmware does: same refusals, same
limits, same faults case by case, and fuel dropped only where it provably cannot run out.

The oracle is the firmware itself (PriceModule, one call per case, as a terminal
prices a sale): what it refuses, the tier refuses with the same type and message; what
it prices or faults on, the tier records the same way.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import wasmtime

import price_modules
from firmware_host.abi import FirmwareAbi
from firmware_host.errors import (
    FuelExhausted,
    ModuleFault,
    ModuleRejected,
    StackExhausted,
)
from firmware_host.runtime import PriceModule
from firmware_host.sandbox import Limits, Sandbox
from hil.exhaustive import Domain, SweepError, SweepOptions, results_cube, run_exhaustive
from hil.exhaustive.bounded import fuel_bound, state_write
from hil.exhaustive.domain import StatefulModule
from tests.test_exhaustive_results import price_wat

HOSTILE = Path(__file__).resolve().parent / "hostile"
TINY = Domain(range(12, 14), range(0, 3), range(0, 3))


def _wat(text: str) -> bytes:
    return bytes(wasmtime.wat2wasm(text))


def _corpus() -> list[str]:
    return sorted(p.stem for p in HOSTILE.glob("*.wat"))


def _hostile(name: str) -> bytes:
    return _wat((HOSTILE / f"{name}.wat").read_text(encoding="utf-8"))


def _firmware_refusal(wasm: bytes) -> ModuleRejected | None:
    try:
        PriceModule.load(wasm)
    except ModuleRejected as exc:
        return exc
    return None


REFUSED = [name for name in _corpus() if _firmware_refusal(_hostile(name)) is not None]
LOADABLE = [name for name in _corpus() if name not in REFUSED]
SPECIAL_KINDS = {FuelExhausted: "out_of_fuel", StackExhausted: "stack_overflow"}


@pytest.mark.parametrize("name", REFUSED)
def test_the_tier_refuses_what_the_firmware_refuses_with_its_words(name: str) -> None:
    wasm = _hostile(name)
    refusal = _firmware_refusal(wasm)
    with pytest.raises(ModuleRejected) as caught:
        run_exhaustive(wasm, TINY, 100, abi=FirmwareAbi.CURRENT)
    assert type(caught.value) is type(refusal)
    assert str(caught.value) == str(refusal)


def _same_kind(fault: ModuleFault, kind: str) -> bool:
    """The firmware's fault type and the sweep's fault kind name the same thing."""
    special = SPECIAL_KINDS.get(type(fault))
    return kind == special if special else kind not in SPECIAL_KINDS.values()


@pytest.mark.parametrize("name", LOADABLE)
def test_loadable_modules_fault_case_by_case_as_the_firmware_does(name: str) -> None:
    wasm = _hostile(name)
    if state_write(wasm) is not None:  # a reused instance is not what a terminal runs
        with pytest.raises(StatefulModule, match=r"expected code that writes no global"):
            results_cube(wasm, TINY)
        return
    cube, faults = results_cube(wasm, TINY)
    module = PriceModule.load(wasm)
    for index, (hour, count, unit) in enumerate(
        itertools.product(TINY.hours, TINY.counts, TINY.unit_prices)
    ):
        at = (index // 9, index // 3 % 3, index % 3)
        try:
            price = module.call(count, unit, hour)
        except ModuleFault:
            assert faults[at], (name, hour, count, unit)
            continue
        assert not faults[at] and cube[at] == price, (name, hour, count, unit)
    report = run_exhaustive(wasm, TINY, 100)
    for case in report.faults.examples:
        with pytest.raises(ModuleFault) as caught:
            module.call(case.count, case.unit_price, case.hour)
        assert _same_kind(caught.value, case.note), (name, case)


def test_the_corpus_splits_into_refused_and_loadable_modules() -> None:
    assert {"loop_in_price_func", "deep_recursion", "divide_by_count"} <= set(LOADABLE)
    assert {"start_traps", "data_beyond_memory_cap", "table_over_cap"} <= set(REFUSED)


def test_memory_growth_is_state_the_sweep_does_not_run() -> None:
    """Grown memory stays grown in a reused instance; each sale's fresh instance starts
    small again. The firmware's cap on growth: test_hostile_modules."""
    with pytest.raises(StatefulModule, match=r"found memory\.grow in function 0"):
        results_cube(_hostile("memory_grow_probe"), TINY)


def test_the_corpus_has_both_stateless_and_stateful_loadable_modules() -> None:
    stateful = {name for name in LOADABLE if state_write(_hostile(name)) is not None}
    assert {"memory_grow_bomb", "memory_grow_probe"} <= stateful
    assert {"loop_in_price_func", "deep_recursion", "divide_by_count"} <= set(LOADABLE) - stateful


def test_a_memory_cap_without_room_for_the_sweep_is_refused() -> None:
    options = SweepOptions(limits=Limits(memory_bytes=1000))
    with pytest.raises(SweepError, match=r"^memory cap: expected room for a sweep module"):
        run_exhaustive(_hostile("unreachable"), TINY, 100, options=options)


# --- fuel: dropped only where it cannot run out --------------------------------------

MODULE = '(module {extra} (func $p (export "price_func") (param i32 i32 i32) (result i32) {body}))'


@pytest.mark.parametrize(
    "body",
    [
        "(loop $l (br_if $l (local.get 0))) (i32.const 1)",
        "(call $p (i32.const 0) (i32.const 0) (i32.const 0))",
        "(return_call $p (i32.const 0) (i32.const 0) (i32.const 0))",
        "(drop (memory.grow (i32.const 1))) (i32.const 1)",
        "(memory.fill (i32.const 0) (i32.const 0) (i32.const 10)) (i32.const 1)",
        "(memory.copy (i32.const 0) (i32.const 1) (i32.const 10)) (i32.const 1)",
        "(drop (table.grow (ref.null func) (i32.const 1))) (i32.const 1)",
        "(table.fill (i32.const 0) (ref.null func) (i32.const 1)) (i32.const 1)",
        "(call_indirect (param i32 i32 i32) (result i32) (i32.const 0) (i32.const 0)"
        " (i32.const 0) (i32.const 0))",
    ],
)
def test_code_that_may_loop_call_or_scale_keeps_its_fuel(body: str) -> None:
    wasm = _wat(MODULE.format(extra="(memory 1) (table 1 funcref)", body=body))
    assert fuel_bound(wasm) is None


def test_a_start_function_that_loops_keeps_its_fuel() -> None:
    start = "(func $s (loop $l (br $l))) (start $s)"
    assert fuel_bound(_wat(MODULE.format(extra=start, body="(i32.const 1)"))) is None


def test_a_loop_outside_price_func_and_start_does_not_matter() -> None:
    helper = '(func $unused (export "unused") (loop $l (br $l)))'
    wasm = _wat(MODULE.format(extra=helper, body="(i32.const 1)"))
    assert fuel_bound(wasm) == 2 * len(wasm)


@pytest.mark.parametrize(
    "wasm", [b"", b"\0asm\x01\0\0\0\x0a\x05\x01\x03\x00\xff", b"\0asm\x01\0\0\0\x0a\xff\xff"]
)
def test_bytes_the_decoder_cannot_follow_keep_their_fuel(wasm: bytes) -> None:
    assert fuel_bound(wasm) is None


def _straight_line(ops: int) -> bytes:
    """A loop-free price function of about `ops` operators, every one of them executed."""
    body = "(local.get 0)" + " (i32.add (i32.const 3))" * ops
    flat = body.replace("(i32.add (i32.const 3))", "i32.const 3 i32.add")
    start = f"(func $s (drop {'(i32.add (i32.const 1) ' * 50}(i32.const 0){')' * 50})) (start $s)"
    return _wat(MODULE.format(extra=start, body=flat))


@pytest.mark.parametrize(
    "wasm",
    [price_modules.wasm_bytes(v) for v in price_modules.versions()]
    + [_straight_line(n) for n in (1, 100, 10_000)],
)
def test_the_bound_holds_for_the_fuel_the_firmware_counts(wasm: bytes) -> None:
    bound = fuel_bound(wasm)
    assert bound is not None
    plenty = 2**40
    sandbox = Sandbox(Limits(instantiation_fuel=2**32, call_fuel=2**32, max_module_bytes=2**20))
    store = sandbox.store()
    store.set_fuel(plenty)
    instance = wasmtime.Instance(store, sandbox.compile(wasm), [])
    assert plenty - store.get_fuel() <= bound
    price = instance.exports(store)["price_func"]
    assert isinstance(price, wasmtime.Func)
    args = (2**31 - 1, -7, 13)[: len(price.type(store).params)]
    for _ in range(3):
        store.set_fuel(plenty)
        price(store, *args)
        assert 0 < plenty - store.get_fuel() <= bound


def test_the_catalogue_sweeps_without_fuel_and_with_the_same_results() -> None:
    domain = Domain(range(24), range(-3, 3000, 37), range(-2, 3000, 41))
    for version in price_modules.versions():
        wasm = price_modules.wasm_bytes(version)
        bound = fuel_bound(wasm)
        assert bound is not None and bound <= Limits().call_fuel
        free = run_exhaustive(wasm, domain, 100).to_dict()
        metered = run_exhaustive(wasm, domain, 100, options=SweepOptions(always_meter=True))
        times = {"elapsed_s": 0, "cases_per_second": 0}
        assert free | times == metered.to_dict() | times


# --- recovery from traps -------------------------------------------------------------

# Traps where (count + unit price) is a multiple of 7: several traps in every row.
SEVENTHS = (
    "(if (i32.eqz (i32.rem_u (i32.add (local.get $count) (local.get $unit)) (i32.const 7)))"
    " (then unreachable)) (i32.mul (local.get $count) (local.get $unit))"
)


@pytest.mark.parametrize("always_meter", [False, True])
def test_many_traps_are_each_located_and_everything_else_evaluated(always_meter: bool) -> None:
    domain = Domain(range(3), range(0, 40), range(0, 50))
    options = SweepOptions(always_meter=always_meter)
    cube, faults = results_cube(price_wat(SEVENTHS), domain, options)
    cases = list(itertools.product(domain.hours, domain.counts, domain.unit_prices))
    trapping = [(c + u) % 7 == 0 for _, c, u in cases]
    fine = [(c, u) for (_, c, u), t in zip(cases, trapping, strict=True) if not t]
    assert faults.reshape(-1).tolist() == trapping
    assert cube[~faults].tolist() == [c * u for c, u in fine]
    report = run_exhaustive(price_wat(SEVENTHS), domain, 100, options=options)
    assert report.counts.trap == sum(trapping)
    assert report.counts.in_bounds == sum(c * u <= 100 for c, u in fine)
    assert report.counts.total == domain.size


def test_a_module_that_keeps_state_between_calls_is_not_swept() -> None:
    """Right on a reused instance, 0 on a fresh one (every sale of a terminal): what
    the sweep saw would prove nothing of what the terminal shows, so it refuses it."""
    liar = _wat(
        "(module (global $used (mut i32) (i32.const 0))"
        ' (func (export "price_func") (param i32 i32 i32) (result i32)'
        " (if (result i32) (global.get $used)"
        "  (then (i32.mul (local.get 0) (local.get 1)))"
        "  (else (global.set $used (i32.const 1)) (i32.const 0)))))"
    )
    fresh = PriceModule.load(liar)
    assert fresh.call(2, 10, 13) == 0 and fresh.call(2, 10, 13) == 0  # as a terminal sells
    with pytest.raises(StatefulModule, match=r"found global\.set in function 0"):
        run_exhaustive(liar, Domain(range(2), range(0, 10), range(0, 10)), 100)
