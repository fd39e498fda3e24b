"""The terminal state machine, driven by keys, priced by real modules under freezegun."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import pytest
import wasmtime

import price_modules
from boardlink.screen import Shown, parse_screen
from firmware_host.clock import fixed
from firmware_host.errors import InvalidInput, UnknownLanguage
from firmware_host.keys import Key
from firmware_host.pricing import Outcome, Pricer
from firmware_host.runtime import PriceModule
from firmware_host.terminal import Screen, TerminalLogic
from firmware_host.texts import languages
from tests import spec

KEYS = {"q": Key.QUANTITY, "e": Key.ENTER, "c": Key.CLEAR, "b": Key.BACKSPACE}
BLANK = " " * 20


class CountingPricer:
    """A real pricer at 13:00 (full price), counting calls to see when the terminal sells."""

    def __init__(self, wasm: bytes) -> None:
        self.pricer = Pricer(PriceModule.load(wasm), clock=fixed(datetime(2026, 1, 1, 13)))
        self.calls: list[tuple[int, int]] = []

    def __call__(self, count: int, unit_price: int) -> Outcome:
        self.calls.append((count, unit_price))
        return self.pricer.try_price(count, unit_price)


@pytest.fixture
def v3() -> CountingPricer:
    return CountingPricer(price_modules.wasm_bytes("v3"))


def type_keys(terminal: TerminalLogic, keys: str) -> Screen:
    screen = terminal.screen
    for char in keys:
        screen = terminal.press(KEYS[char] if char in KEYS else Key.from_digit(int(char)))
    return screen


def test_idle_screen() -> None:
    terminal = TerminalLogic(CountingPricer(price_modules.wasm_bytes("v3")))
    assert terminal.screen == Screen(("Enter price".ljust(20), BLANK))


def test_digits_build_the_number(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    assert type_keys(terminal, "12").lines == ("Enter price".ljust(20), "12".rjust(20))
    assert type_keys(terminal, "b5").lines[1] == "15".rjust(20)
    assert type_keys(terminal, "bbb").lines[1] == BLANK


def test_leading_zero_and_digit_cap(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    assert type_keys(terminal, "05").lines[1] == "5".rjust(20)
    assert type_keys(terminal, "c123456789012").lines[1] == "123456789".rjust(20)


def test_quantity_then_unit_price_then_enter(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3, "EN", 0)
    assert type_keys(terminal, "2q").lines == ("2 x Unit price".ljust(20), BLANK)
    screen = type_keys(terminal, "10e")
    assert screen.lines == ("2 x 10".ljust(20), "Total" + "20.00".rjust(15))
    shown = parse_screen(screen.lines)
    assert (shown.kind, shown.total) == (Shown.PRICE, Decimal(spec.v3(2, 10, 13)))
    assert v3.calls == [(2, 10)]


def test_enter_without_quantity_sells_one(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    assert parse_screen(type_keys(terminal, "7e").lines).total == 7
    assert v3.calls == [(1, 7)]


def test_clear_resets_at_every_step(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    idle = terminal.screen
    assert type_keys(terminal, "12c") == idle
    assert type_keys(terminal, "3q4c") == idle
    assert type_keys(terminal, "3q4ec") == idle
    assert parse_screen(type_keys(terminal, "5e").lines).total == 5
    assert v3.calls == [(3, 4), (1, 5)]


def test_empty_keys_do_nothing(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    idle = terminal.screen
    assert type_keys(terminal, "eqb") == idle
    assert v3.calls == []


def test_shown_sale_is_not_sold_twice_and_next_digit_starts_anew(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    sold = type_keys(terminal, "3q7e")
    assert type_keys(terminal, "eqb") == sold
    assert type_keys(terminal, "4").lines == ("Enter price".ljust(20), "4".rjust(20))
    assert v3.calls == [(3, 7)]


def test_guard_refusal_is_shown(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    screen = type_keys(terminal, "11q10e")
    assert screen.lines == ("Invalid price : 110".ljust(20), "Sale refused".ljust(20))
    assert "Invalid price : 110" in screen.text
    shown = parse_screen(screen.lines)
    assert (shown.kind, shown.refused_price, shown.languages) == (Shown.REFUSED, 110, ("EN",))


def test_long_refused_value_uses_two_lines(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    screen = type_keys(terminal, "999q999e")
    want = spec.v3(999, 999, 13)
    assert screen.lines == ("Invalid price :".ljust(20), str(want).rjust(20))
    assert parse_screen(screen.lines).refused_price == want


def test_input_out_of_range_is_shown(v3: CountingPricer) -> None:
    screen = type_keys(TerminalLogic(v3), "1000q1e")
    assert screen.lines == ("Out of range".ljust(20), "Qty" + "1000".rjust(17))
    assert parse_screen(screen.lines).kind is Shown.INPUT_ERROR


def test_module_fault_is_shown() -> None:
    wat = '(module (func (export "price_func") (param i32 i32 i32) (result i32) unreachable))'
    terminal = TerminalLogic(CountingPricer(bytes(wasmtime.wat2wasm(wat))))
    screen = type_keys(terminal, "1e")
    assert screen.lines == ("Pricing fault".ljust(20), "Call attendant".ljust(20))
    assert parse_screen(screen.lines).kind is Shown.FAULT


@pytest.mark.parametrize(
    ("tax", "keys", "total"),
    [(0.10, "2q10e", "22.00"), (Decimal("0.075"), "3q7e", "22.58"), (0, "3q7e", "21.00")],
)
def test_tax_is_added_to_the_shown_total(
    v3: CountingPricer, tax: float | Decimal, keys: str, total: str
) -> None:
    screen = type_keys(TerminalLogic(v3, tax=tax), keys)
    assert screen.lines[1] == "Total" + total.rjust(15)
    assert parse_screen(screen.lines).total == Decimal(total)


def test_closed_terminal_ignores_keys(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    type_keys(terminal, "12")
    terminal.set_closed(True)
    closed = Screen(("Terminal closed".ljust(20), "Please use next till"))
    assert type_keys(terminal, "3q4e") == closed
    assert parse_screen(closed.lines).kind is Shown.CLOSED
    assert v3.calls == []
    terminal.set_closed(False)
    assert terminal.screen.lines == ("Enter price".ljust(20), BLANK)


def test_language_switch_redraws_in_the_new_language(v3: CountingPricer) -> None:
    terminal = TerminalLogic(v3)
    type_keys(terminal, "11q10e")
    terminal.set_language("FR")
    assert terminal.screen.lines[0] == "Prix invalide : 110".ljust(20)
    terminal.set_language("DE")
    assert terminal.screen.lines == ("Preis ungueltig :".ljust(20), "110".rjust(20))
    with pytest.raises(UnknownLanguage) as caught:
        terminal.set_language("XX")
    assert str(caught.value) == "language: expected one of DE, EN, ES, FR, found 'XX'"
    assert terminal.language == "DE"


@pytest.mark.parametrize("tax", [-0.01, 1.5, float("nan"), True, "ten"])
def test_bad_tax_is_refused(v3: CountingPricer, tax: object) -> None:
    terminal = TerminalLogic(v3, tax=0.2)
    with pytest.raises(InvalidInput) as caught:
        terminal.set_tax(tax)  # type: ignore[arg-type]
    assert str(caught.value) == f"tax: expected 0..1, found {tax!r}"
    assert terminal.tax == Decimal("0.2")


def test_display_size_is_checked(v3: CountingPricer) -> None:
    big = TerminalLogic(v3, rows=4, cols=40)
    assert [len(line) for line in type_keys(big, "11q10e").lines] == [40] * 4
    with pytest.raises(InvalidInput, match=r"^cols: expected 20\.\.40, found 16$"):
        TerminalLogic(v3, cols=16)


# Each sale with what it must show: (keys, kind, total or refused price).
SALES = [
    ("2q10e", Shown.PRICE, 20),
    ("11q10e", Shown.REFUSED, 110),
    ("999q999e", Shown.REFUSED, spec.v3(999, 999, 13)),
    ("1000q1e", Shown.INPUT_ERROR, None),
]


@pytest.mark.parametrize("language", languages())
def test_every_language_reads_back(v3: CountingPricer, language: str) -> None:
    terminal = TerminalLogic(v3, language)
    assert parse_screen(terminal.screen.lines).kind is Shown.NOTHING
    for keys, kind, value in SALES:
        lines = type_keys(terminal, "c" + keys).lines
        assert all(len(line) == 20 for line in lines)
        stripped = [line.strip() for line in lines]
        for shown in (parse_screen(lines), parse_screen(stripped)):
            assert shown.kind is kind and language in shown.languages
            assert (shown.total if kind is Shown.PRICE else shown.refused_price) == value
    terminal.set_closed(True)
    assert parse_screen(terminal.screen.lines).kind is Shown.CLOSED
