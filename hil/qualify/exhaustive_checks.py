"""The exhaustive checks of a qualification: every case of the declared domain held to
the specification (no wrap into range, no fault), and the difference against the
deployed version (reported, not judged). Both sweep in wasm (hil/exhaustive).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from firmware_host.errors import FirmwareError, ModuleFault, ModuleRejected
from hil.exhaustive import (
    Case,
    Domain,
    Finding,
    SweepOptions,
    diff_versions,
    run_exhaustive,
    sweepable,
)
from hil.exhaustive.conformance import conformance, spec_plane
from hil.exhaustive.findings import MIN_FRACTION
from hil.qualify.context import Context, case_id
from hil.qualify.progress import Reporter
from hil.qualify.results import MAX_CASES, CaseResult, CheckResult, Outcome
from hil.reference_child import SAMPLE
from hil.reference_process import SpecificationError
from price_modules.catalogue import Manifest
from price_modules.specification import PriceTable, ReferenceFile


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
    name: str,
    title: str,
    limits: dict[str, Any],
    expected: str,
    exc: Exception,
    which: str = "",
) -> CheckResult:
    """The rig could not sweep a module the firmware accepts: nothing was proven."""
    observed = f"{which}{type(exc).__name__}: {exc}"
    return CheckResult(name, title, Outcome.ERROR, limits, expected, observed, errors=1)


def _options(ctx: Context) -> SweepOptions:
    """The sweeps of one qualification share its deadline."""
    return SweepOptions(deadline=ctx.sweep_deadline)


def _min_fraction(manifest: Manifest) -> float:
    """The smallest share of count x unit price the module may charge: its price table's
    smallest multiplier, else the catalogue family's (wrap_thresholds)."""
    spec = manifest.specification
    return min(spec.multipliers) if isinstance(spec, PriceTable) else MIN_FRACTION


def _compared_with(manifest: Manifest) -> str | None:
    """What the whole domain is compared with, as the record says it."""
    spec = manifest.specification
    if isinstance(spec, PriceTable):
        return "the manifest's price table"
    if isinstance(spec, ReferenceFile):
        return (
            f"reference file {spec.path.name}: its price_plane where it defines one (held "
            f"to price on {SAMPLE} cases of each hour), else price at every case"
        )
    return None


def check_exhaustive(ctx: Context, progress: Reporter) -> CheckResult:
    """Every case of the declared domain in wasm: each result the specification's, none
    wrapped around into range, no fault."""
    manifest = ctx.subject.manifest
    limits: dict[str, Any] = {
        "max_price": manifest.max_price,
        "specification": _compared_with(manifest),
    }
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
            options=_options(ctx),
        )
        conform = (
            None
            if expected_of is None
            else conformance(
                ctx.subject.wasm, domain, expected_of, abi=ctx.abi, options=_options(ctx)
            )
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
            lambda c: (
                f"guard refusal (count x unit price = {c.reference}: even the smallest "
                "multiplier the rule may take prices it over max_price, so a price in "
                "range here comes from a product wrapped around i32 or from a wrong rule)"
            ),
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
        diff = diff_versions(
            deployed.wasm,
            ctx.subject.wasm,
            domain,
            labels=labels,
            abi=ctx.abi,
            options=_options(ctx),
        )
    except FirmwareError as exc:
        # The candidate loads, so this is the deployed module or the rig: not proven.
        return _not_swept(
            "deployed", title, limits, f"a comparison with {deployed.label}", exc,
            f"the deployed module {deployed.label} could not be swept: ",
        )  # fmt: skip
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
