"""Exhaustive tier throughput against calling price_func from Python once per case.

Run: `python bench/sweep.py`. Prints, in one run, cases per second of the exhaustive
tier over the module's whole declared domain (24 million cases for v3, classification
and findings included), of per-case calls from Python over a sample, and the ratio.
Each figure is the best of a few repeats, since a shared machine only ever adds time.
"""

from __future__ import annotations

import argparse
import itertools
import statistics
import sys
import time
from pathlib import Path

import wasmtime

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import price_modules
from hil.exhaustive import Domain, run_exhaustive

TARGET = 100e6


def per_case_rate(version: str, domain: Domain, sample: int) -> float:
    """Cases per second calling the export from Python, as a per-case HIL loop would."""
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, price_modules.wasm_bytes(version))
    func = wasmtime.Instance(store, module, []).exports(store)["price_func"]
    arity = len(price_modules.manifest(version).signature.params)
    cases = itertools.islice(
        itertools.product(domain.hours, domain.counts, domain.unit_prices), sample
    )
    started = time.perf_counter()
    for hour, count, unit_price in cases:
        func(store, *(count, unit_price, hour)[:arity])
    return sample / (time.perf_counter() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--version", default="v3")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--sample", type=int, default=200_000)
    args = parser.parse_args()
    record = price_modules.manifest(args.version)
    domain = Domain.for_manifest(record)
    wasm = price_modules.wasm_bytes(args.version)

    rates = []
    for _ in range(args.repeats):
        report = run_exhaustive(wasm, domain, record.max_price, label=args.version)
        rates.append(report.cases_per_second)
    tier = max(rates)
    baseline = max(per_case_rate(args.version, domain, args.sample) for _ in range(2))

    print(report.to_text())
    print()
    print(
        f"exhaustive tier : {tier / 1e6:9.1f} M cases/s over {domain.size} cases "
        f"(best of {args.repeats}; median {statistics.median(rates) / 1e6:.1f} M)"
    )
    print(
        f"per-case Python : {baseline / 1e6:9.3f} M cases/s "
        f"({1e6 / baseline:.1f} us a call, {args.sample} calls, extrapolated)"
    )
    print(f"ratio           : {tier / baseline:9.0f} x")
    verdict = "meets" if tier >= TARGET else "MISSES"
    print(f"target          : {verdict} {TARGET / 1e6:.0f} M cases/s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
