"""`pos-sim` / `python -m simulator`: start the point-of-sale terminal simulator.

Textual is imported only once the arguments are read, so `pos-sim --help` answers at
once and an install without the `sim` extra says which extra to add. Exit codes are the
shared table (firmware_host/exits.py): 3 for options that name nothing usable (bad
arguments, a state folder or trust store that cannot be used), 2 when the terminal
could not shut down cleanly or the `sim` extra is missing.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from functools import partial
from pathlib import Path

from firmware_host.abi import FirmwareAbi
from firmware_host.commands import TRUST_FOLDER, folder_argument, integer_argument
from firmware_host.display import DRIVERS
from firmware_host.errors import FirmwareError
from firmware_host.exits import ExitCode, UsageParser, missing_extra, run_main
from price_modules import versions
from simulator.options import SimOptions

WATCH_FOLDER = folder_argument("desired-state documents to apply (*.json)")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = UsageParser(
        prog="pos-sim",
        description=(
            "Interactive point-of-sale terminal: a customer display, a keypad, a clock you "
            "can move and the running price module. With no options it runs the current "
            "firmware with module v3 in development mode, in a temporary state folder."
        ),
    )
    parser.add_argument("--state-dir", type=Path, help="store and journal (default: temporary)")
    parser.add_argument("--trust", type=TRUST_FOLDER, help="folder of <key-id>.pub files")
    parser.add_argument(
        "--abi", choices=[a.value for a in FirmwareAbi], default="current", help="firmware ABI"
    )
    parser.add_argument(
        "--module", choices=versions(), help="catalogue module to load at start (default v3)"
    )
    parser.add_argument(
        "--production",
        action="store_true",
        help="no development mode: only signed documents, nothing loaded at start",
    )
    parser.add_argument(
        "--board",
        choices=("none", "virtual"),
        default="none",
        help="'virtual': mirror the display to an in-process virtual board on PTYs",
    )
    parser.add_argument("--display", metavar="URL", help="mirror to this board (pyserial URL)")
    parser.add_argument("--cmdset", choices=sorted(DRIVERS), default="epson")
    parser.add_argument("--control", metavar="URL", help="the board's control port URL")
    parser.add_argument(
        "--watch", type=WATCH_FOLDER, metavar="DIR", help="apply *.json dropped here"
    )
    parser.add_argument(
        "--hour", type=integer_argument, help="start the terminal clock at this hour"
    )
    args = parser.parse_args(argv)
    if args.control and not args.display:
        parser.error("--control needs --display")
    if args.display and args.board == "virtual":
        parser.error("--display and --board virtual are two different boards; pick one")
    return args


def options_from(args: argparse.Namespace) -> SimOptions:
    mirror = None
    if args.display:
        from simulator.mirror import MirrorTarget

        mirror = MirrorTarget(args.display, args.cmdset, args.control)
    return SimOptions(
        state_dir=args.state_dir,
        trust_dir=args.trust,
        abi=FirmwareAbi.from_name(args.abi),
        dev_mode=not args.production,
        module=args.module,
        cmdset=args.cmdset,
        virtual_board=args.board == "virtual",
        mirror=mirror,
        watch=args.watch,
        hour=args.hour,
    )


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("pos-sim", partial(_main, argv))


def _main(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    try:
        from simulator.app import PosSimApp
    except ModuleNotFoundError as exc:
        return missing_extra("pos-sim", "sim", exc)
    try:
        app = PosSimApp(options_from(args))
    except FirmwareError as exc:
        print(f"pos-sim: usage error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return ExitCode.USAGE
    app.run()
    for problem in app.shutdown_errors:
        print(f"pos-sim: {problem}", file=sys.stderr)
    return ExitCode.RIG if app.shutdown_errors else ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
