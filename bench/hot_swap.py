"""Hot swap latency against compiling the module alone.

Run: `python bench/hot_swap.py [--repeats N]`. Prints, in one run, the median time of

  compile   PriceModule.load(wasm): compile, validate and instantiate, nothing else;
  hot swap  signed document bytes -> Device.apply_document (parse with size caps,
            Ed25519 verify, policy, compile, durable install with fsync, swap between
            sales) -> the first price computed by the new module;

and their ratio, i.e. what the safety path costs on top of the compile it must do
anyway. Documents are signed before timing (signing happens off the device).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from firmware_host.device import Device
from firmware_host.runtime import PriceModule
from firmware_host.signing import (
    encode_document,
    generate_keypair,
    load_private_key,
    module_fields,
    sign_fields,
)
from firmware_host.trust import TrustStore
from price_modules import wasm_bytes

VERSIONS = ("v2", "v3")


def time_compile(repeats: int) -> list[float]:
    samples = []
    for i in range(repeats):
        wasm = wasm_bytes(VERSIONS[i % 2])
        start = time.perf_counter()
        PriceModule.load(wasm)
        samples.append(time.perf_counter() - start)
    return samples


def time_hot_swap(folder: Path, repeats: int) -> list[float]:
    pair = generate_keypair(folder / "keys", "bench")
    key = load_private_key(pair.private_path)
    documents = []
    for i in range(repeats):
        fields = module_fields(
            wasm_bytes(VERSIONS[i % 2]),
            version=i + 1,
            release_counter=i + 1,
            expires="2099-01-01T00:00:00+00:00",
        )
        documents.append(encode_document(sign_fields(fields, key, "bench")))
    device = Device(
        folder / "state",
        trust=TrustStore.load(folder / "keys"),
        clock=lambda: datetime(2026, 1, 1, 13, 0),
        utc_clock=lambda: datetime(2026, 1, 1, tzinfo=UTC),
    )
    samples = []
    with device:
        for raw in documents:
            start = time.perf_counter()
            report = device.apply_document(raw)
            outcome = device.price(2, 10)
            samples.append(time.perf_counter() - start)
            running = report.running
            if not report.accepted or running is None or outcome.module_sha256 != running.sha256:
                raise SystemExit(f"hot swap did not take effect: {report.ack}")
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=60)
    args = parser.parse_args()
    time_compile(3)  # warm the engine, as a running device has
    compile_s = statistics.median(time_compile(args.repeats))
    with tempfile.TemporaryDirectory() as folder:
        swap_s = statistics.median(time_hot_swap(Path(folder), args.repeats))
    print(f"compile alone          median {compile_s * 1e3:8.3f} ms  (baseline)")
    print(f"document -> 1st price  median {swap_s * 1e3:8.3f} ms")
    print(f"ratio hot swap / compile      {swap_s / compile_s:8.2f}x  ({args.repeats} runs each)")


if __name__ == "__main__":
    main()
