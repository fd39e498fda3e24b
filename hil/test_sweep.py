"""Sweeps through the whole path: keys on the board, the firmware prices, the display
read back must show the specified outcome, at every hour of the declared grid."""

from __future__ import annotations

from hil.cases import SaleCase
from hil.handles import TerminalUnderTest
from hil.verify import Record, record_case, verify_case


def _sell_and_verify(
    check: str, case: SaleCase, terminal: TerminalUnderTest, record: Record
) -> None:
    record_case(record, check, case)
    verify_case(record, case, terminal.sell(case.count, case.unit_price, hour=case.hour))


def test_sweep(
    sweep_case: SaleCase, hil_terminal: TerminalUnderTest, record_property: Record
) -> None:
    """The written rule of the module, guarded to 0..max, is what the customer sees."""
    _sell_and_verify("sweep", sweep_case, hil_terminal, record_property)


def test_golden(
    golden_case: SaleCase, hil_terminal: TerminalUnderTest, record_property: Record
) -> None:
    """Every golden case of the module's manifest, through the board."""
    _sell_and_verify("golden", golden_case, hil_terminal, record_property)
