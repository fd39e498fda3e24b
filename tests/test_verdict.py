"""The verdict rule as a table: every kind of check outcome, alone and in combination.

The expected column is written here by hand from the rule as the README states it
(PASS only when every selected check ran all of its cases and all held; FAIL when a
check proved the module wrong; otherwise ERROR), never computed by the code under test.
"""

from __future__ import annotations

from itertools import combinations_with_replacement

import pytest

from hil.qualify.results import CheckResult, NotRun, Outcome
from hil.qualify.verdict import verdict

P, F, E, S, N = Outcome.PASS, Outcome.FAIL, Outcome.ERROR, Outcome.SKIPPED, Outcome.INFO

# (outcome, selected, how its unrun cases are recorded, what it contributes to the
# verdict). "count": `skipped` > 0; "named": a NotRun entry naming them; "": every case
# ran. None: it judges nothing (a report, or a check the operator left out).
ROWS = [
    (P, True, "", P),
    (P, True, "count", E),
    (P, True, "named", E),
    (F, True, "", F),
    (F, True, "count", F),
    (F, True, "named", F),
    (E, True, "", E),
    (E, True, "count", E),
    (E, True, "named", E),
    (S, True, "", E),  # selected but did not run
    (S, True, "named", E),
    (N, True, "", None),  # INFO: reports, judges nothing
    (N, True, "count", E),
    (S, False, "", None),
]


def check(outcome: Outcome, selected: bool, unrun: str, name: str = "c") -> CheckResult:
    return CheckResult(
        name,
        name,
        outcome,
        {},
        "expected",
        "observed",
        skipped=3 if unrun == "count" else 0,
        not_run=(NotRun("board b0 has no readback", ("t[1]", "t[2]")),) if unrun == "named" else (),
        selected=selected,
    )


def expected_of(contributions: list[Outcome | None]) -> Outcome:
    """FAIL outranks ERROR outranks PASS; when nothing judged the module, ERROR."""
    return next((o for o in (F, E, P) if o in contributions), E)


@pytest.mark.parametrize(("outcome", "selected", "unrun", "contributes"), ROWS)
def test_one_check(
    outcome: Outcome, selected: bool, unrun: str, contributes: Outcome | None
) -> None:
    assert verdict([check(outcome, selected, unrun)]).outcome is expected_of([contributes])


@pytest.mark.parametrize("rows", list(combinations_with_replacement(range(len(ROWS)), 3)))
def test_every_combination_of_three_checks(rows: tuple[int, int, int]) -> None:
    picked = [ROWS[i] for i in rows]
    checks = [check(o, s, u, f"c{n}") for n, (o, s, u, _) in enumerate(picked)]
    assert verdict(checks).outcome is expected_of([c for *_, c in picked])


def test_a_left_out_check_is_named_and_does_not_block_a_pass() -> None:
    result = verdict([check(P, True, "", "claims"), check(S, False, "", "boards")])
    assert (result.outcome, result.left_out) == (P, ("boards",))


def test_the_reasons_name_each_check_that_kept_the_pass() -> None:
    result = verdict([check(P, True, "named", "boards"), check(E, True, "", "exhaustive")])
    assert result.outcome is E
    assert result.reasons == ("exhaustive: observed", "boards: 2 cases did not run")


@pytest.mark.parametrize("outcome", [o for o in Outcome if o is not S])
def test_only_a_skipped_check_can_be_left_out(outcome: Outcome) -> None:
    with pytest.raises(ValueError, match="left out, so SKIPPED"):
        check(outcome, False, "")


def test_the_table_holds_every_outcome_selected_and_the_left_out_one() -> None:
    assert {(o, s) for o, s, _, _ in ROWS} == {(o, True) for o in Outcome} | {(S, False)}
