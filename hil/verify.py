"""Judging a sale the way the HIL suite does, and writing down what was judged.

A sale is judged on what the customer saw and on the display driver under test: a
byte the board dropped, or a board setting the driver did not make, FAILs it too.

Each check records its limits, expected and observed outcome as test properties (JUnit
`<property>`), so a qualification record can name every case without re-running it;
then asserts, so a wrong price, a missing guard or a wrong acceptance is a FAIL.
"""

from __future__ import annotations

from collections.abc import Callable

from hil.cases import AbiCase, SaleCase, Step, SwapCase, terminal_limits
from hil.harness import Observation
from hil.reference import Expected, displayed
from hil.subject import Subject

# pytest's record_property fixture: (name, value) lands in the JUnit XML test case.
Record = Callable[[str, object], None]


def observed_text(observation: Observation) -> str:
    return " | ".join(line.rstrip() for line in observation.lines)


def verify_sale(
    record: Record,
    module: Subject,
    hour: int,
    count: int,
    unit_price: int,
    expected: Expected,
    observation: Observation,
    prefix: str = "",
) -> None:
    """Record the check's limits, expected and observed outcome, then assert them;
    a scenario's sales record under `sale<i>.` prefixes."""
    limits = terminal_limits()
    record = _prefixed(record, prefix)
    record(
        "limits",
        f"price 0..{limits.max_price}, count 0..{limits.max_count}, "
        f"unit price 0..{limits.max_unit_price}",
    )
    record("expected", str(expected))
    record("observed", observed_text(observation))
    record("dropped", observation.dropped.describe())
    seen = displayed(observation.shown)
    mismatches = observation.state_mismatches()
    held = seen == expected and observation.priced_by == module.sha256
    held = held and not observation.dropped.dropped and not mismatches
    record("outcome", "pass" if held else "fail")
    where = f"{module.label} h{hour:02d} {count} x {unit_price}"
    assert seen == expected, (
        f"{where}: expected {expected}, found the display showing {observation.lines!r}"
    )
    assert observation.priced_by == module.sha256, (
        f"{where}: expected the sale priced by {module.label} ({module.sha256}), "
        f"found {observation.priced_by}"
    )
    assert not observation.dropped.dropped, (
        f"{where}: expected the display driver to send only bytes its command set defines, "
        f"found the board dropping {observation.dropped.describe()}"
    )
    assert not mismatches, (
        f"{where}: expected the board's settings to be the ones the display driver made, "
        f"found {'; '.join(mismatches)}"
    )


def _prefixed(record: Record, prefix: str) -> Record:
    return lambda name, value: record(prefix + name, value)


def verify_step(record: Record, index: int, planned: Step, observation: Observation) -> None:
    verify_sale(
        record,
        planned.module,
        planned.hour,
        planned.count,
        planned.unit_price,
        planned.expected,
        observation,
        prefix=f"sale{index}.",
    )


def verify_case(record: Record, case: SaleCase, observation: Observation) -> None:
    for name in ("hour", "count", "unit_price"):
        record(name, getattr(case, name))
    verify_sale(
        record,
        case.subject,
        case.hour,
        case.count,
        case.unit_price,
        case.expected,
        observation,
    )


def record_case(record: Record, check: str, case: SaleCase | AbiCase | SwapCase) -> None:
    record("check", check)
    record("module", case.subject.label)
    record("module_sha256", case.subject.sha256)
    record("board", case.board)
    record("firmware_abi", case.abi.value)
