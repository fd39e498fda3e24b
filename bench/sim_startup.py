"""How long `pos-sim` takes to show its customer display, against importing Textual.

Run: `python bench/sim_startup.py [--repeats N]`. Prints, in one run, the median of

  baseline   `python -c "import textual"` as a subprocess: interpreter start plus the
             import every Textual app pays;
  pos-sim    the demo command started in a detached tmux session (100 x 32), until the
             pane shows the idle customer display ("Enter price"), then quit with `q`;

and their ratio: what the app itself adds (firmware, wasmtime compile of v3, journal,
first frame) on top of the floor any Textual app has.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.sim_support import TmuxApp, real_now


def baseline_s() -> float:
    started = real_now()
    subprocess.run([sys.executable, "-c", "import textual"], check=True, timeout=60)
    return real_now() - started


def startup_s() -> float:
    with tempfile.TemporaryDirectory(prefix="sim-bench-") as folder:
        app = TmuxApp(Path(folder))
        try:
            started = app.start()
            shown = app.wait_for_text("Enter price", timeout=30)
            app.press("q")
            code = app.exit_code()
        finally:
            app.close()
    if code != 0:
        raise SystemExit(f"pos-sim exited with {code}, expected 0")
    return shown - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    startup_s()  # warm the file cache, as a user's second start would be
    base = statistics.median(baseline_s() for _ in range(args.repeats))
    sim = statistics.median(startup_s() for _ in range(args.repeats))
    print(f"command   {' '.join(TmuxApp.command())}")
    print(f"baseline  {base * 1000:7.0f} ms  python -c 'import textual'")
    print(f"pos-sim   {sim * 1000:7.0f} ms  to the customer display in tmux")
    print(f"ratio     {sim / base:7.2f} x")


if __name__ == "__main__":
    main()
