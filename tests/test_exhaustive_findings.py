"""Faults, wrap-around, falling prices and version differences of the exhaustive tier.

The test modules are written in WAT; each expectation is computed in Python from the
rule the WAT implements or from tests/spec.py, never from the tier's own output.
"""

from __future__ import annotations

import itertools

import pytest
import wasmtime

import price_modules
from firmware_host.errors import (
    ForbiddenImport,
    FuelExhausted,
    IncompatibleExportType,
    MalformedModule,
    MissingExport,
    ModuleRejected,
    NotWasm,
)
from firmware_host.runtime import Limits, PriceModule
from hil.exhaustive import (
    ClassCounts,
    Domain,
    DomainError,
    SweepError,
    SweepOptions,
    diff_versions,
    results_cube,
    run_exhaustive,
)
from tests import spec
from tests.test_exhaustive_results import price_wat

SMALL = Domain(range(24), range(0, 30), range(0, 30))
AT_5_3_4 = (
    "(i32.and (i32.and (i32.eq (local.get $hour) (i32.const 5))"
    " (i32.eq (local.get $count) (i32.const 3))) (i32.eq (local.get $unit) (i32.const 4)))"
)
PRODUCT = "(i32.mul (local.get $count) (local.get $unit))"


def _cases(domain: Domain) -> itertools.product[tuple[int, int, int]]:
    return itertools.product(domain.hours, domain.counts, domain.unit_prices)


def test_a_trap_at_one_case_is_classified_there_and_the_sweep_continues() -> None:
    wasm = price_wat(f"(if {AT_5_3_4} (then unreachable)) {PRODUCT}")
    cube, faults = results_cube(wasm, SMALL)
    assert [tuple(i) for i in zip(*faults.nonzero(), strict=True)] == [(5, 3, 4)]
    want = [c * u for h, c, u in _cases(SMALL) if (h, c, u) != (5, 3, 4)]
    assert cube[~faults].tolist() == want
    report = run_exhaustive(wasm, SMALL, 100)
    assert report.counts.trap == 1 and report.counts.total == SMALL.size
    assert [(c.hour, c.count, c.unit_price, c.note) for c in report.faults.examples] == [
        (5, 3, 4, "unreachable")
    ]


def test_an_endless_loop_is_an_out_of_fuel_fault_not_a_hang() -> None:
    # The firmware's own allowance: the sweep has no fuel setting of its own.
    wasm = price_wat(f"(if {AT_5_3_4} (then (loop $forever (br $forever)))) {PRODUCT}")
    report = run_exhaustive(wasm, SMALL, 1000)
    in_bounds = sum(c * u <= 1000 for h, c, u in _cases(SMALL) if (h, c, u) != (5, 3, 4))
    assert report.counts == ClassCounts(
        in_bounds=in_bounds, above_max=SMALL.size - 1 - in_bounds, out_of_fuel=1
    )
    assert [(c.hour, c.count, c.unit_price, c.note) for c in report.faults.examples] == [
        (5, 3, 4, "out_of_fuel")
    ]


# Spins 40 iterations per unit of count: the fuel a call needs grows with the count.
SPIN_BY_COUNT = (
    "(local $n i32) (local.set $n (i32.mul (local.get $count) (i32.const 40)))"
    " (block $done (loop $spin (br_if $done (i32.eqz (local.get $n)))"
    " (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br $spin)))"
)
FUEL_DOMAIN = Domain(range(11, 13), range(0, 40), range(0, 6))


def _firmware_out_of_fuel(wasm: bytes, limits: Limits, domain: Domain) -> set[tuple[int, ...]]:
    """The cases the firmware itself refuses for fuel, one call each, as a terminal."""
    module = PriceModule.load(wasm, limits=limits)
    starved: set[tuple[int, ...]] = set()
    for case in _cases(domain):
        hour, count, unit = case
        try:
            module.call(count, unit, hour)
        except FuelExhausted:
            starved.add(case)
    return starved


@pytest.mark.parametrize("call_fuel", [3000, 6000])
def test_a_case_is_out_of_fuel_exactly_when_the_firmware_call_is(call_fuel: int) -> None:
    # Cheap cases (small counts) sit in the same batches as the expensive ones: a
    # budget pooled over a batch would let an expensive case through.
    wasm = price_wat(f"{SPIN_BY_COUNT} {PRODUCT}")
    options = SweepOptions(limits=Limits(call_fuel=call_fuel), workers=1)
    cube, faults = results_cube(wasm, FUEL_DOMAIN, options)
    starved = _firmware_out_of_fuel(wasm, options.limits, FUEL_DOMAIN)
    found = {
        (FUEL_DOMAIN.hours[h], FUEL_DOMAIN.counts[c], FUEL_DOMAIN.unit_prices[u])
        for h, c, u in zip(*faults.nonzero(), strict=True)
    }
    assert found == starved
    assert 0 < len(starved) < FUEL_DOMAIN.size
    fed = [c * u for case in _cases(FUEL_DOMAIN) if case not in starved for _, c, u in [case]]
    assert cube[~faults].tolist() == fed
    report = run_exhaustive(wasm, FUEL_DOMAIN, 100, options=options)
    assert report.counts.out_of_fuel == len(starved)


def test_too_many_faults_leave_the_rest_unevaluated() -> None:
    wasm = price_wat("unreachable")
    report = run_exhaustive(wasm, SMALL, 100, options=SweepOptions(max_faults=40, workers=1))
    assert report.counts == ClassCounts(trap=40, unevaluated=SMALL.size - 40)


def test_a_product_wrapping_into_range_is_found() -> None:
    # count x unit price x 65536 wraps to 0 when count x unit price is 65536 (128 x 512).
    wasm = price_wat(f"(i32.mul {PRODUCT} (i32.const 65536))")
    domain = Domain(range(2), range(0, 1000, 4), range(0, 1000, 8))
    expected = [
        (h, c, u)
        for h, c, u in _cases(domain)
        if 0 <= spec.wrap_i32(c * u * 65536) <= 100 and (c * u) // 2 > 100
    ]
    report = run_exhaustive(wasm, domain, 100)
    assert report.wraps_into_range
    assert report.wrap_into_range.cases == len(expected) > 0
    shown = [(c.hour, c.count, c.unit_price) for c in report.wrap_into_range.examples]
    assert shown == expected[: len(shown)]
    assert report.wrap_into_range.examples[0].reference == 128 * 512


def test_launch_module_wraps_into_range_beyond_its_declared_domain() -> None:
    # 65536 x 65536 = 2**32 wraps to 0; 65537 x 65535 = 2**32 - 1 wraps to -1.
    domain = Domain(range(1), range(65535, 65538), range(65535, 65538))
    expected = [(c, u) for _, c, u in _cases(domain) if 0 <= spec.v1(c, u) <= 100 and c * u > 200]
    report = run_exhaustive(price_modules.wasm_bytes("v1"), domain, 100)
    assert [(c.count, c.unit_price) for c in report.wrap_into_range.examples] == expected
    assert expected == [(65536, 65536)]


def _falling_expected(domain: Domain, price: dict[tuple[int, int, int], int]) -> int:
    falls = 0
    for h, u in itertools.product(domain.hours, domain.unit_prices):
        highest = None
        for c in domain.counts:
            p = price[(h, c, u)]
            if 0 <= p <= 100:
                falls += highest is not None and p < highest
                highest = p if highest is None else max(highest, p)
    return falls


def test_prices_falling_as_the_count_grows_are_found() -> None:
    # Bulk "discount" that overshoots: from count 5 on, the price is (count - 3) x unit.
    wasm = price_wat(
        f"(if (result i32) (i32.ge_s (local.get $count) (i32.const 5))"
        f" (then (i32.mul (i32.sub (local.get $count) (i32.const 3)) (local.get $unit)))"
        f" (else {PRODUCT}))"
    )
    rule = {(h, c, u): (c - 3) * u if c >= 5 else c * u for h, c, u in _cases(SMALL)}
    report = run_exhaustive(wasm, SMALL, 100)
    expected = _falling_expected(SMALL, rule)
    assert report.falling_prices.cases == expected > 0
    first = report.falling_prices.examples[0]
    assert (first.count, first.unit_price, first.result, first.reference) == (5, 1, 2, 4)


def test_a_price_that_leaves_the_range_and_returns_lower_is_falling() -> None:
    # 90 at count 1, 150 (refused) at count 2, 20 at count 3, for every unit price.
    wasm = price_wat(
        "(select (i32.const 90) (select (i32.const 150) (i32.const 20)"
        " (i32.eq (local.get $count) (i32.const 2))) (i32.eq (local.get $count) (i32.const 1)))"
    )
    domain = Domain(range(1), range(1, 4), range(0, 5))
    report = run_exhaustive(wasm, domain, 100)
    assert [(c.count, c.result, c.reference) for c in report.falling_prices.examples] == [
        (3, 20, 90)
    ] * 5


def test_v2_to_v3_changes_exactly_the_hours_14_to_16() -> None:
    domain = Domain(range(24), range(0, 120, 7), range(0, 300, 11))
    diff = diff_versions(price_modules.wasm_bytes("v2"), price_modules.wasm_bytes("v3"), domain)
    changed = {
        (h, c, u): spec.v3(c, u, h) - spec.v2(c, u, h)
        for h, c, u in _cases(domain)
        if spec.v3(c, u, h) != spec.v2(c, u, h)
    }
    assert diff.hours == sorted({h for h, _, _ in changed}) == [14, 15, 16]
    assert diff.changed == len(changed)
    for hour in diff.by_hour:
        deltas = [d for (h, _, _), d in changed.items() if h == hour.hour]
        assert (hour.changed, hour.delta_min, hour.delta_max) == (
            len(deltas),
            min(deltas),
            max(deltas),
        )
        assert (hour.cheaper, hour.dearer) == (
            sum(d < 0 for d in deltas),
            sum(d > 0 for d in deltas),
        )
        assert hour.counts == (7, 119) and hour.unit_prices == (11, 297)


def test_v3_to_v2_is_dearer_where_v2_to_v3_was_cheaper() -> None:
    domain = Domain(range(13, 17), range(0, 50, 3), range(0, 40, 7))
    back = diff_versions(price_modules.wasm_bytes("v3"), price_modules.wasm_bytes("v2"), domain)
    assert [(h.hour, h.cheaper) for h in back.by_hour] == [(14, 0), (15, 0), (16, 0)]
    assert all(h.dearer == h.changed > 0 for h in back.by_hour)


def test_identical_versions_have_no_difference() -> None:
    wasm = price_modules.wasm_bytes("v3")
    diff = diff_versions(wasm, wasm, SMALL)
    assert (diff.changed, diff.hours) == (0, [])


def test_a_fault_in_one_version_only_is_a_difference() -> None:
    trapping = price_wat(f"(if {AT_5_3_4} (then unreachable)) {PRODUCT}")
    plain = price_wat(PRODUCT)
    diff = diff_versions(plain, trapping, SMALL)
    assert diff.hours == [5]
    assert (diff.changed, diff.by_hour[0].faults_changed) == (1, 1)


@pytest.mark.parametrize(
    ("body", "params", "result", "found"),
    [
        ("(local.get $count)", 1, "i32", "found (i32) -> i32"),
        ("(i64.const 1)", 3, "i64", "found (i32, i32, i32) -> i64"),
    ],
)
def test_an_unsweepable_signature_is_an_incompatible_export_type(
    body: str, params: int, result: str, found: str
) -> None:
    with pytest.raises(IncompatibleExportType, match=r"^Incompatible Export Type") as caught:
        run_exhaustive(price_wat(body, result, params), SMALL, 100)
    assert found in str(caught.value) and "(i32, i32, i32) -> i32" in str(caught.value)


@pytest.mark.parametrize(
    ("wasm", "error", "message"),
    [
        (b"price = count * unit", NotWasm, "expected magic bytes"),
        (b"\x00asm\x02", MalformedModule, "expected a valid WebAssembly module"),
        (
            wasmtime.wat2wasm('(module (import "env" "f" (func)) (func (export "price_func")))'),
            ForbiddenImport,
            r"^price module imports are forbidden: expected no imports \(a price function is "
            r"pure\), found env.f \(function\)$",
        ),
        (wasmtime.wat2wasm("(module)"), MissingExport, "found no exports"),
    ],
)
def test_bad_modules_are_refused_with_the_firmware_errors(
    wasm: bytes, error: type[ModuleRejected], message: str
) -> None:
    with pytest.raises(error, match=message):
        run_exhaustive(bytes(wasm), SMALL, 100)


@pytest.mark.parametrize(
    ("axes", "message"),
    [
        ((range(0), range(3), range(3)), "hours: expected a non-empty range"),
        ((range(1), range(2**31 - 2, 2**31 + 1), range(3)), "counts: expected values within"),
    ],
)
def test_bad_domains_are_refused(axes: tuple[range, range, range], message: str) -> None:
    with pytest.raises(DomainError, match=message):
        Domain(*axes)


def test_a_sweep_that_allows_no_fault_is_refused() -> None:
    with pytest.raises(SweepError, match=r"^max_faults: expected at least 1, found 0$"):
        run_exhaustive(
            price_modules.wasm_bytes("v3"), SMALL, 100, options=SweepOptions(max_faults=0)
        )


def test_a_negative_max_price_is_refused() -> None:
    with pytest.raises(DomainError, match="max_price: expected 0"):
        run_exhaustive(price_modules.wasm_bytes("v3"), SMALL, -1)
