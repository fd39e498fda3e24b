"""Exhaustive tier throughput against a native build of the same module, same run.

Run: `python bench/sweep.py [--version v3] [--runs 11] [--levers]`.

The anchor (bench/sweep_anchor.rs) is the module's own Rust source (`lib.rs`) built
natively with `rustc -O` as the cdylib it declares, called through the dynamic
linker once per case (never inlined), over the same declared domain, on the same
number of worker threads, classifying every case as the tier does: in bounds, below
zero, NaN, above max, wrap suspects, falling prices, the first ten examples of each.
It is built into a temporary folder at every run; its time excludes process start.

The tier is `run_exhaustive` as a qualification calls it, timed around the call
(module checks, compilation, stores, threads, classification and findings included).
Both print their class totals, which must agree. After one warm-up run of each, the
two run alternately (anchor, tier, anchor, tier, ...) so that load from other work
on the machine hits both alike; each pair gives a ratio (native time / tier time)
and the last line is the median of those wall-time ratios (the CPU-time ratios,
less sensitive to load, are printed too). `--levers` also times the tier with fuel on
every operator (as before the fuel proof) and on one worker.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import price_modules
from hil.exhaustive import Domain, SweepOptions, run_exhaustive
from hil.exhaustive.engine import default_workers
from hil.exhaustive.findings import wrap_thresholds

ANCHOR_SOURCE = Path(__file__).resolve().parent / "sweep_anchor.rs"
BUILD_DEADLINE_S = 300.0
RUN_DEADLINE_S = 600.0


class BenchError(Exception):
    """The anchor could not be built or run, or disagrees with the tier."""


@dataclass(frozen=True)
class Timing:
    """Wall and CPU seconds of one sweep (CPU: every thread of the sweep's process)."""

    wall: float
    cpu: float


Run = Callable[[], tuple[Timing, dict[str, int]]]


@dataclass(frozen=True)
class Anchor:
    executable: Path
    args: tuple[str, ...]

    def run(self) -> tuple[Timing, dict[str, int]]:
        """(timing, class totals) of one native sweep."""
        done = subprocess.run(
            [str(self.executable), *self.args],
            capture_output=True,
            text=True,
            timeout=RUN_DEADLINE_S,
            check=False,
        )
        if done.returncode != 0:
            raise BenchError(f"anchor: expected exit 0, found {done.returncode}: {done.stderr}")
        words = done.stdout.split()
        fields = dict(zip(words[::2], words[1::2], strict=True))
        timing = Timing(float(fields.pop("seconds")), float(fields.pop("cpu_seconds")))
        return timing, {k: int(v) for k, v in fields.items()}


def _rustc(*args: str) -> None:
    rustc = os.environ.get("RUSTC") or shutil.which("rustc")
    if rustc is None:
        raise BenchError("rustc: expected on PATH (or in RUSTC), found none")
    done = subprocess.run(
        [rustc, *args], capture_output=True, text=True, timeout=BUILD_DEADLINE_S, check=False
    )
    if done.returncode != 0:
        raise BenchError(f"rustc {' '.join(args)}: expected success, found:\n{done.stderr}")


def build_anchor(version: str, folder: Path, workers: int) -> Anchor:
    """The module's lib.rs as a native shared library, and the harness linked to it."""
    record = price_modules.manifest(version)
    source = price_modules.module_dir(version) / "lib.rs"
    library = folder / "libprice.so"
    _rustc("-O", "--edition=2021", "--crate-type=cdylib", "-Cpanic=abort",
           "--crate-name=price", str(source), "-o", str(library))  # fmt: skip
    cfgs = []
    if len(record.signature.params) == 3:
        cfgs += ["--cfg", "hour"]
    if record.signature.results == ("f32",):
        cfgs += ["--cfg", "f32_result"]
    executable = folder / "sweep_anchor"
    _rustc("-O", "--edition=2021", *cfgs, "-L", str(folder), f"-Clink-args=-Wl,-rpath,{folder}",
           str(ANCHOR_SOURCE), "-o", str(executable))  # fmt: skip
    low, high = wrap_thresholds(record.max_price)
    args = (record.max_count, record.max_unit_price, record.max_price, low, high, workers)
    return Anchor(executable, tuple(str(a) for a in args))


def tier_run(wasm: bytes, domain: Domain, max_price: int, options: SweepOptions) -> Run:
    def run() -> tuple[Timing, dict[str, int]]:
        started, cpu_started = time.perf_counter(), time.process_time()
        report = run_exhaustive(wasm, domain, max_price, options=options)
        timing = Timing(time.perf_counter() - started, time.process_time() - cpu_started)
        c = report.counts
        totals = {
            "in_bounds": c.in_bounds,
            "below_zero": c.below_zero,
            "not_a_number": c.not_a_number,
            "wrap": report.wrap_into_range.cases,
            "falling": report.falling_prices.cases,
            "examples": sum(
                len(f.examples)
                for f in (report.guard_refusals, report.wrap_into_range, report.falling_prices)
            ),
        }
        return timing, totals

    return run


def alternate(anchor: Run, tier: Run, runs: int) -> tuple[list[Timing], list[Timing]]:
    """Timings of each, run alternately after one warm-up each; totals must agree."""
    _, want = anchor()
    _, got = tier()
    if got != want:
        raise BenchError(f"class totals: native {want}, tier {got}")
    native, swept = [], []
    for _ in range(runs):
        native.append(anchor()[0])
        swept.append(tier()[0])
    return native, swept


def _ratios(native: list[float], swept: list[float]) -> tuple[float, float, float]:
    ratios = sorted(n / s for n, s in zip(native, swept, strict=True))
    return statistics.median(ratios), ratios[0], ratios[-1]


def summary(name: str, cases: int, native: list[Timing], swept: list[Timing]) -> float:
    """Prints wall and CPU figures; returns the median wall ratio."""
    wall, low, high = _ratios([t.wall for t in native], [t.wall for t in swept])
    cpu, cpu_low, cpu_high = _ratios([t.cpu for t in native], [t.cpu for t in swept])
    rate = cases / statistics.median(t.wall for t in swept)
    native_rate = cases / statistics.median(t.wall for t in native)
    cpu_rate = cases / statistics.median(t.cpu for t in swept)
    native_cpu_rate = cases / statistics.median(t.cpu for t in native)
    print(
        f"{name:<20} wall {rate / 1e6:6.1f} M cases/s (native {native_rate / 1e6:6.1f} M): "
        f"ratio median {wall:.2f}, spread {low:.2f}..{high:.2f}\n"
        f"{'':<20} CPU  {cpu_rate / 1e6:6.1f} M cases/CPU-s "
        f"(native {native_cpu_rate / 1e6:6.1f} M): "
        f"ratio median {cpu:.2f}, spread {cpu_low:.2f}..{cpu_high:.2f}"
    )
    return wall


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="v3")
    parser.add_argument("--runs", type=int, default=11, help="alternating pairs")
    parser.add_argument("--levers", action="store_true", help="also time fuel and 1 worker")
    args = parser.parse_args()
    record = price_modules.manifest(args.version)
    domain = Domain.for_manifest(record)
    wasm = price_modules.wasm_bytes(args.version)
    workers = default_workers()
    print(f"{args.version}: {domain.size} cases, {workers} workers, {args.runs} pairs")
    with tempfile.TemporaryDirectory(prefix="sweep-anchor-") as folder:
        anchor = build_anchor(args.version, Path(folder), workers)
        variants = [("tier", SweepOptions())]
        if args.levers:
            variants += [
                ("tier, fuel metered", SweepOptions(always_meter=True)),
                ("tier, 1 worker", SweepOptions(workers=1)),
            ]
        medians = {}
        for name, options in variants:
            tier = tier_run(wasm, domain, record.max_price, options)
            native, swept = alternate(anchor.run, tier, args.runs)
            medians[name] = summary(name, domain.size, native, swept)
    print(f"ratio_to_native: {medians['tier']:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
