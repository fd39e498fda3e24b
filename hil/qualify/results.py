"""What one check of a qualification found: its outcome, cases and the cases it could
not run, with why.

Outcomes mean one thing everywhere: FAIL the module is wrong, ERROR the rig could not
prove it, PASS every case ran and held; SKIPPED is a check the operator left out (it
did not run), INFO a check that reports without judging.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

# Failing cases kept per check; the count of all of them is always recorded.
MAX_CASES = 200


class Outcome(StrEnum):
    PASS = "PASS"
    FAIL = "FAIL"
    ERROR = "ERROR"
    SKIPPED = "SKIPPED"
    INFO = "INFO"


@dataclass(frozen=True)
class CaseResult:
    """One case that did not pass; `case_id` is `h12-c1-p10` or a HIL test id."""

    case_id: str
    expected: str
    observed: str
    outcome: Outcome
    hour: int | None = None
    count: int | None = None
    unit_price: int | None = None
    where: str = ""


@dataclass(frozen=True)
class NotRun:
    """Cases of a check that did not run, all for one reason; every one is named."""

    reason: str
    cases: tuple[str, ...]


@dataclass(frozen=True)
class CheckResult:
    """One check: its limits, what it expected and observed, its cases and outcome.

    `selected` is False only for a check the operator left out (it then did not run and
    is SKIPPED); `not_run` names every case of a selected check that did not run.
    """

    name: str
    title: str
    outcome: Outcome
    limits: dict[str, Any]
    expected: str
    observed: str
    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    cases: tuple[CaseResult, ...] = ()
    details: dict[str, Any] = field(default_factory=dict)
    selected: bool = True
    not_run: tuple[NotRun, ...] = ()
    seconds: float = 0.0

    def __post_init__(self) -> None:
        if not self.selected and self.outcome is not Outcome.SKIPPED:
            raise ValueError(f"check {self.name}: left out, so SKIPPED, found {self.outcome}")

    @property
    def not_run_cases(self) -> int:
        return sum(len(n.cases) for n in self.not_run)

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped + self.not_run_cases
