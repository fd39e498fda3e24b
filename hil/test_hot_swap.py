"""Hot swap on a running terminal: each sale is priced wholly by the module running when
ENTER is pressed, including a swap while a sale is being typed."""

from __future__ import annotations

from hil.cases import SwapCase
from hil.plugin import Record, ScenarioRun, record_case, verify_step


def test_hot_swap(swap_case: SwapCase, hot_swap: ScenarioRun, record_property: Record) -> None:
    record_case(record_property, "hot-swap", swap_case)
    for name, report in hot_swap.reports:
        assert report.accepted, f"{name}: expected the firmware to take it, found {report.ack}"
    assert len(hot_swap.sales) == 5
    for index, (planned, observation) in enumerate(hot_swap.sales):
        verify_step(record_property, index, planned, observation)
