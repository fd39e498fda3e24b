"""What a module must do, as its manifest declares it, and what a sale must then show.

The expected price of every sale comes from the module's declared specification
(price_modules/specification.py: a price table in the manifest, or a reference Python
file beside it), never from running the module. The unit tests hold the built-in
modules' tables to an independent hand-written specification (tests/spec.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from boardlink.screen import DisplayedOutcome, Shown
from firmware_host.errors import FirmwareError
from hil.reference_process import reference_process
from price_modules.catalogue import Manifest
from price_modules.specification import PriceTable, ReferenceFile

PriceRule = Callable[[int, int, int], int | float]


def _reference_rule(path: Path, result: str) -> PriceRule:
    """The rule a reference file declares, answered by its own child process."""

    def rule(count: int, unit_price: int, hour: int) -> int | float:
        return reference_process(path, result).prices([(count, unit_price, hour)])[0]

    return rule


def rule_of(manifest: Manifest) -> PriceRule | None:
    """The module's specified rule, or None when its manifest declares none."""
    spec = manifest.specification
    result = manifest.signature.results[0] if manifest.signature.results else "i32"
    if isinstance(spec, PriceTable):
        return lambda count, unit_price, hour: spec.price(count, unit_price, hour, result)
    if isinstance(spec, ReferenceFile):
        reference_process(spec.path, result)  # a file that does not load is named now
        return _reference_rule(spec.path, result)
    return None


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
    value: int | float

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
