"""`pos-sim` / `python -m simulator`: start the point-of-sale terminal simulator."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from firmware_host.abi import FirmwareAbi
from firmware_host.display import DRIVERS
from firmware_host.errors import FirmwareError
from price_modules import versions
from simulator.app import PosSimApp, SimOptions
from simulator.mirror import MirrorTarget

EXIT_OK, EXIT_SHUTDOWN, EXIT_STATE = 0, 1, 3  # 2: a usage error, as argparse exits


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="pos-sim",
        description=(
            "Interactive point-of-sale terminal: a customer display, a keypad, a clock you "
            "can move and the running price module. With no options it runs the current "
            "firmware with module v3 in development mode, in a temporary state folder."
        ),
    )
    parser.add_argument("--state-dir", type=Path, help="store and journal (default: temporary)")
    parser.add_argument("--trust", type=Path, help="folder of <key-id>.pub files")
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
    parser.add_argument("--watch", type=Path, metavar="DIR", help="apply *.json dropped here")
    parser.add_argument("--hour", type=int, help="start the terminal clock at this hour")
    args = parser.parse_args(argv)
    if args.control and not args.display:
        parser.error("--control needs --display")
    if args.display and args.board == "virtual":
        parser.error("--display and --board virtual are two different boards; pick one")
    return args


def options_from(args: argparse.Namespace) -> SimOptions:
    mirror = None
    if args.display:
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
    args = parse_args(argv)
    try:
        app = PosSimApp(options_from(args))
    except FirmwareError as exc:
        print(f"pos-sim: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_STATE
    app.run()
    for problem in app.shutdown_errors:
        print(f"pos-sim: {problem}", file=sys.stderr)
    return EXIT_SHUTDOWN if app.shutdown_errors else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
