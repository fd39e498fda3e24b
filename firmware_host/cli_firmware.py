"""`pos-firmware`: the terminal firmware without a front panel.

    pos-firmware apply DOC --state-dir DIR [--trust DIR] [--dev] [--abi current]
                           [--max-version-step N] [--max-counter-step N]
    pos-firmware report --state-dir DIR [...]
    pos-firmware run --state-dir DIR [...]      sale lines "count unit_price" on stdin

`apply` prints the reported-state JSON and exits 0 when the document was applied, 1
when it was refused (the reason is in the ack), an unreadable or too large document
included: it is refused as `DocumentUnreadable` (a FIFO or a device is no document, and
is never waited on) or `DocumentTooLarge`, and no more than one byte past the size cap
is read. `run` prints one line per sale:
`<sale-id> price <N>` or `<sale-id> refused <ErrorClass>: <message>`; a line that is
not two integers prints `error: ...` and the loop goes on; a count or unit price
beyond i32 prints `- refused InvalidInput: ...` (nothing sold, nothing journaled).
Bytes on stdin that are not UTF-8 reach the line as backslash escapes, so they are
answered like any other bad line. Exit codes are the project's table (exits.py): 2
means the state directory (its store or journal) could not be used, 3 a usage error
(a `--trust` that names no folder among them).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import TextIO

from firmware_host import policy
from firmware_host.abi import FirmwareAbi
from firmware_host.commands import ASCII_INTEGER, TRUST_FOLDER, run_command
from firmware_host.config import ABI_NAMES, MAX_COUNTER
from firmware_host.device import TRUST_DIR, Device
from firmware_host.errors import FirmwareError
from firmware_host.exits import ExitCode, UsageParser, run_main
from firmware_host.pricing import Priced
from firmware_host.reported import ReportedState
from firmware_host.trust import TrustStore


def _step(text: str) -> int:
    """A step option: an integer 1..2^53-1, else argparse's usage error (exit 2)."""
    step = int(text) if ASCII_INTEGER.fullmatch(text) and len(text) < 20 else 0
    if not 1 <= step <= MAX_COUNTER:
        raise argparse.ArgumentTypeError(f"expected an integer in 1..{MAX_COUNTER}, found {text!r}")
    return step


def _device(args: argparse.Namespace) -> Device:
    state_dir = Path(args.state_dir)
    trust_dir = args.trust or state_dir / TRUST_DIR
    return Device(
        state_dir,
        abi=FirmwareAbi.from_name(args.abi),
        trust=TrustStore.load(trust_dir),
        dev_mode=args.dev,
        steps=policy.Steps(args.max_version_step, args.max_counter_step),
    )


def _print_report(report: ReportedState) -> None:
    print(json.dumps(report.to_json(), indent=2))


def _apply(args: argparse.Namespace) -> int:
    with _device(args) as device:
        report = device.apply_document_file(Path(args.document))
    _print_report(report)
    return ExitCode.OK if report.accepted else ExitCode.REFUSED


def _report(args: argparse.Namespace) -> int:
    with _device(args) as device:
        _print_report(device.reported())
    return ExitCode.OK


def _two_integers(parts: list[str]) -> tuple[int, int] | None:
    """ASCII decimal integers only: `isdigit` also passes "²", which `int` then refuses."""
    if len(parts) != 2 or not all(ASCII_INTEGER.fullmatch(p) for p in parts):
        return None
    try:
        return int(parts[0]), int(parts[1])
    except ValueError:  # more digits than Python converts (4300 by default)
        return None


def sale_line(device: Device, line: str) -> str:
    """One stdin line to one output line; a refusal is an answer, not a failure."""
    numbers = _two_integers(line.split())
    if numbers is None:
        return f"error: expected 'count unit_price' (two integers), found {line.strip()!r}"
    try:
        sale = device.sell(*numbers)
    except FirmwareError as error:
        return f"- refused {type(error).__name__}: {error}"
    outcome = sale.outcome
    if isinstance(outcome, Priced):
        return f"{sale.sale_id} price {outcome.price}"
    return f"{sale.sale_id} refused {type(outcome.error).__name__}: {outcome.error}"


def serve(device: Device, lines: TextIO, out: TextIO) -> None:
    for line in lines:
        if line.strip():
            print(sale_line(device, line), file=out, flush=True)


def _run(args: argparse.Namespace) -> int:
    lines = io.TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="backslashreplace")
    sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    with _device(args) as device:
        serve(device, lines, sys.stdout)
    return ExitCode.OK


def _parser() -> argparse.ArgumentParser:
    parser = UsageParser(prog="pos-firmware", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    common = UsageParser(add_help=False)
    common.add_argument("--state-dir", required=True, help="store, journal and trust folder")
    common.add_argument(
        "--trust", type=TRUST_FOLDER, help="trust store folder (default: STATE_DIR/trust)"
    )
    common.add_argument("--dev", action="store_true", help="development mode: allow unsigned")
    common.add_argument("--abi", choices=ABI_NAMES, default="current")
    common.add_argument(
        "--max-version-step",
        type=_step,
        default=policy.DEFAULT_MAX_VERSION_STEP,
        help="how far one document may move the version (default %(default)s)",
    )
    common.add_argument(
        "--max-counter-step",
        type=_step,
        default=policy.DEFAULT_MAX_COUNTER_STEP,
        help="how far one document may move the release counter (default %(default)s)",
    )

    apply = commands.add_parser("apply", parents=[common], help="apply a desired-state document")
    apply.add_argument("document")
    apply.set_defaults(run=_apply)
    report = commands.add_parser("report", parents=[common], help="print the reported state")
    report.set_defaults(run=_report)
    run = commands.add_parser("run", parents=[common], help="sell from stdin lines")
    run.set_defaults(run=_run)
    return parser


def _main(argv: Sequence[str] | None) -> int:
    args = _parser().parse_args(argv)
    return run_command(args.run, args)


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("pos-firmware", partial(_main, argv))


if __name__ == "__main__":
    sys.exit(main())
