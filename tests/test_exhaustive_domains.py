"""Domains of any size: the sweep walks them in blocks that fit the firmware's memory
cap, so no page rounding and no per-hour limit stops it; and a budget estimated
before the sweep refuses a domain that would take too long, naming the estimate.

Expected totals are counted here with numpy from the rule each module implements
(tests/spec.py, or the WAT below), never taken from the tier.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import numpy as np
import pytest
import wasmtime

import price_modules
from firmware_host.sandbox import I32_MAX, I32_MIN, Limits
from hil.exhaustive import (
    ClassCounts,
    Domain,
    SweepBudgetExceeded,
    SweepError,
    SweepOptions,
    enforce_sweep_budget,
    estimate_sweep,
    results_cube,
    run_exhaustive,
)
from hil.exhaustive.engine import capacity
from hil.exhaustive.findings import MIN_FRACTION, wrap_thresholds
from tests import spec
from tests.test_exhaustive_results import price_wat


def _products_at_most(limit: int, counts: int, units: int) -> int:
    """Pairs (count, unit price) in range(counts) x range(units) with a product <= limit."""
    return units + sum(min(units, limit // c + 1) for c in range(1, counts))


def _v3_counts(counts: int, units: int, max_price: int) -> ClassCounts:
    """Class totals of v3 over 24 hours x counts x units, for products below 2**24
    (where the f32 half price is exactly product // 2, in bounds up to 2 * max + 1)."""
    full_hours = sum(1 for h in range(24) if 11 < h < 14 or 16 < h < 24)
    in_bounds = full_hours * _products_at_most(max_price, counts, units) + (
        24 - full_hours
    ) * _products_at_most(2 * max_price + 1, counts, units)
    return ClassCounts(in_bounds=in_bounds, above_max=24 * counts * units - in_bounds)


def test_a_domain_of_9999_counts_by_999_unit_prices_sweeps() -> None:
    domain = Domain(range(24), range(10_000), range(1_000))
    report = run_exhaustive(price_modules.wasm_bytes("v3"), domain, 100)
    assert report.counts == _v3_counts(10_000, 1_000, 100)
    assert report.counts.total == domain.size == 240_000_000
    assert not report.wraps_into_range and report.falling_prices.cases == 0


def test_an_hour_of_more_than_2_to_the_26_cases_sweeps() -> None:
    domain = Domain(range(1), range(10_000), range(7_000))
    assert domain.size > 2**26
    report = run_exhaustive(price_modules.wasm_bytes("v1"), domain, 100)
    in_bounds = _products_at_most(100, 10_000, 7_000)
    assert report.counts == ClassCounts(in_bounds=in_bounds, above_max=domain.size - in_bounds)


# Below unit price 8000: 90 at count 1, 150 (refused) at count 2, else 20, so prices fall
# from count 3 on; from 8000 on: count x unit price x 65536, which wraps to 0 where the
# product is a multiple of 65536.
FALLING_AND_WRAPPING = (
    "(if (result i32) (i32.ge_s (local.get $unit) (i32.const 8000)) (then"
    " (i32.mul (i32.mul (local.get $count) (local.get $unit)) (i32.const 65536))) (else"
    " (select (i32.const 90) (select (i32.const 150) (i32.const 20)"
    " (i32.eq (local.get $count) (i32.const 2))) (i32.eq (local.get $count) (i32.const 1)))))"
)


def _falling_and_wrapping(domain: Domain) -> tuple[np.ndarray[Any, Any], int, int]:
    """One hour's values of FALLING_AND_WRAPPING, its wrap and falling-price totals."""
    counts = np.array(domain.counts, dtype=np.int64)[:, None]
    units = np.array(domain.unit_prices, dtype=np.int64)[None, :]
    wrapped = (counts * units * 65536 + 2**31) % 2**32 - 2**31
    pattern = np.where(counts == 1, 90, np.where(counts == 2, 150, 20))
    values = np.where(units >= 8000, wrapped, pattern)
    in_bounds = (values >= 0) & (values <= 100)
    wraps = int(np.count_nonzero(in_bounds & (counts * units >= 202)))
    highest = np.maximum.accumulate(np.where(in_bounds, values, 0), axis=0)
    falls = int(np.count_nonzero(in_bounds[1:] & (values[1:] < highest[:-1])))
    return values, wraps, falls


def test_blocks_narrower_than_the_domain_find_the_same_as_one_block() -> None:
    # A 64 KiB cap leaves room for 16128 cases a block: 40000 unit prices take three
    # column blocks, and the results sweep many more row blocks.
    wasm = price_wat(FALLING_AND_WRAPPING)
    domain = Domain(range(2), range(0, 9), range(0, 40_000))
    narrow = SweepOptions(limits=Limits(memory_bytes=65536))
    assert capacity(narrow.limits) == 16128 < len(domain.unit_prices)
    values, wraps, falls = _falling_and_wrapping(domain)
    assert wraps > 0 and falls > 0
    for options in (SweepOptions(), narrow):
        report = run_exhaustive(wasm, domain, 100, options=options)
        assert report.wrap_into_range.cases == 2 * wraps
        assert report.falling_prices.cases == 2 * falls
        in_bounds = 2 * int(np.count_nonzero((values >= 0) & (values <= 100)))
        below = 2 * int(np.count_nonzero(values < 0))
        assert report.counts == ClassCounts(
            in_bounds=in_bounds, below_zero=below, above_max=domain.size - in_bounds - below
        )
        cube, faults = results_cube(wasm, domain, options)
        assert not faults.any() and (cube == values[None]).all()


def test_descending_axes_and_large_steps_sweep_every_value() -> None:
    domain = Domain(range(3), range(50, -50, -7), range(2**31 - 1, -(2**31), -(2**30) + 5))
    cube, faults = results_cube(price_modules.wasm_bytes("v2"), domain)
    want = [
        spec.v2(c, u, h)
        for h, c, u in itertools.product(domain.hours, domain.counts, domain.unit_prices)
    ]
    assert not faults.any() and cube.reshape(-1).tolist() == want


def _suspect(product: int, max_price: int) -> bool:
    """The documented rule: every allowed price trunc(p * f), f in [MIN_FRACTION, 1], is
    outside 0..max_price, or p itself is outside i32."""
    ends = [int(product * f) for f in (MIN_FRACTION, 1.0)]  # int() truncates toward zero
    return min(ends) > max_price or max(ends) < 0 or not I32_MIN <= product <= I32_MAX


@pytest.mark.parametrize("max_price", [0, 1, 100, 2**30, I32_MAX])
def test_wrap_thresholds_follow_the_documented_rule(max_price: int) -> None:
    low, high = wrap_thresholds(max_price)
    edges = [low, high, 0, -1, 2 * max_price, I32_MIN, I32_MAX, 2**33, -(2**33)]
    for product in {e + d for e in edges for d in range(-3, 4)}:
        assert (product <= low or product >= high) == _suspect(product, max_price), product


# --- the budget ----------------------------------------------------------------------

HUGE = Domain(range(24), range(1_000_000), range(1_000_000))


def test_an_over_budget_domain_is_refused_naming_the_estimate_and_the_budget() -> None:
    with pytest.raises(SweepBudgetExceeded) as caught:
        enforce_sweep_budget(price_modules.wasm_bytes("v3"), HUGE, 100, 300.0)
    estimate = caught.value.estimate
    assert estimate.cases == HUGE.size and estimate.seconds > 300.0
    assert 0 < estimate.sample_cases < HUGE.size
    message = str(caught.value)
    assert message.startswith("exhaustive sweep: expected to finish within the budget of 300 s")
    seconds = float(re.search(r"estimated ([0-9.]+) s for", message).group(1))  # type: ignore[union-attr]
    assert seconds == pytest.approx(estimate.seconds, abs=0.1)
    assert f"{HUGE.size} cases" in message
    assert isinstance(caught.value, SweepError)


def test_a_domain_within_budget_passes_with_its_estimate() -> None:
    domain = Domain.for_manifest(price_modules.manifest("v3"))
    estimate = enforce_sweep_budget(price_modules.wasm_bytes("v3"), domain, 100, 1e9)
    assert estimate is not None and estimate.cases == domain.size and estimate.seconds > 0


def test_the_estimate_covers_the_difference_against_the_deployed_version() -> None:
    domain = Domain.for_manifest(price_modules.manifest("v3"))
    v2, v3 = (price_modules.wasm_bytes(v) for v in ("v2", "v3"))
    alone = estimate_sweep(v3, domain, 100)
    both = estimate_sweep(v3, domain, 100, deployed=v2)
    assert both.sample_cases > alone.sample_cases


def test_a_refused_module_is_left_to_the_checks() -> None:
    start_traps = bytes(
        wasmtime.wat2wasm(
            '(module (func $s unreachable) (start $s) (func (export "price_func")'
            " (param i32 i32 i32) (result i32) (i32.const 1)))"
        )
    )
    assert enforce_sweep_budget(start_traps, HUGE, 100, 1.0) is None


def test_a_module_that_faults_is_estimated_up_to_where_the_fault_budget_stops_it() -> None:
    # An endless loop in every case: the sweep stops evaluating after max_faults faults,
    # so the estimate covers those, not the whole domain.
    loops = price_wat("(loop $forever (br $forever)) (i32.const 0)")
    options = SweepOptions(max_faults=50)
    estimate = estimate_sweep(loops, HUGE, 100, options=options)
    assert estimate.sample_faults == estimate.sample_cases == 50
    assert (estimate.cases, estimate.evaluated) == (HUGE.size, 50)
    assert f"{HUGE.size} cases (50 evaluated)" in estimate.to_text()


@pytest.mark.parametrize("budget", [0.0, -1.0, float("nan")])
def test_a_budget_must_be_a_positive_number_of_seconds(budget: float) -> None:
    with pytest.raises(SweepError, match=r"^sweep budget: expected a positive number of"):
        enforce_sweep_budget(price_modules.wasm_bytes("v3"), HUGE, 100, budget)
