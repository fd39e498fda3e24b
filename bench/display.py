"""Customer-display updates: differential driver against full-line rewrites.

Run: `python bench/display.py [--sales 50]`. A typical checkout sequence (per sale:
quantity keyed, unit price keyed, total shown) is sent by both strategies, for both
command sets. Printed, in one run:
- bytes per update, differential and full-line, and their ratio;
- time per update through a virtual board paced at 9600 baud (from the first byte
  written until the board shows the update), against the wire-time limit
  bytes x 10 / baud for the same bytes, as a ratio (1.00 = as fast as the wire allows).
"""

from __future__ import annotations

import argparse
import random
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware_host.display import LineDisplay
from firmware_host.transport import SerialPort
from simulator.board import VirtualBoard

BAUD = 9600
BITS_PER_BYTE = 10  # start + 8 data + stop
SHOWN_DEADLINE_S = 5.0


def checkout(sales: int) -> list[tuple[str, str]]:
    """The screens a cashier's keying produces, in order (seeded: same every run)."""
    rng = random.Random(5220)
    screens: list[tuple[str, str]] = []
    for _ in range(sales):
        count = rng.randint(1, 12)
        unit = rng.randint(50, 2500)
        qty = f"QTY {count:>3}"
        priced = f"{qty} x {unit / 100:>7.2f}"
        total = f"TOTAL {count * unit / 100:>14.2f}"
        screens += [(qty, ""), (priced, ""), (priced, total)]
    return screens


class Counter:
    def write(self, data: bytes) -> None:
        """Bytes are counted by the LineDisplay itself; nothing to do."""


def byte_counts(command_set: str, differential: bool, screens: list[tuple[str, str]]) -> list[int]:
    display = LineDisplay(Counter(), command_set, differential=differential)
    display.initialize()
    counts = []
    for screen in screens:
        display.show(screen)
        counts.append(display.last_update_bytes)
    return counts


def paced_times(
    command_set: str, differential: bool, screens: list[tuple[str, str]]
) -> tuple[float, int]:
    """(seconds, bytes) for all updates through a paced virtual board."""
    pause = threading.Event()
    total_s = 0.0
    total_bytes = 0
    with (
        VirtualBoard(command_set, baudrate=BAUD, pace=True) as board,
        SerialPort(board.display_path, baudrate=BAUD, write_timeout=5.0) as port,
    ):
        display = LineDisplay(port, command_set, differential=differential)
        display.initialize()
        for screen in screens:
            start = time.perf_counter()
            display.show(screen)
            expected = list(display.shown_bytes())
            while board.cells() != expected:
                if time.perf_counter() - start > SHOWN_DEADLINE_S:
                    raise SystemExit(f"board did not show {screen} in {SHOWN_DEADLINE_S} s")
                pause.wait(0.0002)
            total_s += time.perf_counter() - start
            total_bytes += display.last_update_bytes
    return total_s, total_bytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sales", type=int, default=50)
    args = parser.parse_args()
    screens = checkout(args.sales)
    updates = len(screens)
    print(f"{args.sales} sales, {updates} display updates, {BAUD} baud 8N1")
    for command_set in ("epson", "cd5220"):
        diff = sum(byte_counts(command_set, True, screens))
        full = sum(byte_counts(command_set, False, screens))
        print(f"\n[{command_set}]")
        print(
            f"  bytes/update   differential {diff / updates:6.1f}   full-line {full / updates:6.1f}"
            f"   full/differential {full / diff:5.2f}x"
        )
        for label, differential in (("differential", True), ("full-line", False)):
            seconds, sent = paced_times(command_set, differential, screens)
            wire = sent * BITS_PER_BYTE / BAUD
            print(
                f"  {label:<13} {seconds / updates * 1000:6.2f} ms/update   wire limit "
                f"{wire / updates * 1000:6.2f} ms/update   measured/limit {seconds / wire:5.2f}"
            )


if __name__ == "__main__":
    main()
