"""The terminal's keypad logic and customer display: a pure state machine.

Key events in, display lines out; no I/O, no threads, no clock. The TUI, the serial
keypad reader and the HIL suite all drive this one object, and the display drivers
only copy its `Screen` to the glass, so what a customer sees is decided here alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any, ClassVar

from firmware_host.config import MAX_TAX
from firmware_host.errors import InvalidInput, InvalidPrice, ModuleFault
from firmware_host.keys import Key
from firmware_host.pricing import Outcome, Priced, Refused
from firmware_host.runtime import check_range
from firmware_host.texts import EN, Texts, texts_for

PriceFn = Callable[[int, int], Outcome]
MAX_DIGITS = 9  # any 9-digit number is a valid i32, so typing can never wrap
CENTS = Decimal("0.01")


@dataclass(frozen=True)
class Screen:
    """Exactly what the customer display shows: `rows` lines of exactly `cols` chars."""

    lines: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def total_with_tax(price: int, tax: Decimal) -> Decimal:
    """The amount the customer pays, rounded half-up to cents as on a receipt."""
    return (Decimal(price) * (1 + tax)).quantize(CENTS, rounding=ROUND_HALF_UP)


def refusal_lines(texts: Texts, price: int, cols: int) -> tuple[str, str]:
    """`Invalid price : N` on one line when it fits, else label and value on two."""
    one_line = f"{texts.invalid_price} : {price}"
    if len(one_line) <= cols:
        return one_line, texts.refused
    return f"{texts.invalid_price} :", str(price).rjust(cols)


def _lr(left: str, right: str, cols: int) -> str:
    """Label left, value right-aligned; the value wins when both do not fit."""
    room = cols - len(right) - 1
    if room < 0:
        return right.rjust(cols)
    return f"{left[:room]:<{room}} {right}"


def _priced_lines(texts: Texts, outcome: Priced, tax: Decimal, cols: int) -> tuple[str, str]:
    sale = f"{outcome.count} x {outcome.unit_price}"
    return sale, _lr(texts.total, str(total_with_tax(outcome.price, tax)), cols)


def _guard_lines(texts: Texts, error: InvalidPrice, cols: int) -> tuple[str, str]:
    return refusal_lines(texts, error.price, cols)


def _input_lines(texts: Texts, error: InvalidInput, cols: int) -> tuple[str, str]:
    return texts.out_of_range, _lr(texts.field_label(error.field), str(error.value), cols)


def _fault_lines(texts: Texts, error: Exception, cols: int) -> tuple[str, str]:
    return texts.fault, texts.attendant


# What the display shows for each kind of refusal; looked up along the error's MRO,
# anything unforeseen shows as a fault rather than a blank or a crash.
REFUSAL_SCREENS: dict[type[Exception], Callable[[Texts, Any, int], tuple[str, str]]] = {
    InvalidPrice: _guard_lines,
    InvalidInput: _input_lines,
    ModuleFault: _fault_lines,
}


def _refused_lines(texts: Texts, error: Exception, cols: int) -> tuple[str, str]:
    kind = next((k for k in type(error).__mro__ if k in REFUSAL_SCREENS), ModuleFault)
    return REFUSAL_SCREENS[kind](texts, error, cols)


class TerminalLogic:
    """Keypad state machine: digits, QUANTITY, ENTER, BACKSPACE, CLEAR.

    Digits build a number; QUANTITY makes it the count and starts the unit price;
    ENTER prices it (count 1 when QUANTITY was not pressed). After a sale is shown,
    the next digit starts a new sale; ENTER again does not sell twice.
    """

    def __init__(
        self,
        price: PriceFn,
        language: str = "EN",
        tax: float | Decimal = 0,
        rows: int = 2,
        cols: int = 20,
    ) -> None:
        # Two lines of 20 is the smallest display that shows "Invalid price : 110".
        check_range("rows", rows, 2, 4)
        check_range("cols", cols, 20, 40)
        self._price = price
        self.rows = rows
        self.cols = cols
        self._texts = EN
        self._tax = Decimal(0)
        self.set_language(language)
        self.set_tax(tax)
        self.closed = False
        self._entry = ""
        self._count: int | None = None
        self.last_outcome: Outcome | None = None
        self._showing = False

    # --- configuration ---------------------------------------------------------

    @property
    def language(self) -> str:
        return self._texts.code

    @property
    def tax(self) -> Decimal:
        return self._tax

    def set_language(self, language: str) -> None:
        self._texts = texts_for(language)

    def set_tax(self, tax: float | Decimal) -> None:
        """A rate, 0.10 for 10 %; floats go through str so 0.1 stays exactly 0.1."""
        try:
            rate = Decimal(str(tax))
        except InvalidOperation:
            raise InvalidInput("tax", 0, MAX_TAX, tax) from None
        if isinstance(tax, bool) or not rate.is_finite() or not 0 <= rate <= MAX_TAX:
            raise InvalidInput("tax", 0, MAX_TAX, tax)
        self._tax = rate

    def set_closed(self, closed: bool) -> None:
        """Closing abandons the sale being typed; reopening starts from a clear screen."""
        self.closed = closed
        self._reset()

    # --- keys ------------------------------------------------------------------

    def press(self, key: Key) -> Screen:
        if not self.closed:
            digit = key.digit
            if digit is not None:
                self._digit(digit)
            else:
                self._KEY_ACTIONS[key](self)
        return self.screen

    def _reset(self) -> None:
        self._entry = ""
        self._count = None
        self._showing = False

    def _digit(self, digit: int) -> None:
        if self._showing:
            self._reset()
        if len(self._entry) < MAX_DIGITS:
            self._entry = str(digit) if self._entry == "0" else self._entry + str(digit)

    def _backspace(self) -> None:
        if not self._showing:
            self._entry = self._entry[:-1]

    def _quantity(self) -> None:
        if not self._showing and self._entry:
            self._count = int(self._entry)
            self._entry = ""

    def _enter(self) -> None:
        if self._showing or not self._entry:
            return
        count = 1 if self._count is None else self._count
        self.last_outcome = self._price(count, int(self._entry))
        self._showing = True

    _KEY_ACTIONS: ClassVar[dict[Key, Callable[[TerminalLogic], None]]] = {
        Key.BACKSPACE: _backspace,
        Key.QUANTITY: _quantity,
        Key.ENTER: _enter,
        Key.CLEAR: _reset,
    }

    # --- display ---------------------------------------------------------------

    @property
    def screen(self) -> Screen:
        texts, cols = self._texts, self.cols
        if self.closed:
            lines: tuple[str, ...] = (texts.closed, texts.closed_hint)
        elif self._showing and isinstance(self.last_outcome, Priced):
            lines = _priced_lines(texts, self.last_outcome, self._tax, cols)
        elif self._showing and isinstance(self.last_outcome, Refused):
            lines = _refused_lines(texts, self.last_outcome.error, cols)
        elif self._count is not None:
            lines = (f"{self._count} x {texts.unit_price}", self._entry.rjust(cols))
        else:
            lines = (texts.enter_price, self._entry.rjust(cols))
        padded = tuple(line[:cols].ljust(cols) for line in lines)
        return Screen(padded + (" " * cols,) * (self.rows - len(padded)))
