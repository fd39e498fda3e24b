"""Pricing through `calculate_price`: modules against their specification, and the guard.

Expected prices come from tests/spec.py and the manifests' golden cases, both written
from the module specifications, never from this code's output.
"""

from __future__ import annotations

import datetime as dt
import itertools

import pytest
import wasmtime
from freezegun import freeze_time

import price_modules
from firmware_host.abi import FirmwareAbi
from firmware_host.clock import fixed, hour
from firmware_host.errors import InvalidInput, InvalidPrice, ModuleTrap
from firmware_host.pricing import Priced, Pricer, Refused
from firmware_host.runtime import PriceModule
from tests import spec

# In-domain sales around the guard: under, at and over 100, both price regimes.
SALES = [(2, 10), (3, 7), (10, 10), (11, 10), (1, 100), (1, 101), (0, 999), (201, 1), (999, 999)]


def _pricer(
    version: str, abi: FirmwareAbi = FirmwareAbi.CURRENT, max_price: int = 100, max_count: int = 999
) -> Pricer:
    module = PriceModule.load(price_modules.wasm_bytes(version), abi)
    return Pricer(module, max_price=max_price, max_count=max_count)


def _wat_pricer(body: str) -> Pricer:
    wat = f'(module (func (export "price_func") (param i32 i32 i32) (result i32) {body}))'
    return Pricer(PriceModule.load(bytes(wasmtime.wat2wasm(wat))))


@pytest.mark.parametrize("version", ["v2", "v3"])
@pytest.mark.parametrize("at_hour", range(24))
def test_time_of_day_modules_follow_spec_every_hour(version: str, at_hour: int) -> None:
    pricer = _pricer(version)
    with freeze_time(f"2026-01-01 {at_hour:02d}:59:59"):
        for count, unit_price in SALES:
            want = spec.expected(version, count, unit_price, at_hour)
            if 0 <= want <= 100:
                assert pricer.calculate_price(count, unit_price).price == want
            else:
                with pytest.raises(InvalidPrice) as caught:
                    pricer.calculate_price(count, unit_price)
                assert str(caught.value) == f"Invalid price : {int(want)}"


@pytest.mark.parametrize("version", ["v2", "v3"])
def test_golden_cases_of_the_manifest(version: str) -> None:
    pricer = _pricer(version)
    golden = price_modules.manifest(version).golden
    for at_hour in range(24):
        with freeze_time(dt.datetime(2026, 1, 1, at_hour, 0)):
            outcomes = [
                (case, pricer.try_price(case.count, case.unit_price))
                for case in golden
                if case.hour == at_hour
            ]
        for case, outcome in outcomes:
            if case.refusal is None:
                assert isinstance(outcome, Priced) and outcome.price == case.price, case
            else:
                assert isinstance(outcome, Refused) and str(outcome.error) == case.refusal, case


def test_launch_firmware_prices_v1_without_an_hour() -> None:
    pricer = _pricer("v1", FirmwareAbi.LAUNCH)
    for at_hour, (count, unit_price) in itertools.product((0, 13, 23), SALES[:6]):
        with freeze_time(dt.datetime(2026, 1, 1, at_hour)):
            outcome = pricer.try_price(count, unit_price)
        want = spec.v1(count, unit_price)
        assert isinstance(outcome, Priced if want <= 100 else Refused)
        if isinstance(outcome, Priced):
            assert outcome.price == want


def test_guard_fires_at_110_in_full_price_hour() -> None:
    pricer = _pricer("v3")
    with freeze_time("2026-01-01 13:00"):
        assert pricer.calculate_price(10, 10).price == 100
        with pytest.raises(InvalidPrice) as caught:
            pricer.calculate_price(11, 10)
    assert str(caught.value) == "Invalid price : 110"
    assert caught.value.price == 110


def test_guard_fires_below_zero() -> None:
    pricer = _wat_pricer("(i32.sub (local.get 0) (local.get 1))")
    assert pricer.calculate_price(5, 5).price == 0
    with pytest.raises(InvalidPrice, match=r"^Invalid price : -1$"):
        pricer.calculate_price(5, 6)


def test_guard_uses_configured_maximum() -> None:
    pricer = _pricer("v3", max_price=20)
    with freeze_time("2026-01-01 13:00"):
        assert pricer.calculate_price(2, 10).price == 20
        with pytest.raises(InvalidPrice, match=r"^Invalid price : 21$"):
            pricer.calculate_price(3, 7)


@pytest.mark.parametrize(
    ("count", "unit_price", "message"),
    [
        (-1, 10, "count: expected 0..999, found -1"),
        (1000, 10, "count: expected 0..999, found 1000"),
        (2**32 + 2, 10, "count: expected 0..999, found 4294967298"),
        (2, 2**31, "unit_price: expected 0..999, found 2147483648"),
        (True, 10, "count: expected 0..999, found True"),
        (2, 10.0, "unit_price: expected 0..999, found 10.0"),
    ],
)
def test_inputs_are_range_checked_before_the_module(
    count: int, unit_price: int, message: str
) -> None:
    pricer = _pricer("v3")
    with pytest.raises(InvalidInput) as caught:
        pricer.calculate_price(count, unit_price)
    assert str(caught.value) == message
    assert caught.value.field == message.split(":")[0]


def test_configured_domain_widens_the_input_range() -> None:
    pricer = _pricer("v3", max_count=5000, max_price=10**6)
    with freeze_time("2026-01-01 13:00"):
        assert pricer.calculate_price(5000, 3).price == 15000


def test_injected_clock_decides_the_hour() -> None:
    pricer = Pricer(
        PriceModule.load(price_modules.wasm_bytes("v3")),
        clock=fixed(dt.datetime(2026, 1, 1, 15, 0)),
    )
    with freeze_time("2026-01-01 13:00"):
        priced = pricer.calculate_price(2, 10)
    assert (priced.hour, priced.price) == (15, 10)


def test_default_clock_follows_freezegun() -> None:
    with freeze_time("2026-06-30 23:59:59") as frozen:
        assert hour() == 23
        frozen.tick(dt.timedelta(seconds=1))
        assert hour() == 0


def test_priced_names_the_module_that_priced() -> None:
    pricer = _pricer("v3")
    with freeze_time("2026-01-01 12:00"):
        priced = pricer.calculate_price(3, 7)
    at = dt.datetime(2026, 1, 1, 12)
    assert priced == Priced(3, 7, 12, 21, price_modules.manifest("v3").sha256, at)


def test_try_price_returns_each_kind_of_refusal() -> None:
    pricer = _pricer("v3")
    with freeze_time("2026-01-01 13:00"):
        outcomes = [pricer.try_price(11, 10), pricer.try_price(1000, 1)]
    assert [type(o.error) for o in outcomes if isinstance(o, Refused)] == [
        InvalidPrice,
        InvalidInput,
    ]
    trapping = _wat_pricer("unreachable")
    fault = trapping.try_price(1, 1)
    assert isinstance(fault, Refused) and isinstance(fault.error, ModuleTrap)
