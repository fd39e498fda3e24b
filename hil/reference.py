"""The module specifications, written independently of the Rust sources.

The HIL sweeps take their expected prices from here, and the unit tests compare each
built module to the same functions (tests/spec.py re-exports them): a module that
drifts from its specification fails even if its manifest was regenerated. Each rule is
also listed under its manifest `name`, so a candidate module claiming a known rule is
held to that rule.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from boardlink.screen import DisplayedOutcome, Shown
from firmware_host.errors import FirmwareError
from firmware_host.runtime import I32_MAX as I32_MAX  # re-exported for tests/spec.py
from firmware_host.runtime import I32_MIN as I32_MIN

PriceRule = Callable[[int, int, int], int]


def wrap_i32(value: int) -> int:
    return (value - I32_MIN) % 2**32 + I32_MIN


def to_f32(value: float) -> float:
    """Round to the nearest f32, as Rust's `as f32` does."""
    result: float = struct.unpack("<f", struct.pack("<f", float(value)))[0]
    return result


def f32_to_i32(value: float) -> int:
    """Rust's `as i32` from a float: truncate toward zero, saturate, NaN to 0."""
    if math.isnan(value):
        return 0
    return max(I32_MIN, min(I32_MAX, math.trunc(value)))


def _half(price: int) -> int:
    return f32_to_i32(to_f32(price) * 0.5)


def _off_peak_full(hour: int) -> bool:
    return 11 < hour < 24


def _happy_hour_full(hour: int) -> bool:
    return 11 < hour < 14 or 16 < hour < 24


def v1(count: int, unit_price: int) -> int:
    return wrap_i32(count * unit_price)


def v2(count: int, unit_price: int, hour: int) -> int:
    price = wrap_i32(count * unit_price)
    return price if _off_peak_full(hour) else _half(price)


def v3(count: int, unit_price: int, hour: int) -> int:
    price = wrap_i32(count * unit_price)
    return price if _happy_hour_full(hour) else _half(price)


def v4(count: int, unit_price: int, hour: int) -> float:
    price = to_f32(wrap_i32(count * unit_price))
    return price if _happy_hour_full(hour) else to_f32(price * 0.5)


SPECS: dict[str, Callable[..., float]] = {"v1": v1, "v2": v2, "v3": v3, "v4": v4}


def expected(version: str, count: int, unit_price: int, hour: int) -> float:
    """The specified result of `version` whatever its arity (v1 ignores the hour)."""
    if version == "v1":
        return v1(count, unit_price)
    return SPECS[version](count, unit_price, hour)


def _launch(count: int, unit_price: int, hour: int) -> int:
    return v1(count, unit_price)


# Integer rules by manifest name: what a firmware that accepts the module must show.
# The float rule (v4) has no entry: no firmware generation accepts an f32 result.
RULES: dict[str, PriceRule] = {
    "launch": _launch,
    "off-peak": v2,
    "happy-hour": v3,
}


def rule_for(name: str) -> PriceRule | None:
    """The specified integer rule of a module named `name`, or None when none is written."""
    return RULES.get(name)


# --- what the terminal must show for one sale ---------------------------------------


class Expect(Enum):
    PRICE = "price"
    GUARD = "guard"
    INPUT = "input"


@dataclass(frozen=True)
class Expected:
    """The specified outcome of a sale: a price, a guard refusal of `value`, or an input
    refused before it reaches the module (`value` is then the offending input)."""

    kind: Expect
    value: int

    def __str__(self) -> str:
        return {
            Expect.PRICE: f"price {self.value}",
            Expect.GUARD: f"Invalid price : {self.value}",
            Expect.INPUT: f"input {self.value} out of range",
        }[self.kind]


@dataclass(frozen=True)
class Limits:
    """The firmware's input range and the guard's maximum price."""

    max_count: int
    max_unit_price: int
    max_price: int


def expect_sale(
    rule: PriceRule, limits: Limits, count: int, unit_price: int, hour: int
) -> Expected:
    """Inputs outside the firmware's range are refused first; else the guard judges."""
    if count > limits.max_count:
        return Expected(Expect.INPUT, count)
    if unit_price > limits.max_unit_price:
        return Expected(Expect.INPUT, unit_price)
    price = rule(count, unit_price, hour)
    if 0 <= price <= limits.max_price:
        return Expected(Expect.PRICE, price)
    return Expected(Expect.GUARD, price)


class GoldenCaseError(FirmwareError):
    """A golden case the HIL suite cannot turn into a display expectation."""


_REFUSAL = re.compile(r"Invalid price : (-?[0-9]+)")


def expect_golden(price: float | None, refusal: str | None, where: str) -> Expected:
    """A manifest golden case as an expectation; its refusal text must be the guard's."""
    if refusal is not None:
        match = _REFUSAL.fullmatch(refusal)
        if match is None:
            raise GoldenCaseError(
                f"{where}: expected a refusal 'Invalid price : N', found {refusal!r}"
            )
        return Expected(Expect.GUARD, int(match.group(1)))
    if price is None or price != int(price):
        raise GoldenCaseError(f"{where}: expected an integer price, found {price!r}")
    return Expected(Expect.PRICE, int(price))


def displayed(shown: DisplayedOutcome) -> Expected | None:
    """Read a parsed display back as an outcome comparable with an `Expected`."""
    if shown.kind is Shown.PRICE and shown.total is not None:
        if shown.total != shown.total.to_integral_value():
            return None
        return Expected(Expect.PRICE, int(shown.total))
    if shown.kind is Shown.REFUSED and shown.refused_price is not None:
        return Expected(Expect.GUARD, shown.refused_price)
    if shown.kind is Shown.INPUT_ERROR and shown.detail:
        value = shown.detail.rsplit(" ", 1)[-1]
        return Expected(Expect.INPUT, int(value)) if value.isdigit() else None
    return None
