"""Hot swap on a running terminal: each sale is priced wholly by the module running when
ENTER is pressed, including a swap while a sale is being typed."""

from __future__ import annotations

from firmware_host.keys import Key
from firmware_host.reported import ReportedState
from hil.cases import Step, SwapCase, step
from hil.handles import TerminalUnderTest
from hil.verify import Record, record_case, verify_step


def _took(report: ReportedState | None, what: str) -> None:
    if report is not None:
        assert report.accepted, f"{what}: expected the firmware to take it, found {report.ack}"


def test_hot_swap(
    swap_case: SwapCase, hil_terminal: TerminalUnderTest, record_property: Record
) -> None:
    record_case(record_property, "hot-swap", swap_case)
    subject, other, terminal = swap_case.subject, swap_case.other, hil_terminal
    checked: list[Step] = []

    def sell(planned: Step) -> None:
        seen = terminal.sell(planned.count, planned.unit_price, hour=planned.hour)
        verify_step(record_property, len(checked), planned, seen)
        checked.append(planned)

    _took(terminal.run(other), f"load {other.label}")
    sell(step(other, 15, 3, 7))
    _took(terminal.load(subject), f"swap to {subject.label}")
    sell(step(subject, 15, 3, 7))
    sell(step(subject, 0, 201, 1))
    # Half a sale typed under `subject`, the swap back, then ENTER: `other` prices it.
    mid_sale = step(other, 15, 3, 7)
    terminal.clock.set_hour(mid_sale.hour)
    terminal.press(Key.CLEAR, Key.D3, Key.QUANTITY)
    _took(terminal.load(other), f"swap to {other.label} mid-sale")
    verify_step(record_property, len(checked), mid_sale, terminal.enter(Key.D7, Key.ENTER))
    checked.append(mid_sale)
    sell(step(other, 12, 1, 10))
