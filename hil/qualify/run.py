"""One qualification: resolve the module, run every check, write the record files.

The checks that need no board run first (they take seconds and already decide most
failures), then the HIL suite on the rig. The record is assembled only from check
results, so the files always agree with each other.
"""

from __future__ import annotations

import datetime as dt
import os
import time
import traceback
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from functools import partial
from pathlib import Path

from firmware_host.abi import FirmwareAbi, Signature
from firmware_host.deadlines import now
from firmware_host.errors import FirmwareError
from hil.exhaustive import DEFAULT_SWEEP_BUDGET_S, Domain, enforce_sweep_budget
from hil.grid import grid_for
from hil.qualify.boards import PreparedRig, described, prepared
from hil.qualify.checks import CHECKS
from hil.qualify.context import Context, abi_of
from hil.qualify.html import write_html
from hil.qualify.junit import write_junit
from hil.qualify.progress import Reporter
from hil.qualify.provenance import software
from hil.qualify.record import Record, write_json
from hil.qualify.results import CheckResult, Outcome
from hil.qualify.suite import (
    DEFAULT_SUITE_TIMEOUT_S,
    HIL_DIR,
    SOURCE_ROOT,
    board_check,
    expected_tests,
    run_suite,
)
from hil.rig import Rig, RigFileError
from hil.rig_select import select_rig
from hil.subject import Subject, load_subject, newest_catalogue, snapshot

DEFAULT_OUT_ROOT = Path("qualification")
MAX_SAME_SECOND = 100
RIG_ENV = "HIL_RIG"  # as the HIL plugin's --hil-rig
RECORD_JSON = "record.json"
RECORD_JUNIT = "record.junit.xml"
REPORT_HTML = "report.html"
CANDIDATE_FOLDER = "candidate"  # the snapshot of a candidate from outside the catalogue
SWEEP_DEADLINE_FACTOR = 2  # the sweeps stop at twice the budget that admitted them


class OutFolderError(FirmwareError):
    """`--out` names a folder that holds another run (or a file): a usage error."""


class RecordFolderError(FirmwareError):
    """The record's folder could not be made: the machine, not the module."""


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
    sweep_budget_s: float = DEFAULT_SWEEP_BUDGET_S
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
    """The newest catalogue version with the candidate's signature, other than itself;
    for a candidate from outside the catalogue, only one of the same rule (manifest
    name): a team's own module is not compared with another product line's."""
    outside = not subject.in_catalogue
    return newest_catalogue(
        lambda other: (
            other.label != subject.label
            and other.sha256 != subject.sha256
            and other.manifest.signature == subject.manifest.signature
            and (not outside or other.manifest.name == subject.manifest.name)
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


def timed(name: str, check: Callable[[], CheckResult], progress: Reporter) -> CheckResult:
    """Run one check and note its wall time; a bug in the check is that check's ERROR,
    with the traceback in the record, and the other checks still run."""
    progress.start(name, None)
    started = time.perf_counter()
    try:
        result = check()
    except Exception as exc:  # a bug in the rig proves nothing about the module
        result = CheckResult(
            name,
            name,
            Outcome.ERROR,
            {},
            "the check runs to its end",
            f"internal error (a bug in the rig): {type(exc).__name__}: {exc}",
            errors=1,
            details={"traceback": traceback.format_exc()},
        )
    result = replace(result, seconds=time.perf_counter() - started)
    progress.finish(result.outcome.value)
    return result


def _boards(
    ctx: Context, rig: PreparedRig, options: Options, out_dir: Path, progress: Reporter
) -> CheckResult:
    run = run_suite(
        ctx,
        rig,
        out_dir,
        progress,
        workers=options.workers,
        timeout_s=options.suite_timeout_s,
        extra=options.suite_args,
    )
    return board_check(ctx, rig, run, expected_tests(ctx, rig.rig))


@dataclass(frozen=True)
class Plan:
    """What the options name, resolved before anything runs: the module, the deployed
    module it is compared with, the rig, and the folder the record goes to."""

    subject: Subject
    deployed: Subject | None
    rig: Rig
    kind: str
    out_dir: Path


def run_folder(root: Path, subject: Subject, when: dt.datetime) -> Path:
    """A new folder of its own under `root` for one run, named by module and time; a
    second run in the same second gets the next free suffix, never the first's folder."""
    stem = f"{subject.label}-{subject.sha256[:8]}-{when.strftime('%Y%m%dT%H%M%SZ')}"
    for n in range(1, MAX_SAME_SECOND + 1):
        folder = root / (stem if n == 1 else f"{stem}-{n}")
        if make_folder(folder, exist_ok=False):
            return folder.resolve()
    raise RecordFolderError(f"{root}: expected a free folder for {stem}, found all taken")


def make_folder(folder: Path, *, exist_ok: bool) -> bool:
    """Create `folder` (and its parents); False when it exists and `exist_ok` is False."""
    try:
        folder.mkdir(parents=True, exist_ok=exist_ok)
    except FileExistsError:
        if exist_ok:
            raise RecordFolderError(f"{folder}: expected a folder, found a file") from None
        return False
    except OSError as exc:
        raise RecordFolderError(
            f"{folder}: expected to create the record folder, found {exc}"
        ) from exc
    return True


CLAIM_NAME = ".pos-qualify-run"


def claim_folder(folder: Path, when: dt.datetime) -> None:
    """Make `--out` this run's alone: two runs that both found it empty both went on and
    wrote into one folder. The first to create the claim file has it; the other stops."""
    try:
        fd = os.open(folder / CLAIM_NAME, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except FileExistsError:
        raise RecordFolderError(
            f"--out {folder}: expected a folder no other run has claimed, found another "
            "qualification writing into it"
        ) from None
    except OSError as exc:
        raise RecordFolderError(f"{folder}: expected to claim it, found {exc}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as claim:
        claim.write(f"pid {os.getpid()} since {when.isoformat(timespec='seconds')}\n")


def claim_out(out_dir: Path) -> Path:
    """`--out` as named: a new or empty folder, never one that holds another run. A
    path the system cannot follow (a symlink loop: `resolve()` raises RuntimeError
    before Python 3.13, OSError after; an unreadable folder) is no such folder either."""
    try:
        if out_dir.exists() and not out_dir.is_dir():
            raise OutFolderError(f"--out {out_dir}: expected a folder, found a file")
        if out_dir.is_dir() and any(out_dir.iterdir()):
            raise OutFolderError(
                f"--out {out_dir}: expected a new or empty folder, found it holding files "
                "(records are never overwritten; name another folder)"
            )
        return out_dir.resolve()
    except (OSError, RuntimeError) as exc:
        found = "a symlink loop" if isinstance(exc, RuntimeError) else exc.strerror or exc
        raise OutFolderError(
            f"--out {out_dir}: expected a new or empty folder, found {found}"
        ) from None


def rig_from_env(env: Mapping[str, str]) -> str | None:
    """$HIL_RIG as the plugin reads it; set but empty is refused, not taken for unset
    (the virtual boards' PASS would read as the bench's)."""
    if RIG_ENV not in env:
        return None
    if not env[RIG_ENV].strip():
        raise RigFileError(
            f"${RIG_ENV}: expected a rig file, found {env[RIG_ENV]!r} (set but empty)"
        )
    return env[RIG_ENV]


def resolve(options: Options) -> Plan:
    """The options' module, deployed module, rig and output folder; a SubjectError,
    RigFileError, OutFolderError or SweepBudgetExceeded here is a usage error (the
    options name something that cannot be used, or a domain the budget cannot sweep)."""
    subject = load_subject(options.module)
    deployed = load_subject(options.deployed) if options.deployed else default_deployed(subject)
    manifest = subject.manifest
    enforce_sweep_budget(
        subject.wasm,
        Domain.for_manifest(manifest),
        manifest.max_price,
        options.sweep_budget_s,
        deployed=None if deployed is None else deployed.wasm,
        abi=options.firmware_abi,
    )
    rig_file = options.rig_file or rig_from_env(options.env)
    rig, kind = select_rig(rig_file, options.boards, ("--rig", "--board"))
    out_dir = claim_out(options.out_dir) if options.out_dir is not None else None
    return Plan(subject, deployed, rig, kind, outside_the_suite(out_dir or DEFAULT_OUT_ROOT))


def outside_the_suite(folder: Path) -> Path:
    """A record folder never lies in the suite's own folder: what a candidate brings
    (a reference file named conftest.py) must not become part of a later run's suite."""
    try:
        resolved = folder.resolve()
    except (OSError, RuntimeError):
        return folder  # claim_out has named what is wrong with it
    if resolved == HIL_DIR or HIL_DIR in resolved.parents:
        raise OutFolderError(
            f"--out {folder}: expected a folder outside the HIL suite's {HIL_DIR}, found "
            "one inside it (a record there would be collected with the suite)"
        )
    return folder


def qualify(options: Options, progress: Reporter, plan: Plan | None = None) -> Outputs:
    """Run the qualification and write record.json, record.junit.xml and report.html."""
    plan = plan or resolve(options)
    started = time.perf_counter()
    created = dt.datetime.now(dt.UTC)
    subject, deployed = plan.subject, plan.deployed
    if options.out_dir is None:
        out_dir = run_folder(plan.out_dir, subject, created)
    else:
        out_dir = plan.out_dir
        make_folder(out_dir, exist_ok=True)
        claim_folder(out_dir, created)
    submitted = subject.source
    if not subject.in_catalogue:  # judge the bytes as read, whatever the files do meanwhile
        subject = snapshot(subject, out_dir / CANDIDATE_FOLDER)
    grid = grid_for(options.full_grid)
    # The budget admitted the sweeps on an estimate; twice it is where they stop.
    deadline = now() + SWEEP_DEADLINE_FACTOR * options.sweep_budget_s
    ctx = Context(subject, options.firmware_abi, grid, deployed, sweep_deadline=deadline)
    facts = module_facts(ctx) | {"source": submitted}
    checks = [
        timed(name, partial(check, ctx, progress), progress) for name, check in CHECKS.items()
    ]
    if options.run_boards:
        with prepared(plan.rig, plan.kind) as ready:
            checks.append(
                timed("boards", partial(_boards, ctx, ready, options, out_dir, progress), progress)
            )
    else:  # no board is started or asked who it is; the record still names the rig
        ready = described(plan.rig, plan.kind)
        checks.append(board_check(ctx, ready, None))
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
        created=created.isoformat(timespec="seconds"),
        deployed=None
        if deployed is None
        else {"version": deployed.label, "sha256": deployed.sha256},
        seconds=time.perf_counter() - started,
    )
    # record.json last: a folder holding it holds the whole record set (a disk that
    # fills up on the report leaves no record.json that says PASS beside nothing).
    write_junit(record, out_dir / RECORD_JUNIT)
    write_html(record, subject, deployed, out_dir / REPORT_HTML)
    write_json(record, out_dir / RECORD_JSON)
    return Outputs(record, out_dir, subject)
