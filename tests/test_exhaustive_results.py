"""The exhaustive tier's raw results and class totals, against tests/spec.py.

Every expectation is computed here from the specification or from the WAT rule a
test module implements, case by case in Python, never from the tier's own output.
"""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
import wasmtime

import price_modules
from hil.exhaustive import ClassCounts, Domain, SweepOptions, results_cube, run_exhaustive
from tests import spec

# Steps chosen so the grid reaches products that overflow i32 (60000 x 70000 > 2**31)
# and negative counts and prices.
WIDE = Domain(range(24), range(-3, 60000, 1499), range(-2, 70000, 1733))


def price_wat(body: str, result: str = "i32", params: int = 3) -> bytes:
    """A price module: `body` computes the result from $count, $unit and $hour."""
    names = ["$count", "$unit", "$hour"][:params]
    decl = " ".join(f"(param {n} i32)" for n in names)
    text = f'(module (func (export "price_func") {decl} (result {result}) {body}))'
    return bytes(wasmtime.wat2wasm(text))


def expected_cube(version: str, domain: Domain) -> list[float]:
    return [
        spec.expected(version, c, u, h)
        for h, c, u in itertools.product(domain.hours, domain.counts, domain.unit_prices)
    ]


@pytest.mark.parametrize("version", price_modules.versions())
def test_each_version_matches_its_specification_over_a_wide_grid(version: str) -> None:
    cube, faults = results_cube(price_modules.wasm_bytes(version), WIDE)
    assert cube.shape == WIDE.shape
    assert not faults.any()
    assert cube.reshape(-1).tolist() == expected_cube(version, WIDE)


def _spec_counts(version: str, domain: Domain, max_price: int) -> ClassCounts:
    prices = expected_cube(version, domain)
    below = sum(p < 0 for p in prices)
    above = sum(p > max_price for p in prices)
    return ClassCounts(in_bounds=len(prices) - below - above, below_zero=below, above_max=above)


@pytest.mark.parametrize("version", ["v1", "v3", "v4"])
def test_class_totals_follow_the_specification(version: str) -> None:
    report = run_exhaustive(price_modules.wasm_bytes(version), WIDE, 100, label=version)
    assert report.counts == _spec_counts(version, WIDE, 100)
    assert report.counts.total == WIDE.size


def test_a_price_of_150_at_one_case_is_a_guard_refusal_at_that_case() -> None:
    # 7 everywhere except hour 12, count 1, unit price 10, where it is 150.
    wasm = price_wat(
        "(if (result i32) (i32.and (i32.and (i32.eq (local.get $count) (i32.const 1))"
        " (i32.eq (local.get $unit) (i32.const 10))) (i32.eq (local.get $hour) (i32.const 12)))"
        " (then (i32.const 150)) (else (i32.const 7)))"
    )
    domain = Domain(range(24), range(0, 20), range(0, 20))
    report = run_exhaustive(wasm, domain, 100)
    assert report.counts == ClassCounts(in_bounds=domain.size - 1, above_max=1)
    assert [(c.hour, c.count, c.unit_price, c.result) for c in report.guard_refusals.examples] == [
        (12, 1, 10, 150)
    ]


def test_negative_and_nan_results_are_guard_refusals() -> None:
    # f32: NaN when count is 2, -1.5 when count is 3, else 1.0.
    wasm = price_wat(
        "(if (result f32) (i32.eq (local.get $count) (i32.const 2)) (then (f32.const nan))"
        " (else (if (result f32) (i32.eq (local.get $count) (i32.const 3))"
        " (then (f32.const -1.5)) (else (f32.const 1.0)))))",
        result="f32",
    )
    domain = Domain(range(2), range(0, 5), range(0, 4))
    report = run_exhaustive(wasm, domain, 100)
    assert report.counts == ClassCounts(in_bounds=24, below_zero=8, not_a_number=8)


def test_the_launch_abi_ignores_the_hour() -> None:
    wasm = price_wat("(i32.sub (local.get $count) (local.get $unit))", params=2)
    domain = Domain(range(3, 6), range(-2, 3), range(0, 4))
    cube, _ = results_cube(wasm, domain)
    want = [c - u for _, c, u in itertools.product(domain.hours, domain.counts, domain.unit_prices)]
    assert cube.reshape(-1).tolist() == want


def test_report_is_json_and_text() -> None:
    report = run_exhaustive(price_modules.wasm_bytes("v2"), WIDE, 100, label="v2")
    data = json.loads(json.dumps(report.to_dict()))
    assert data["domain"]["cases"] == WIDE.size
    assert sum(data["counts"][k] for k in ("in_bounds", "guard_refusal", "faults")) == WIDE.size
    assert report.to_text().startswith("v2: ")


def test_single_worker_and_two_workers_agree() -> None:
    wasm = price_modules.wasm_bytes("v3")
    one = run_exhaustive(wasm, WIDE, 100, options=SweepOptions(workers=1))
    two = run_exhaustive(wasm, WIDE, 100, options=SweepOptions(workers=2))
    assert one.to_dict() | {"elapsed_s": 0, "cases_per_second": 0} == two.to_dict() | {
        "elapsed_s": 0,
        "cases_per_second": 0,
    }


def test_v3_over_its_declared_domain_is_classified_in_full() -> None:
    """24 million cases: the spec's totals follow from counting products, not calls.

    Products stay below 2**24 here, so the f32 half price is exactly product // 2.
    """
    record = price_modules.manifest("v3")
    report = run_exhaustive(
        price_modules.wasm_bytes("v3"), Domain.for_manifest(record), record.max_price
    )
    counts = np.arange(record.max_count + 1)[:, None]
    product = counts * np.arange(record.max_unit_price + 1)[None, :]
    full_hours = sum(1 for h in range(24) if 11 < h < 14 or 16 < h < 24)
    in_bounds = full_hours * int(np.count_nonzero(product <= record.max_price)) + (
        24 - full_hours
    ) * int(np.count_nonzero(product // 2 <= record.max_price))
    assert report.counts == ClassCounts(
        in_bounds=in_bounds, above_max=24 * product.size - in_bounds
    )
    assert not report.wraps_into_range
    assert report.falling_prices.cases == 0
