"""Sweeps through the whole path: keys on the board, the firmware prices, the display
read back must show the specified outcome, at every hour of the declared grid."""

from __future__ import annotations

from hil.cases import SaleCase
from hil.plugin import Record, SaleRun, record_case, verify_sale


def _verify(check: str, case: SaleCase, run: SaleRun, record_property: Record) -> None:
    record_case(record_property, check, case)
    for name in ("hour", "count", "unit_price"):
        record_property(name, getattr(case, name))
    if run.observation is None:
        ack = run.load.ack if run.load else None
        raise AssertionError(
            f"{case.subject.label}: expected the {case.abi.value} firmware to load it, found {ack}"
        )
    verify_sale(
        record_property,
        case.subject,
        case.hour,
        case.count,
        case.unit_price,
        case.expected,
        run.observation,
    )


def test_sweep(sweep_case: SaleCase, sweep_sale: SaleRun, record_property: Record) -> None:
    """The written rule of the module, guarded to 0..max, is what the customer sees."""
    _verify("sweep", sweep_case, sweep_sale, record_property)


def test_golden(golden_case: SaleCase, golden_sale: SaleRun, record_property: Record) -> None:
    """Every golden case of the module's manifest, through the board."""
    _verify("golden", golden_case, golden_sale, record_property)
