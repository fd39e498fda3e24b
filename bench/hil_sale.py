"""A HIL sale against its wire time, and the HIL suite against the sale it runs.

Run: `python bench/hil_sale.py [--rounds 5] [--module v3] [--cmdset epson]`. Prints, in
one run:

  suite     the suite's sweep tests (hil/test_sweep.py: sweep and golden) for one
            module on one unpaced virtual board, in a child pytest: wall time of the
            test loop per test (collection and interpreter start excluded, the
            board's start and the firmware's boot included);
  anchor    the harness's own sale (Firmware.sell_at) over exactly those cases on the
            same kind of board, in a child process alike: wall time per sale;
            suite and anchor alternate, R rounds; `suite_overhead` is the median of
            the rounds' suite / anchor (goal <= 2.0: pytest, fixtures and checks add
            at most the sale itself); unpaced sales per second are the anchor's;
  paced     sales through a virtual board paced at the baud rate on both channels,
            each against the wire time (10 bits a byte) of exactly the bytes it put
            on them: display port both ways, control requests and answers;
            `paced_to_wire` is the median of the sales' ratios (goal <= 1.15), and the
            last line printed.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pytest

from firmware_host.pricing import DEFAULT_MAX_PRICE
from hil.cases import SaleCase, Selection, golden_cases, sweep_cases
from hil.grid import DEFAULT_GRID
from hil.harness import BoardLink, Firmware
from hil.plugin import ABIS
from hil.pool import BoardPool
from hil.reference import displayed
from hil.rig import CAPABILITIES, DEFAULT_TIMEOUT_S, BoardSpec
from hil.rig_select import select_rig
from hil.subject import load_subjects
from simulator.board import VirtualBoard, wire_time

ROOT = Path(__file__).resolve().parent.parent
SUITE = "hil/test_sweep.py"
BOARD = "bench-board"
CHILD_DEADLINE_S = 600


def suite_cases(rig_file: str, module: str) -> list[SaleCase]:
    """The sales the suite's sweep tests make for `module` on the rig's board."""
    rig, _ = select_rig(rig_file, [])
    selection = Selection(rig, tuple(load_subjects([module])), ABIS["all"], DEFAULT_GRID)
    return sweep_cases(selection) + golden_cases(selection)


# --- children: each prints one RESULT line -----------------------------------------


def anchor_child(rig_file: str, module: str) -> dict[str, Any]:
    """The harness's own unpaced sales, the suite's cases in its order."""
    cases = suite_cases(rig_file, module)
    rig, _ = select_rig(rig_file, [])
    with tempfile.TemporaryDirectory(prefix="hil-sale-") as state:
        pool = BoardPool(rig, Path(state), DEFAULT_TIMEOUT_S)
        try:
            with pool.board(rig.boards[0].name) as firmware:
                observed = []
                seconds = 0.0
                running = None
                for case in cases:
                    if running != (case.subject, case.abi):  # the module, not the sale
                        subject = case.subject
                        firmware.ensure(case.abi, subject.wasm, subject.sha256, subject.label)
                        running = (case.subject, case.abi)
                    started = time.perf_counter()
                    observed.append(
                        firmware.sell_at(case.abi, case.hour, case.count, case.unit_price)
                    )
                    seconds += time.perf_counter() - started
        finally:
            pool.close()
    wrong = [
        c.case_id for c, o in zip(cases, observed, strict=True) if displayed(o.shown) != c.expected
    ]
    if wrong:
        raise SystemExit(
            f"anchor: expected every sale to show its expected outcome, {wrong} did not"
        )
    return {"sales": len(cases), "seconds": seconds}


class LoopTimer:
    """Times pytest's test loop: every test's setup, call and teardown, nothing else."""

    seconds = 0.0
    tests = 0

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtestloop(self, session: pytest.Session) -> Any:
        started = time.perf_counter()
        yield
        self.seconds = time.perf_counter() - started
        self.tests = session.testscollected


def suite_child(rig_file: str, module: str) -> dict[str, Any]:
    timer = LoopTimer()
    args = [SUITE, "--hil-module", module, "--hil-rig", rig_file, "-q", "-p", "no:cacheprovider"]
    code = pytest.main(args, plugins=[timer])
    if code != 0:
        raise SystemExit(f"suite: expected every test to pass, pytest exited {code}")
    return {"tests": timer.tests, "seconds": timer.seconds}


CHILDREN = {"anchor": anchor_child, "suite": suite_child}


def run_child(kind: str, rig_file: str, module: str) -> dict[str, Any]:
    command = [sys.executable, __file__, "--child", kind, "--rig", rig_file, "--module", module]
    started = time.perf_counter()
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, timeout=CHILD_DEADLINE_S, check=False
    )
    found = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    if done.returncode != 0 or len(found) != 1:
        raise SystemExit(f"{kind} run failed ({done.returncode}):\n{done.stdout}\n{done.stderr}")
    result: dict[str, Any] = json.loads(found[0][len("RESULT ") :])
    result["process_seconds"] = time.perf_counter() - started
    return result


# --- the paced sale ----------------------------------------------------------------


@dataclass(frozen=True)
class PacedSale:
    seconds: float
    wire_bytes: dict[str, int]
    baudrate: int

    @property
    def wire_seconds(self) -> float:
        return wire_time(sum(self.wire_bytes.values()), self.baudrate)

    @property
    def ratio(self) -> float:
        return self.seconds / self.wire_seconds


def paced_sales(cmdset: str, module: str, baudrate: int, rounds: int) -> list[PacedSale]:
    """The default grid's pairs at a full- and a half-price hour, `rounds` times over."""
    subject = load_subjects([module])[0]
    abi = next(a for a in ABIS["all"] if subject.accepted_by(a))
    sales = []
    with (
        VirtualBoard(cmdset, baudrate=baudrate, pace=True) as board,
        tempfile.TemporaryDirectory(prefix="hil-sale-") as state,
    ):
        spec = BoardSpec(
            BOARD,
            url=board.display_path,
            control=board.control_path,
            capabilities=CAPABILITIES,
            baudrate=baudrate,
        )
        link = BoardLink(spec, timeout=DEFAULT_TIMEOUT_S)
        firmware = Firmware(link, Path(state), DEFAULT_MAX_PRICE)
        try:
            firmware.ensure(abi, subject.wasm, subject.sha256, subject.label)
            for _ in range(rounds):
                for hour in (13, 15):
                    for count, unit_price in DEFAULT_GRID.pairs:
                        before = board.wire_bytes()
                        started = time.perf_counter()
                        firmware.sell_at(abi, hour, count, unit_price)
                        seconds = time.perf_counter() - started
                        after = board.wire_bytes()
                        carried = {k: after[k] - before[k] for k in after}
                        sales.append(PacedSale(seconds, carried, baudrate))
        finally:
            firmware.close()
            link.close()
    return sales


# --- the report --------------------------------------------------------------------


def spread(values: list[float], scale: float = 1.0, digits: int = 2) -> str:
    low, mid, high = min(values), statistics.median(values), max(values)
    return f"{mid * scale:.{digits}f} (min {low * scale:.{digits}f}, max {high * scale:.{digits}f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="suite/anchor rounds")
    parser.add_argument("--paced-rounds", type=int, default=1, help="times the paced sales")
    parser.add_argument("--module", default="v3")
    parser.add_argument("--cmdset", default="epson", choices=("epson", "cd5220"))
    parser.add_argument("--baud", type=int, default=9600)
    parser.add_argument("--child", choices=sorted(CHILDREN), help=argparse.SUPPRESS)
    parser.add_argument("--rig", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(CHILDREN[args.child](args.rig, args.module)))
        return

    with tempfile.TemporaryDirectory(prefix="hil-sale-rig-") as folder:
        rig_file = str(Path(folder) / "rig.toml")
        Path(rig_file).write_text(
            f'name = "bench"\n[[boards]]\nname = "{BOARD}"\nvirtual = "{args.cmdset}"\n'
        )
        anchor_ms: list[float] = []
        suite_ms: list[float] = []
        process_ms: list[float] = []
        ratios: list[float] = []
        tests = sales = 0
        for index in range(args.rounds):  # alternate which runs first
            order = ("anchor", "suite") if index % 2 == 0 else ("suite", "anchor")
            got = {kind: run_child(kind, rig_file, args.module) for kind in order}
            sales, tests = got["anchor"]["sales"], got["suite"]["tests"]
            anchor_ms.append(got["anchor"]["seconds"] / sales * 1000)
            suite_ms.append(got["suite"]["seconds"] / tests * 1000)
            process_ms.append(got["suite"]["process_seconds"] / tests * 1000)
            ratios.append(suite_ms[-1] / anchor_ms[-1])
    per_s = [1000 / ms for ms in anchor_ms]
    print(f"{args.module} on one unpaced virtual {args.cmdset} board, {args.rounds} rounds")
    print(f"suite     {tests} tests ({SUITE}), test loop per test ms: {spread(suite_ms)}")
    print(f"          whole pytest process per test ms: {spread(process_ms)} (start, collection)")
    print(f"anchor    {sales} sales (Firmware.sell_at), per sale ms: {spread(anchor_ms)}")
    print(f"unpaced sales/s: {spread(per_s, digits=0)}")
    print(f"suite_overhead: {statistics.median(ratios):.2f}   (rounds: {spread(ratios)})")

    paced = paced_sales(args.cmdset, args.module, args.baud, args.paced_rounds)
    bytes_per_sale = {
        k: statistics.median(s.wire_bytes[k] for s in paced) for k in paced[0].wire_bytes
    }
    print(
        f"paced     {len(paced)} sales at {args.baud} baud 8N1 on both channels; "
        f"sale ms: {spread([s.seconds for s in paced], 1000, 1)}, "
        f"wire time of its bytes ms: {spread([s.wire_seconds for s in paced], 1000, 1)}"
    )
    print(
        "          bytes per sale (median): "
        + ", ".join(f"{k} {v:g}" for k, v in bytes_per_sale.items())
    )
    print(f"          sale / wire time: {spread([s.ratio for s in paced])}")
    print(f"paced_to_wire: {statistics.median(s.ratio for s in paced):.2f}")


if __name__ == "__main__":
    main()
