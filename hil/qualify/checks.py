"""The checks of a qualification that need no board: claims, ABI, golden cases and
specification here, the exhaustive tier and the difference against the deployed
version in exhaustive_checks.py.

Each check is a function from the `Context` to a `CheckResult`, listed in `CHECKS` by
name; the qualification runs the list, so a new check is one entry, not a new branch.
Expectations come from the manifest (golden cases, domain, signature) and from the
written rule the manifest names (hil/reference.py), never from running the module.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from firmware_host.errors import ModuleRejected
from firmware_host.pricing import DEFAULT_MAX_COUNT, DEFAULT_MAX_PRICE, DEFAULT_MAX_UNIT_PRICE
from firmware_host.runtime import EXPORT_NAME, PriceModule
from hil.cases import terminal_limits
from hil.qualify.context import CheckFn, Context, case_id
from hil.qualify.exhaustive_checks import check_deployed, check_exhaustive
from hil.qualify.firmware import FirmwareBench
from hil.qualify.progress import Reporter
from hil.qualify.results import MAX_CASES, CaseResult, CheckResult, Outcome
from hil.reference import (
    Expected,
    GoldenCaseError,
    Limits,
    PriceRule,
    expect_golden,
    expect_sale,
)
from hil.reference_process import SpecificationError

# --- claims and ABI ---------------------------------------------------------------


def check_claims(ctx: Context, progress: Reporter) -> CheckResult:
    """The binary is what its manifest says (sha256, size, export signature); the
    declared domain covers every sale a terminal takes (the exhaustive tier sweeps the
    declared domain, so a narrower one would leave sales the terminal makes unswept);
    and its `max_price` is the terminal's guard (the checks hold prices to it, so
    another one would pass prices a terminal refuses, or refuse prices it shows)."""
    subject, manifest = ctx.subject, ctx.subject.manifest
    sha256 = hashlib.sha256(subject.wasm).hexdigest()
    takes = f"counts 0..{DEFAULT_MAX_COUNT}, unit prices 0..{DEFAULT_MAX_UNIT_PRICE}"
    declared = f"counts 0..{manifest.max_count}, unit prices 0..{manifest.max_unit_price}"
    covers = (
        manifest.max_count >= DEFAULT_MAX_COUNT
        and manifest.max_unit_price >= DEFAULT_MAX_UNIT_PRICE
    )
    claims = (
        ("sha256", manifest.sha256, sha256, manifest.sha256 == sha256),
        ("size", str(manifest.size), str(len(subject.wasm)), manifest.size == len(subject.wasm)),
        (
            "signature",
            str(manifest.signature),
            str(ctx.export),
            str(manifest.signature) == str(ctx.export),
        ),
        ("domain", f"at least what a terminal takes: {takes}", declared, covers),
        (
            "max_price",
            f"{DEFAULT_MAX_PRICE}, the terminal's guard (it refuses prices outside "
            f"0..{DEFAULT_MAX_PRICE})",
            str(manifest.max_price),
            manifest.max_price == DEFAULT_MAX_PRICE,
        ),
    )
    cases = tuple(
        CaseResult(name, expected, observed, Outcome.FAIL)
        for name, expected, observed, holds in claims
        if not holds
    )
    return CheckResult(
        name="claims",
        title="Binary matches its manifest",
        outcome=Outcome.FAIL if cases else Outcome.PASS,
        limits={"fields": [name for name, *_ in claims]},
        expected="; ".join(f"{n} {e}" for n, e, _, _ in claims),
        observed="; ".join(f"{n} {o}" for n, _, o, _ in claims),
        passed=len(claims) - len(cases),
        failed=len(cases),
        cases=cases,
    )


def check_abi(ctx: Context, progress: Reporter) -> CheckResult:
    """The target firmware loads the module: its export is that firmware's host ABI."""
    expected = f"{EXPORT_NAME} {ctx.abi.signature}, loaded by the {ctx.abi.value} firmware"
    try:
        PriceModule.load(ctx.subject.wasm, ctx.abi)
    except ModuleRejected as exc:
        observed = f"refused: {type(exc).__name__}: {exc}"
        case = CaseResult(f"load-{ctx.abi.value}", expected, observed, Outcome.FAIL)
        return _abi_result(ctx, Outcome.FAIL, expected, observed, (case,))
    return _abi_result(ctx, Outcome.PASS, expected, "loaded", ())


def _abi_result(
    ctx: Context, outcome: Outcome, expected: str, observed: str, cases: tuple[CaseResult, ...]
) -> CheckResult:
    return CheckResult(
        name="abi",
        title=f"Accepted by the {ctx.abi.value} firmware",
        outcome=outcome,
        limits={"firmware_abi": ctx.abi.value, "host_signature": str(ctx.abi.signature)},
        expected=expected,
        observed=observed,
        passed=int(outcome is Outcome.PASS),
        failed=len(cases),
        cases=cases,
    )


# --- sales through the firmware ---------------------------------------------------


@dataclass(frozen=True)
class SaleSpec:
    """One sale to run and what it must show (or why no expectation could be formed)."""

    hour: int
    count: int
    unit_price: int
    expected: Expected | str


@contextlib.contextmanager
def firmware(ctx: Context) -> Iterator[FirmwareBench | str]:
    """A terminal running the candidate, or the reason it refused to load it."""
    with tempfile.TemporaryDirectory(prefix="pos-qualify-") as state:
        bench = FirmwareBench(Path(state), ctx.abi, DEFAULT_MAX_PRICE)  # a terminal's guard
        try:
            report = bench.load(ctx.subject.wasm, ctx.subject.label)
            yield bench if report.accepted else f"{report.ack.error}: {report.ack.reason}"
        finally:
            bench.close()


def run_sales(
    ctx: Context,
    name: str,
    title: str,
    limits: dict[str, Any],
    sales: Sequence[SaleSpec],
    progress: Reporter,
) -> CheckResult:
    """Every sale through the in-process firmware; a case passes when the terminal
    shows exactly its expectation."""
    expected_text = f"{len(sales)} sales show their specified price or guard refusal"
    with firmware(ctx) as bench:
        if isinstance(bench, str):  # the module's own doing: it cannot be sold with
            return CheckResult(
                name,
                title,
                Outcome.FAIL,
                limits,
                expected_text,
                f"not run: the {ctx.abi.value} firmware refused the module ({bench})",
                failed=len(sales),
            )
        failing: list[CaseResult] = []
        progress.set_total(len(sales))
        for sale in sales:
            where = case_id(sale.hour, sale.count, sale.unit_price)
            observed = (
                bench.sale(sale.hour, sale.count, sale.unit_price)
                if isinstance(sale.expected, Expected)
                else "not run"
            )
            if observed != sale.expected:
                failing.append(
                    CaseResult(
                        where,
                        str(sale.expected),
                        str(observed),
                        Outcome.FAIL,
                        sale.hour,
                        sale.count,
                        sale.unit_price,
                        "firmware",
                    )
                )
            progress.advance()
    outcome = Outcome.FAIL if failing else Outcome.PASS
    observed_text = f"{len(sales) - len(failing)} of {len(sales)} sales as specified" + (
        f"; failing: {', '.join(c.case_id for c in failing[:10])}" if failing else ""
    )
    return CheckResult(
        name,
        title,
        outcome,
        limits,
        expected_text,
        observed_text,
        passed=len(sales) - len(failing),
        failed=len(failing),
        cases=tuple(failing[:MAX_CASES]),
    )


def check_golden(ctx: Context, progress: Reporter) -> CheckResult:
    """The manifest's golden cases, each a price or a guard refusal."""
    sales = []
    for i, g in enumerate(ctx.subject.manifest.golden):
        try:
            expected: Expected | str = expect_golden(g.price, g.refusal, f"golden[{i}]")
        except GoldenCaseError as exc:
            expected = str(exc)
        sales.append(SaleSpec(g.hour, g.count, g.unit_price, expected))
    limits = {"cases": len(sales), "max_price": ctx.subject.manifest.max_price}
    title = "Golden cases through the firmware"
    if not sales:  # nothing written down to hold the module to: it cannot ship
        return CheckResult(
            "golden",
            title,
            Outcome.FAIL,
            limits,
            "golden cases declared by the manifest",
            "not run: the manifest declares no golden cases",
            failed=1,
        )
    return run_sales(ctx, "golden", title, limits, sales, progress)


def _expectation(
    rule: PriceRule, limits: Limits, count: int, unit_price: int, hour: int
) -> Expected | str:
    """The sale's specified outcome, or why the specification gave none (the case then
    fails: a candidate whose specification cannot answer cannot ship)."""
    try:
        return expect_sale(rule, limits, count, unit_price, hour)
    except SpecificationError as exc:
        return f"no expectation: {exc}"


def check_specification(ctx: Context, progress: Reporter) -> CheckResult:
    """The declared grid at every hour against the written rule the manifest names."""
    rule = ctx.subject.rule
    title = "Specification over the grid through the firmware"
    limits = {
        "grid": ctx.grid.name,
        "hours": list(ctx.grid.hours),
        "pairs": [list(p) for p in ctx.grid.pairs],
        **vars(terminal_limits()),
    }
    if rule is None:  # a candidate that does not say what it must do cannot ship
        return CheckResult(
            "specification",
            title,
            Outcome.FAIL,
            limits,
            "a specification declared by the manifest",
            "not run: the manifest declares no specification (a price table or a reference file)",
            failed=1,
        )
    sales = [
        SaleSpec(h, c, p, _expectation(rule, terminal_limits(), c, p, h))
        for h in ctx.grid.hours
        for c, p in ctx.grid.pairs
    ]
    return run_sales(ctx, "specification", title, limits, sales, progress)


CHECKS: dict[str, CheckFn] = {
    "claims": check_claims,
    "abi": check_abi,
    "golden": check_golden,
    "specification": check_specification,
    "exhaustive": check_exhaustive,
    "deployed": check_deployed,
}
