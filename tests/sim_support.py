"""Helpers for driving the simulator app in tests: a frozen firmware clock, typing on the
keypad, reading the customer display back from the rendered screen, bounded waits.

Textual's timers run on asyncio's clock, which freezegun would stop (run_test then
never finishes), so the app gets a fixed clock injected instead: the firmware, the
journal and the clock panel all read that one clock, and nothing reads the wall clock.
"""

from __future__ import annotations

import asyncio
import os
import shlex
import shutil
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget

from firmware_host.clock import fixed
from simulator.app import PosSimApp
from simulator.options import SimOptions

SIZE = (100, 32)
WAIT_S = 5.0


def at_hour(hour: int) -> datetime:
    return datetime(2026, 1, 1, hour, 0, 0)


def sim_app(hour: int = 13, **options: Any) -> PosSimApp:
    """The demo as started with no options, at a frozen `hour` on 2026-01-01."""
    return PosSimApp(SimOptions(clock=fixed(at_hour(hour)), **options))


def run(
    app: PosSimApp, scenario: Callable[[Pilot[Any]], Awaitable[None]], size: tuple[int, int] = SIZE
) -> None:
    """Run `scenario` against the app in a headless terminal of `size` (no async plugin)."""

    async def drive() -> None:
        async with app.run_test(size=size) as pilot:
            await until_ready(pilot)
            await scenario(pilot)

    asyncio.run(drive())


async def type_keys(pilot: Pilot[Any], keys: str) -> None:
    """Keyboard keys as a cashier types them: "2x10" then ENTER is a count-2 sale."""
    names = {"x": "x", "\n": "enter", "c": "escape", "b": "backspace"}
    await pilot.press(*(names.get(char, char) for char in keys))
    await pilot.pause()


def rendered_rows(pilot: Pilot[Any], widget: Widget) -> list[str]:
    """The characters the screen shows inside `widget`, row by row."""
    region = widget.content_region
    strips = pilot.app.screen._compositor.render_strips()
    return [strip.crop(region.x, region.right).text for strip in strips[region.y : region.bottom]]


def real_now() -> float:
    """Monotonic seconds that no frozen or injected clock affects."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


async def wait_until(pilot: Pilot[Any], predicate: Callable[[], bool], what: str) -> None:
    """Let the app process messages until `predicate` holds, or fail after WAIT_S."""
    deadline = real_now() + WAIT_S
    while not predicate():
        if real_now() > deadline:
            raise AssertionError(f"expected {what} within {WAIT_S} s, found it not so")
        await pilot.pause(0.02)


async def until_ready(pilot: Pilot[Any]) -> None:
    """The app has loaded its module and started its workers: keys now reach a terminal."""
    app = pilot.app
    assert isinstance(app, PosSimApp)
    await wait_until(pilot, lambda: app.ready, "the app to be ready")


class TmuxApp:
    """The demo started as a user would, in a detached tmux session of a fixed size.

    A private tmux server (`-L`) keeps it away from any tmux the user runs; the exit
    code is written to a file by the shell that ran the app.
    """

    def __init__(
        self, folder: Path, size: tuple[int, int] = SIZE, argv: list[str] | None = None
    ) -> None:
        self.folder = folder
        self.size = size
        self.argv = argv or self.command()  # another app started the same way (a bench)
        self.server = f"pos-sim-{os.getpid()}-{id(self)}"
        self.rc_file = folder / "rc"

    @staticmethod
    def command() -> list[str]:
        """The installed console script, or the module when it is not installed."""
        script = shutil.which("pos-sim")
        return [script] if script else [sys.executable, "-m", "simulator"]

    def tmux(self, *args: str) -> str:
        done = subprocess.run(
            ["tmux", "-L", self.server, *args], capture_output=True, text=True, timeout=WAIT_S
        )
        return done.stdout

    def start(self) -> float:
        """Start the app; returns the real monotonic time it was started at."""
        line = " ".join(shlex.quote(part) for part in self.argv)
        shell = f"{line}; echo $? > {shlex.quote(str(self.rc_file))}"
        width, height = self.size
        started = real_now()
        self.tmux(
            "new-session", "-d", "-s", "sim", "-x", str(width), "-y", str(height),
            "-c", str(self.folder), shell,
        )  # fmt: skip
        return started

    def screen(self) -> str:
        return self.tmux("capture-pane", "-p", "-t", "sim")

    def wait_for_text(self, text: str, timeout: float = WAIT_S, poll: float = 0.02) -> float:
        """Poll the pane until `text` shows; returns when (real monotonic time)."""
        deadline = real_now() + timeout
        while text not in self.screen():
            if real_now() > deadline:
                raise AssertionError(f"expected {text!r} on screen, found:\n{self.screen()}")
            time.sleep(poll)  # polling a separate process's screen, not synchronising threads
        return real_now()

    def press(self, key: str) -> None:
        self.tmux("send-keys", "-t", "sim", key)

    def exit_code(self, timeout: float = WAIT_S) -> int:
        deadline = real_now() + timeout
        while not self.rc_file.exists() or not self.rc_file.read_text().strip():
            if real_now() > deadline:
                raise AssertionError(f"expected the app to exit within {timeout} s, it did not")
            time.sleep(0.02)
        return int(self.rc_file.read_text())

    def close(self) -> None:
        subprocess.run(["tmux", "-L", self.server, "kill-server"], capture_output=True, timeout=5)
