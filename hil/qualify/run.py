"""One qualification: resolve the module, run every check, write the record files.

The checks that need no board run first (they take seconds and already decide most
failures), then the HIL suite on the rig. The record is assembled only from check
results, so the files always agree with each other.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, field
from pathlib import Path

from firmware_host.abi import FirmwareAbi, Signature
from hil.grid import grid_for
from hil.qualify.boards import PreparedRig, described, prepared
from hil.qualify.checks import CHECKS, Context, abi_of
from hil.qualify.html import write_html
from hil.qualify.junit import write_junit
from hil.qualify.progress import Reporter
from hil.qualify.provenance import software
from hil.qualify.record import CheckResult, Record, write_json
from hil.qualify.suite import (
    DEFAULT_SUITE_TIMEOUT_S,
    SOURCE_ROOT,
    board_check,
    run_suite,
)
from hil.rig import Rig, select_rig
from hil.subject import Subject, load_subject, newest_catalogue

DEFAULT_OUT_ROOT = Path("qualification")
RECORD_JSON = "record.json"
RECORD_JUNIT = "record.junit.xml"
REPORT_HTML = "report.html"


@dataclass(frozen=True)
class Options:
    module: str
    rig_file: Path | None = None
    boards: tuple[str, ...] = ()
    firmware_abi: FirmwareAbi = FirmwareAbi.CURRENT
    full_grid: bool = False
    deployed: str | None = None
    out_dir: Path | None = None
    run_boards: bool = True
    workers: int = 0
    suite_timeout_s: float = DEFAULT_SUITE_TIMEOUT_S
    suite_args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=lambda: dict(os.environ))


@dataclass(frozen=True)
class Outputs:
    record: Record
    out_dir: Path
    subject: Subject

    @property
    def json(self) -> Path:
        return self.out_dir / RECORD_JSON

    @property
    def junit(self) -> Path:
        return self.out_dir / RECORD_JUNIT

    @property
    def html(self) -> Path:
        return self.out_dir / REPORT_HTML


def default_deployed(subject: Subject) -> Subject | None:
    """The newest catalogue version with the candidate's signature, other than itself."""
    return newest_catalogue(
        lambda other: (
            other.label != subject.label
            and other.sha256 != subject.sha256
            and other.manifest.signature == subject.manifest.signature
        )
    )


def module_facts(ctx: Context) -> dict[str, object]:
    """Size, sha256 and ABI as read from the binary, not as the manifest claims them."""
    subject, signature = ctx.subject, ctx.export
    return {
        "version": subject.label,
        "name": subject.manifest.name,
        "source": subject.source,
        "sha256": subject.sha256,
        "size": len(subject.wasm),
        "signature": f"unreadable: {signature}" if isinstance(signature, str) else str(signature),
        "abi": abi_of(signature) if isinstance(signature, Signature) else None,
        "release_counter": subject.manifest.release_counter,
    }


def _run_checks(ctx: Context, progress: Reporter) -> list[CheckResult]:
    results = []
    for name, check in CHECKS.items():
        progress.start(name, None)
        result = check(ctx, progress)
        progress.finish(result.outcome.value)
        results.append(result)
    return results


def _boards(
    ctx: Context, rig: PreparedRig, options: Options, out_dir: Path, progress: Reporter
) -> CheckResult:
    progress.start("boards", None)
    run = run_suite(
        ctx,
        rig,
        out_dir,
        progress,
        workers=options.workers,
        timeout_s=options.suite_timeout_s,
        extra=options.suite_args,
    )
    result = board_check(ctx, rig, run)
    progress.finish(result.outcome.value)
    return result


@dataclass(frozen=True)
class Plan:
    """What the options name, resolved before anything runs: the module, the deployed
    module it is compared with, and the rig."""

    subject: Subject
    deployed: Subject | None
    rig: Rig
    kind: str


def resolve(options: Options) -> Plan:
    """The options' module, deployed module and rig; a SubjectError or RigFileError here
    is a usage error (the options name something that cannot be used)."""
    subject = load_subject(options.module)
    deployed = load_subject(options.deployed) if options.deployed else default_deployed(subject)
    rig, kind = select_rig(options.rig_file, options.boards, options.env)
    return Plan(subject, deployed, rig, kind)


def qualify(options: Options, progress: Reporter, plan: Plan | None = None) -> Outputs:
    """Run the qualification and write record.json, record.junit.xml and report.html."""
    plan = plan or resolve(options)
    subject, deployed = plan.subject, plan.deployed
    grid = grid_for(options.full_grid)
    ctx = Context(subject, options.firmware_abi, grid, deployed)
    facts = module_facts(ctx)
    out_dir = options.out_dir or DEFAULT_OUT_ROOT / f"{subject.label}-{subject.sha256[:8]}"
    # Absolute: the HIL suite runs in a subprocess with its own working folder.
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    checks = _run_checks(ctx, progress)
    if options.run_boards:
        with prepared(plan.rig, plan.kind) as ready:
            checks.append(_boards(ctx, ready, options, out_dir, progress))
    else:  # no board is started or asked who it is; the record still names the rig
        ready = described(plan.rig, plan.kind)
        checks.append(board_check(ctx, ready, None, "not run: boards were left out (--no-boards)"))
    record = Record(
        module=facts,
        firmware_abi=options.firmware_abi.value,
        grid={
            "name": grid.name,
            "hours": list(grid.hours),
            "pairs": [list(p) for p in grid.pairs],
            "cases_per_board": len(grid),
        },
        rig=ready.describe(),
        boards=ready.boards,
        software=software(SOURCE_ROOT),
        checks=tuple(checks),
        created=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        deployed=None
        if deployed is None
        else {"version": deployed.label, "sha256": deployed.sha256},
    )
    write_json(record, out_dir / RECORD_JSON)
    write_junit(record, out_dir / RECORD_JUNIT)
    write_html(record, subject, deployed, out_dir / REPORT_HTML)
    return Outputs(record, out_dir, subject)
