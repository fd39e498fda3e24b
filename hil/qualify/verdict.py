"""The verdict of a qualification, from its checks: the one rule, in one place.

- FAIL when any check proved the module wrong, even if the rig also failed: the module
  must not ship either way.
- Else ERROR when any check could not finish (the rig failed), or when a selected check
  did not run or left any of its cases not run: what did not run proved nothing.
- Else PASS: every selected check ran all of its cases and all held, and at least one
  check judged the module (a run that judged nothing proves nothing: ERROR).

A check the operator left out (`selected` False, e.g. the boards under `--no-boards`)
does not count, and the verdict names it; INFO checks report without judging.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hil.qualify.results import CheckResult, Outcome

RULE = (
    "PASS only when every selected check ran all of its cases and all held; FAIL when any "
    "check proved the module wrong; otherwise ERROR"
)


@dataclass(frozen=True)
class Verdict:
    outcome: Outcome
    reasons: tuple[str, ...]
    left_out: tuple[str, ...]


def _unproven(check: CheckResult) -> str | None:
    """Why a selected check that did not fail or error still proves less than a PASS."""
    if check.outcome is Outcome.SKIPPED:
        return f"{check.name}: did not run ({check.observed})"
    missing = check.skipped + check.not_run_cases
    if missing:
        return f"{check.name}: {missing} cases did not run"
    return None


def verdict(checks: Sequence[CheckResult]) -> Verdict:
    selected = [c for c in checks if c.selected]
    left_out = tuple(c.name for c in checks if not c.selected)
    failed = [f"{c.name}: {c.observed}" for c in selected if c.outcome is Outcome.FAIL]
    if failed:
        return Verdict(Outcome.FAIL, tuple(failed), left_out)
    errors = [f"{c.name}: {c.observed}" for c in selected if c.outcome is Outcome.ERROR]
    unproven = [u for c in selected if (u := _unproven(c)) is not None]
    if errors or unproven:
        return Verdict(Outcome.ERROR, tuple(errors + unproven), left_out)
    if not any(c.outcome is Outcome.PASS for c in selected):
        return Verdict(Outcome.ERROR, ("no check judged the module",), left_out)
    return Verdict(Outcome.PASS, (), left_out)
