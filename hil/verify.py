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
    dropped = observation.dropped.dropped
    observed = observed_text(observation)
    if dropped:  # what the display shows may follow from it: the record says both
        observed += f" (board: {observation.dropped.describe()})"
    record("observed", observed)
    record("dropped", observation.dropped.describe())
    seen = displayed(observation.shown)
    mismatches = observation.state_mismatches()
    problems = []
    if seen != expected:
        problems.append(f"expected {expected}, found the display showing {observation.lines!r}")
    if observation.priced_by != module.sha256:
        problems.append(
            f"expected the sale priced by {module.label} ({module.sha256}), "
            f"found {observation.priced_by}"
        )
    if dropped:
        problems.append(
            "expected the display driver to send only bytes its command set defines, "
            f"found the board dropping {observation.dropped.describe()}"
        )
    if mismatches:
        problems.append(
            "expected the board's settings to be the ones the display driver made, "
            f"found {'; '.join(mismatches)}"
        )
    record("outcome", "fail" if problems else "pass")
    # One assert naming every problem: a wrong screen caused by dropped bytes says so.
    assert not problems, f"{module.label} h{hour:02d} {count} x {unit_price}: " + "; ".join(
        problems
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
