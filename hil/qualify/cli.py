"""`pos-qualify MODULE`: qualify a price module for release and write its record.

Exit codes are the table every console script shares (firmware_host/exits.py), so a
release pipeline needs no parsing: 0 PASS, 1 FAIL (the module is wrong), 2 ERROR (the
rig failed, or the qualification could not finish: nothing proved the module wrong),
3 a usage error (bad arguments, unknown module, unreadable rig file or key, an --out
folder that holds another run), 4 an internal error (a bug; its traceback is printed).
"""

from __future__ import annotations

import argparse
import contextlib
import math
import sys
from collections.abc import Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import NoReturn

from firmware_host.abi import FirmwareAbi
from firmware_host.commands import integer_argument
from firmware_host.config import parse_expires
from firmware_host.errors import FirmwareError
from firmware_host.exits import ExitCode, quiet_stdout, run_main
from firmware_host.files import reason as os_reason
from hil.exhaustive import (
    DEFAULT_SWEEP_BUDGET_S,
    DomainError,
    SweepBudgetExceeded,
    SweepError,
)
from hil.qualify.progress import Reporter, RichReporter, SilentReporter
from hil.qualify.release import ReleaseOptions, rehearse_release, sign_release
from hil.qualify.results import Outcome
from hil.qualify.run import Options, Outputs, qualify, resolve
from hil.qualify.suite import DEFAULT_SUITE_TIMEOUT_S
from hil.rig import Rig
from hil.subject import Subject

EXIT_CODES = {
    Outcome.PASS: ExitCode.OK,
    Outcome.FAIL: ExitCode.REFUSED,
    Outcome.ERROR: ExitCode.RIG,
}
SIGN_OPTIONS = ("sign_key", "version_number", "expires")  # --release-counter: the manifest's
MAX_PRINTED, MAX_PRINTED_ERRORS = 20, 3  # cases on the console; the record has them all
MAX_WORKERS = 64  # more xdist workers than boards or cores only waits


class UsageError(Exception):
    """Arguments that cannot be acted on; exit code 3."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(message)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a positive number of seconds, found {text!r}")
    return value


def _workers(text: str) -> int:
    """0 (the suite in one process) up to MAX_WORKERS pytest-xdist workers."""
    if not text.isascii() or not text.isdigit() or not 0 <= int(text) <= MAX_WORKERS:
        raise argparse.ArgumentTypeError(
            f"expected a number of workers 0..{MAX_WORKERS}, found {text!r}"
        )
    return int(text)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="pos-qualify",
        description="Qualify a price module for release: run every check, write the record.",
    )
    parser.add_argument(
        "module", help="catalogue version (v3) or candidate .wasm/folder with manifest.json"
    )
    parser.add_argument("--rig", type=Path, help="rig file, TOML or YAML (or $HIL_RIG)")
    parser.add_argument(
        "--board",
        action="append",
        default=[],
        metavar="SPEC",
        help="a board, as the HIL plugin's --hil-board (repeatable): "
        "URL[,control=URL][,cmdset=NAME][,name=NAME][,baud=N][,role=R][,display_only]",
    )
    parser.add_argument(
        "--firmware-abi",
        choices=[abi.value for abi in FirmwareAbi],
        default=FirmwareAbi.CURRENT.value,
        help="firmware generation the module is qualified for (default: %(default)s)",
    )
    parser.add_argument("--full-grid", action="store_true", help="sweep the full grid")
    parser.add_argument("--deployed", help="deployed module (version or path) to compare with")
    parser.add_argument(
        "--out",
        type=Path,
        help="a new or empty output folder (default: a new qualification/<v>-<sha8>-<time>)",
    )
    parser.add_argument(
        "--no-boards",
        action="store_true",
        help="leave the HIL suite out (the record says so; nothing is signed)",
    )
    parser.add_argument(
        "-n", "--workers", type=_workers, default=0, help="pytest-xdist workers (default: 0)"
    )
    parser.add_argument(
        "--suite-timeout",
        type=_seconds,
        default=DEFAULT_SUITE_TIMEOUT_S,
        help="deadline of the HIL suite run in seconds (default: %(default)s)",
    )
    parser.add_argument(
        "--suite-arg",
        action="append",
        default=[],
        metavar="ARG",
        help="extra pytest argument for the HIL suite, e.g. --suite-arg=-x (named in the record)",
    )
    parser.add_argument(
        "--sweep-budget",
        type=_seconds,
        default=DEFAULT_SWEEP_BUDGET_S,
        metavar="SECONDS",
        help="refuse a declared domain whose exhaustive sweep is estimated to take longer "
        "(default: %(default)s)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    signing = parser.add_argument_group(
        "signing on PASS (--sign-key, --version-number and --expires together)"
    )
    signing.add_argument("--sign-key", type=Path, help="Ed25519 private key (<key-id>.key)")
    signing.add_argument("--key-id", help="default: the key file's name without .key")
    signing.add_argument("--version-number", type=integer_argument, help="desired-state version")
    signing.add_argument(
        "--release-counter",
        type=integer_argument,
        help="anti-rollback counter: the manifest's release_counter (the default); "
        "another one is refused",
    )
    signing.add_argument(
        "--expires", help="RFC 3339 expiry with time zone, e.g. 2027-01-01T00:00:00Z"
    )
    return parser


def release_options(args: argparse.Namespace) -> ReleaseOptions | None:
    given = [name for name in SIGN_OPTIONS if getattr(args, name) is not None]
    if not given:
        return None
    if len(given) != len(SIGN_OPTIONS):
        missing = [f"--{n.replace('_', '-')}" for n in SIGN_OPTIONS if n not in given]
        raise UsageError(f"signing: expected all of the signing options, missing {missing}")
    try:
        parse_expires(args.expires)
    except FirmwareError as exc:  # the terminal's own rule, checked before the run
        raise UsageError(f"--expires: {exc}") from None
    if not args.sign_key.is_file():
        raise UsageError(f"--sign-key: expected a key file, found nothing at {args.sign_key}")
    if args.no_boards or args.suite_arg:
        found = "--no-boards" if args.no_boards else f"--suite-arg {' '.join(args.suite_arg)}"
        raise UsageError(
            "--sign-key: a release is signed only when the whole HIL suite ran on the boards; "
            f"expected neither --no-boards nor --suite-arg, found {found}"
        )
    return ReleaseOptions(
        args.sign_key, args.version_number, args.release_counter, args.expires, args.key_id
    )


def _machine_fault(exc: FirmwareError) -> bool:
    """A calibration sweep that failed for the machine (wasmtime could not map memory),
    not for the options: an ERROR, not a usage error. A domain over the budget, or one a
    manifest cannot declare, is the options'."""
    return isinstance(exc, SweepError) and not isinstance(exc, SweepBudgetExceeded | DomainError)


def on_a_bench(rig: Rig) -> None:
    """A release is signed on the boards of a bench, not on the rig's own stand-ins:
    a PASS on virtual boards proves the module and the firmware, not a display."""
    virtual = [board.name for board in rig.boards if board.virtual is not None]
    if virtual:
        raise UsageError(
            "--sign-key: a release is signed on the boards of a bench; expected a rig "
            f"(--rig, --board, HIL_RIG) without virtual boards, found {', '.join(virtual)} "
            "started by the rig"
        )


def counted(signing: ReleaseOptions, subject: Subject) -> ReleaseOptions:
    """The release's counter is the one its manifest (and so its record) names: a
    document signed with another would deploy a counter no record vouches for."""
    declared = subject.manifest.release_counter
    if signing.release_counter is not None and signing.release_counter != declared:
        raise UsageError(
            f"--release-counter: expected {subject.label}'s manifest release_counter "
            f"{declared} (the record names it), found {signing.release_counter}"
        )
    return replace(signing, release_counter=declared)


@contextlib.contextmanager
def reporter(quiet: bool) -> Iterator[Reporter]:
    if quiet or not sys.stderr.isatty():
        yield SilentReporter()
        return
    with RichReporter() as rich:
        yield rich


def _print_outcome(outputs: Outputs) -> None:
    record = outputs.record
    print(f"{record.outcome.value} {outputs.subject.label} {outputs.subject.sha256}")
    for reason in record.verdict.reasons[:10]:
        print(f"  {reason}")
    cases = record.failing_cases()
    failed = [(n, c) for n, c in cases if c.outcome is Outcome.FAIL]
    errors = [(n, c) for n, c in cases if c.outcome is not Outcome.FAIL]
    for name, case in failed[:MAX_PRINTED]:
        print(f"  {name} {case.case_id}: expected {case.expected}, observed {case.observed}")
    for name, case in errors[:MAX_PRINTED_ERRORS]:
        print(f"  {name} {case.case_id}: error: {case.observed}")
    unprinted = len(failed[MAX_PRINTED:]) + len(errors[MAX_PRINTED_ERRORS:])
    if unprinted:
        print(f"  ... and {unprinted} more in the record")
    for left_out in record.verdict.left_out:
        print(f"  {left_out}: left out, not run")
    print(f"record: {outputs.json}\njunit: {outputs.junit}\nreport: {outputs.html}")
    sys.stdout.flush()  # a failure to write shows here, not at the interpreter's exit


def main(argv: Sequence[str] | None = None, progress: Reporter | None = None) -> int:
    return run_main("pos-qualify", partial(_main, argv, progress))


def _main(argv: Sequence[str] | None, progress: Reporter | None) -> int:
    try:
        args = build_parser().parse_args(argv)
        signing = release_options(args)
        options = Options(
            module=args.module,
            rig_file=args.rig,
            boards=tuple(args.board),
            firmware_abi=FirmwareAbi(args.firmware_abi),
            full_grid=args.full_grid,
            deployed=args.deployed,
            out_dir=args.out,
            run_boards=not args.no_boards,
            workers=args.workers,
            suite_timeout_s=args.suite_timeout,
            suite_args=tuple(args.suite_arg),
            sweep_budget_s=args.sweep_budget,
        )
    except UsageError as exc:
        print(f"pos-qualify: usage error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        plan = resolve(options)
        if signing is not None:
            signing = counted(signing, plan.subject)
            rehearse_release(plan.subject.wasm, options.firmware_abi, signing)
            on_a_bench(plan.rig)
    except FirmwareError as exc:  # the module, deployed module, rig, --out or key cannot be used
        if _machine_fault(exc):
            print(f"pos-qualify: error: {type(exc).__name__}: {exc}", file=sys.stderr)
            return ExitCode.RIG
        print(f"pos-qualify: usage error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    except UsageError as exc:
        print(f"pos-qualify: usage error: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    try:
        with (
            reporter(args.no_progress)
            if progress is None
            else contextlib.nullcontext(progress) as shown
        ):
            outputs = qualify(options, shown, plan)
    except FirmwareError as exc:  # files that could not be written prove nothing wrong
        print(f"pos-qualify: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.RIG
    record = outputs.record
    try:
        _print_outcome(outputs)
    except OSError as exc:  # a closed pipe, a full disk: the record is written, the code is
        quiet_stdout()  # the verdict; one line says why the console shows none of it
        if not isinstance(exc, BrokenPipeError):
            with contextlib.suppress(OSError):
                print(
                    f"pos-qualify: could not write its output: {os_reason(exc)}; the exit code "
                    f"is the verdict, the record is in {outputs.out_dir}",
                    file=sys.stderr,
                )
    if signing is not None and record.outcome is Outcome.PASS:
        try:
            document = sign_release(
                outputs.subject.wasm, options.firmware_abi, signing, outputs.out_dir
            )
        except FirmwareError as exc:
            print(f"pos-qualify: signing: {type(exc).__name__}: {exc}", file=sys.stderr)
            return ExitCode.USAGE
        print(f"desired-state: {document}")
    return EXIT_CODES[record.outcome]


if __name__ == "__main__":
    sys.exit(main())
