"""The checks of a qualification that need no board: claims, ABI, golden cases,
specification, exhaustive tier and the difference against the deployed version.

Each check is a function from the `Context` to a `CheckResult`, listed in `CHECKS` by
name; the qualification runs the list, so a new check is one entry, not a new branch.
Expectations come from the manifest (golden cases, domain, signature) and from the
written rule the manifest names (hil/reference.py), never from running the module.
"""

from __future__ import annotations

import contextlib
import hashlib
import tempfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from firmware_host.abi import FirmwareAbi, Signature
from firmware_host.errors import FirmwareError, ModuleFault, ModuleRejected
from firmware_host.pricing import DEFAULT_MAX_COUNT, DEFAULT_MAX_UNIT_PRICE
from firmware_host.runtime import EXPORT_NAME, PriceModule, export_signature
from hil.cases import limits_of
from hil.exhaustive import Case, Domain, Finding, diff_versions, run_exhaustive, sweepable
from hil.exhaustive.conformance import conformance, spec_plane
from hil.exhaustive.findings import MIN_FRACTION
from hil.grid import Grid
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
from hil.subject import Subject
from price_modules.catalogue import Manifest
from price_modules.specification import PriceTable


@dataclass(frozen=True)
class Context:
    """Everything a check may look at; checks never change it."""

    subject: Subject
    abi: FirmwareAbi
    grid: Grid
    deployed: Subject | None

    @cached_property
    def export(self) -> Signature | str | None:
        """`price_func`'s signature as the binary declares it (None if not a function),
        or the firmware's reason it cannot be read; read once per qualification."""
        try:
            return export_signature(self.subject.wasm)
        except FirmwareError as exc:
            return f"{type(exc).__name__}: {exc}"


CheckFn = Callable[[Context, Reporter], CheckResult]


def case_id(hour: int, count: int, unit_price: int) -> str:
    return f"h{hour:02d}-c{count}-p{unit_price}"


def abi_of(signature: Signature | None) -> str | None:
    """The firmware generation whose host ABI is `signature`, if any calls it."""
    return next((abi.value for abi in FirmwareAbi if abi.signature == signature), None)


# --- claims and ABI ---------------------------------------------------------------


def check_claims(ctx: Context, progress: Reporter) -> CheckResult:
    """The binary is what its manifest says (sha256, size, export signature), and the
    declared domain covers every sale a terminal takes: the exhaustive tier sweeps the
    declared domain, so a narrower one would leave sales the terminal makes unswept."""
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
        bench = FirmwareBench(Path(state), ctx.abi, ctx.subject.manifest.max_price)
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
        **vars(limits_of(ctx.subject)),
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
        SaleSpec(h, c, p, _expectation(rule, limits_of(ctx.subject), c, p, h))
        for h in ctx.grid.hours
        for c, p in ctx.grid.pairs
    ]
    return run_sales(ctx, "specification", title, limits, sales, progress)


# --- the exhaustive tier ----------------------------------------------------------


def _finding_cases(
    examples: Sequence[Case], expected: Callable[[Case], str], observed: Callable[[Case], str]
) -> list[CaseResult]:
    return [
        CaseResult(
            case_id(c.hour, c.count, c.unit_price),
            expected(c),
            observed(c),
            Outcome.FAIL,
            c.hour,
            c.count,
            c.unit_price,
            "exhaustive",
        )
        for c in examples
    ]


def _refused(
    ctx: Context, name: str, title: str, limits: dict[str, Any], expected: str, exc: Exception
) -> CheckResult:
    """The firmware refuses the candidate: the module is wrong, whatever stage refused."""
    return CheckResult(
        name,
        title,
        Outcome.FAIL,
        limits,
        expected,
        f"refused by the {ctx.abi.value} firmware: {type(exc).__name__}: {exc}",
        failed=1,
    )


def _not_swept(
    name: str, title: str, limits: dict[str, Any], expected: str, exc: Exception
) -> CheckResult:
    """The rig could not sweep a module the firmware accepts: nothing was proven."""
    return CheckResult(
        name, title, Outcome.ERROR, limits, expected, f"{type(exc).__name__}: {exc}", errors=1
    )


def _min_fraction(manifest: Manifest) -> float:
    """The smallest share of count x unit price the module may charge: its price table's
    smallest multiplier, else the catalogue family's (wrap_thresholds)."""
    spec = manifest.specification
    return min(spec.multipliers) if isinstance(spec, PriceTable) else MIN_FRACTION


def check_exhaustive(ctx: Context, progress: Reporter) -> CheckResult:
    """Every case of the declared domain in wasm: each result the specification's, none
    wrapped around into range, no fault."""
    manifest = ctx.subject.manifest
    limits: dict[str, Any] = {"max_price": manifest.max_price}
    title = "Exhaustive tier over the declared domain"
    expected = (
        "every result the specification's, none wrapped around i32 into 0..max_price, no "
        "case faults"
    )
    expected_of = spec_plane(manifest)
    try:
        domain = Domain.for_manifest(manifest)
        limits["domain"] = domain.to_dict()
        report = run_exhaustive(
            ctx.subject.wasm,
            domain,
            manifest.max_price,
            label=ctx.subject.label,
            abi=ctx.abi,
            min_fraction=_min_fraction(manifest),
        )
        conform = (
            None
            if expected_of is None
            else conformance(ctx.subject.wasm, domain, expected_of, abi=ctx.abi)
        )
    except (ModuleRejected, ModuleFault) as exc:
        return _refused(ctx, "exhaustive", title, limits, expected, exc)
    except SpecificationError as exc:  # the candidate's own specification cannot answer
        return CheckResult(
            "exhaustive", title, Outcome.FAIL, limits, expected,
            f"not run: the specification could not answer: {exc}", failed=1,
        )  # fmt: skip
    except FirmwareError as exc:
        return _not_swept("exhaustive", title, limits, expected, exc)
    wraps, faults, counts = report.wrap_into_range, report.faults, report.counts
    differ = conform.differ if conform is not None else Finding()
    cases = (
        _finding_cases(
            differ.examples,
            lambda c: f"{c.reference} (the specification)",
            lambda c: f"{c.result}",
        )
        + _finding_cases(
            wraps.examples,
            lambda c: f"guard refusal (count x unit price = {c.reference}, wrapped around i32)",
            lambda c: f"price {c.result} accepted by the guard",
        )
        + _finding_cases(faults.examples, lambda c: "a price or a guard refusal", lambda c: c.note)
    )
    bad = differ.cases + wraps.cases + faults.cases
    compared = (
        f"{differ.cases} of {conform.compared} differ from the specification"
        if conform is not None
        else "none compared with a specification (the manifest declares none)"
    )
    observed = (
        f"{counts.total} cases: {compared}; {counts.in_bounds} in bounds, "
        f"{counts.guard_refusal} guard refusals, {wraps.cases} wrapped into range, "
        f"{faults.cases} faults, {report.falling_prices.cases} falling prices"
    )
    details = report.to_dict()
    if conform is not None:
        details["conformance"] = conform.to_dict()
    return CheckResult(
        "exhaustive",
        title,
        Outcome.FAIL if bad else Outcome.PASS,
        limits,
        expected,
        observed,
        passed=counts.total - bad - counts.unevaluated,
        failed=bad,
        skipped=counts.unevaluated,
        cases=tuple(cases[:MAX_CASES]),
        details=details,
    )


def check_deployed(ctx: Context, progress: Reporter) -> CheckResult:
    """Where the candidate prices differently from the deployed version (reported, not
    judged: a new version is meant to differ). A candidate the firmware refuses fails."""
    manifest = ctx.subject.manifest
    title = "Difference against the deployed version"
    limits: dict[str, Any] = {}
    deployed = ctx.deployed
    expected = "a comparison with the deployed version"
    try:
        sweepable(ctx.subject.wasm, abi=ctx.abi)
        domain = Domain.for_manifest(manifest)
        limits["domain"] = domain.to_dict()
    except (ModuleRejected, ModuleFault) as exc:
        return _refused(ctx, "deployed", title, limits, expected, exc)
    except FirmwareError as exc:
        return _not_swept("deployed", title, limits, expected, exc)
    if deployed is None:
        return CheckResult(  # a report, not a judgement: there is nothing to compare
            "deployed",
            title,
            Outcome.INFO,
            limits,
            "a deployed version to compare with",
            "no deployed version with the same signature",
        )
    labels = (deployed.label, ctx.subject.label)
    try:
        diff = diff_versions(deployed.wasm, ctx.subject.wasm, domain, labels=labels, abi=ctx.abi)
    except FirmwareError as exc:
        # The candidate loads, so this is the deployed module or the rig: not proven.
        return _not_swept("deployed", title, limits, f"a comparison with {deployed.label}", exc)
    observed = f"{diff.changed} of {domain.size} cases differ, in hours {diff.hours}"
    return CheckResult(
        "deployed",
        title,
        Outcome.INFO,
        {**limits, "deployed": deployed.label},
        f"report the cases that differ from {deployed.label} ({deployed.sha256[:12]})",
        observed,
        details=diff.to_dict(),
    )


CHECKS: dict[str, CheckFn] = {
    "claims": check_claims,
    "abi": check_abi,
    "golden": check_golden,
    "specification": check_specification,
    "exhaustive": check_exhaustive,
    "deployed": check_deployed,
}
