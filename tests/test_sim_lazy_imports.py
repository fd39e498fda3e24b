"""What `pos-sim`'s first frame does not need is not imported before it: the help
screen's Markdown (markdown-it), the load screen, the board mirror (pyserial, the
control client), the virtual board and the folder watch. Each is imported on first
use, so opening it still works (tests/test_sim_app.py opens help and load).

Checked in a fresh interpreter that starts the demo headless until it is ready.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LAZY = (
    "markdown_it",
    "serial",
    "boardlink",
    "boardcore",
    "simulator.ui.help",
    "simulator.ui.load",
    "simulator.mirror",
    "simulator.board",
    "simulator.watch",
)
SCRIPT = """
import asyncio, json, sys
from tests.sim_support import sim_app, until_ready

async def start():
    app = sim_app()
    async with app.run_test(size=(100, 32)) as pilot:
        await until_ready(pilot)
        print("LOADED " + json.dumps(sorted(sys.modules)))

asyncio.run(start())
"""


def _modules_when_ready() -> set[str]:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    lines = [line for line in done.stdout.splitlines() if line.startswith("LOADED ")]
    assert done.returncode == 0 and len(lines) == 1, done.stderr[-2000:]
    return set(json.loads(lines[0][len("LOADED ") :]))


def test_the_first_frame_imports_nothing_it_does_not_show() -> None:
    loaded = _modules_when_ready()
    assert "simulator.ui.terminal_screen" in loaded  # the check sees what was imported
    assert "wasmtime" in loaded  # the firmware runs v3 for the first frame
    assert sorted(name for name in LAZY if name in loaded) == []
