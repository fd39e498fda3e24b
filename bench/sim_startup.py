"""How long `pos-sim` takes to show its customer display, against a minimal Textual app.

Run: `python bench/sim_startup.py [--repeats N]`. Both are started the same way, in a
detached tmux session (100 x 32) through the same harness (tests/sim_support.TmuxApp),
timed until the pane shows their first meaningful frame, then quit with `q`:

  baseline   bench/minimal_app.py: interpreter start, Textual's imports and its first
             frame with one line of text: the floor any Textual app has;
  pos-sim    the demo command, until the idle customer display ("Enter price"): its
             imports, the firmware's boot, the wasmtime compile of v3, the journal and
             its first frame.

Runs alternate (baseline, pos-sim, baseline, ...) after one warm-up of each; printed
are each one's median and spread and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sim_support import TmuxApp

MINIMAL = [sys.executable, str(Path(__file__).resolve().parent / "minimal_app.py")]
MINIMAL_READY = "minimal app ready"  # bench/minimal_app.py's READY
POLL_S = 0.005  # between two looks at the pane


def startup_s(argv: list[str] | None, ready: str) -> float:
    """Seconds from starting `argv` (None: pos-sim) until the pane shows `ready`."""
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as folder:
        app = TmuxApp(Path(folder), argv=argv)
        try:
            started = app.start()
            shown = app.wait_for_text(ready, timeout=30, poll=POLL_S)
            app.press("q")
            code = app.exit_code()
        finally:
            app.close()
    if code != 0:
        raise SystemExit(f"{' '.join(app.argv)} exited with {code}, expected 0")
    return shown - started


def spread(values: list[float]) -> str:
    ms = sorted(v * 1000 for v in values)
    return f"{statistics.median(ms):6.0f} ms (min {ms[0]:.0f}, max {ms[-1]:.0f})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    startup_s(MINIMAL, MINIMAL_READY)  # warm the file caches, as a user's second start
    startup_s(None, "Enter price")
    base: list[float] = []
    sim: list[float] = []
    for _ in range(args.repeats):
        base.append(startup_s(MINIMAL, MINIMAL_READY))
        sim.append(startup_s(None, "Enter price"))
    print(f"command   {' '.join(TmuxApp.command())}")
    print(f"baseline  {spread(base)}  minimal Textual app to its first frame in tmux")
    print(f"pos-sim   {spread(sim)}  to the customer display in tmux")
    print(f"ratio     {statistics.median(sim) / statistics.median(base):7.2f} x")


if __name__ == "__main__":
    main()
