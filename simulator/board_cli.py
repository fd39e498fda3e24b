"""`pos-board`: a virtual fixture board as a command, for a person or another process.

Prints one line per channel (`display <path>`, `control <path>`, and `tcp <url>` with
--tcp) so a caller can read where to connect, then serves until SIGINT or SIGTERM.
Exit codes are the shared table (firmware_host/exits.py): 3 for bad arguments, 2 when
the board cannot be served (a TCP port in use).
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from functools import partial
from types import FrameType

from boardcore.board import PARSERS
from boardlink.errors import RigError
from firmware_host.exits import ExitCode, UsageParser, run_main
from simulator.board import VirtualBoard
from simulator.board_io import MAX_BAUDRATE


def _within(low: int, high: int) -> Callable[[str], int]:
    def number(text: str) -> int:
        if not text.isascii() or not text.isdigit() or not low <= int(text) <= high:
            raise argparse.ArgumentTypeError(
                f"expected a whole number {low}..{high}, found {text!r}"
            )
        return int(text)

    return number


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = UsageParser(
        prog="pos-board", description="Serve a virtual customer-display board on PTYs."
    )
    parser.add_argument("--protocol", required=True, choices=sorted(PARSERS))
    parser.add_argument(
        "--baud", type=_within(1, MAX_BAUDRATE), default=9600, help="wire speed for --pace"
    )
    parser.add_argument("--pace", action="store_true", help="carry both channels at --baud")
    parser.add_argument(
        "--tcp",
        type=_within(0, 65535),
        metavar="PORT",
        help="also serve the display port on TCP (0: any free port)",
    )
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    return run_main("pos-board", partial(_main, argv))


def _main(argv: Sequence[str] | None) -> int:
    args = parse_args(argv)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        board = VirtualBoard(args.protocol, baudrate=args.baud, pace=args.pace, tcp_port=args.tcp)
    except RigError as exc:
        print(f"pos-board: {exc}", file=sys.stderr)
        return ExitCode.RIG
    with board:
        print(f"display {board.display_path}")
        print(f"control {board.control_path}")
        if board.tcp_url is not None:
            print(f"tcp {board.tcp_url}")
        sys.stdout.flush()
        stop.wait()
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
