"""Helpers for driving the simulator app in tests: a frozen firmware clock, typing on the
keypad, reading the customer display back from the rendered screen, bounded waits.

Textual's timers run on asyncio's clock, which freezegun would stop (run_test then
never finishes), so the app gets a fixed clock injected instead: the firmware, the
journal and the clock panel all read that one clock, and nothing reads the wall clock.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from textual.pilot import Pilot
from textual.widget import Widget

from firmware_host.clock import fixed
from simulator.app import PosSimApp, SimOptions

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
