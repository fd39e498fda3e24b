"""SIGKILL at random moments of installs and sales: the store boots, no committed sale is lost.

The child process is this module run as a script: it installs modules and records sales
in a loop, printing each sale id only after the journal committed it. The parent kills
it (SIGKILL, no clean-up of any kind) after a random number of reported sales, which
lands the kill at a random point of the next install or sale, many times over the same
state folder.
"""

from __future__ import annotations

import hashlib
import os
import random
import signal
import subprocess
import sys
import threading
from pathlib import Path

from firmware_host.device import Device
from firmware_host.pricing import Priced
from price_modules import wasm_bytes

ROUNDS = 20
DEADLINE_S = 30.0
ROOT = Path(__file__).resolve().parent.parent
MODULES = {hashlib.sha256(wasm_bytes(v)).hexdigest(): v for v in ("v2", "v3")}


def child(state_dir: Path) -> None:
    """Install and sell forever; a line on stdout is a promise that the step is durable."""
    device = Device(state_dir, dev_mode=True)
    versions = list(MODULES.values())
    step = 0
    while True:
        step += 1
        if step % 3 == 0:
            version = versions[step % 2]
            report = device.load_module(wasm_bytes(version), label=version)
            print(f"installed {version} {report.ack.code}", flush=True)
        else:
            sale = device.sell(step % 12, 10)
            print(f"sale {sale.sale_id}", flush=True)


def _run_and_kill(state_dir: Path, sales_before_kill: int) -> set[int]:
    proc = subprocess.Popen(
        [sys.executable, __file__, str(state_dir)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert proc.stdout is not None
    committed: set[int] = set()
    # The deadline: a child that stops printing is killed, so readline returns EOF.
    watchdog = threading.Timer(DEADLINE_S, proc.kill)
    watchdog.start()
    try:
        while len(committed) < sales_before_kill:
            line = proc.stdout.readline()
            assert line, f"child exited early with {proc.wait()}"
            if line.startswith("sale "):
                committed.add(int(line.split()[1]))
            else:
                assert line.split()[2] == "200", line
    finally:
        watchdog.cancel()
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        proc.stdout.close()
    assert proc.returncode == -signal.SIGKILL
    return committed


def test_sigkill_during_installs_and_sales_loses_nothing_committed(tmp_path: Path) -> None:
    seed = Device(tmp_path, dev_mode=True)
    assert seed.load_module(wasm_bytes("v3"), label="v3").accepted
    seed.close()
    rng = random.Random(20260101)
    committed: set[int] = set()
    for _ in range(ROUNDS):
        committed |= _run_and_kill(tmp_path, rng.randint(1, 40))
        device = Device(tmp_path, dev_mode=True)
        running = device.reported().running
        assert running is not None and running.sha256 in MODULES
        outcome = device.price(1, 10)
        assert isinstance(outcome, Priced) and outcome.module_sha256 == running.sha256
        journaled = device.journal.sale_ids()
        assert committed <= journaled, sorted(committed - journaled)
        device.close()
    assert len(committed) >= ROUNDS


if __name__ == "__main__":
    child(Path(sys.argv[1]))
