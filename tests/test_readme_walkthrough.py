"""The README's demo walkthrough, replayed row by row in the app as a person types it.

The steps and what the display must show are read from the README's table itself, so
the README cannot drift from what the demo does.
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import OptionList

from boardlink.screen import Shown, parse_screen
from price_modules import versions
from tests.sim_support import run, sim_app

README = Path(__file__).resolve().parent.parent / "README.md"
ROW = re.compile(r"^\| (`.+?`(?:, .+?)*) \| (.+) \|$")


def walkthrough() -> list[tuple[str, str]]:
    text = README.read_text(encoding="utf-8")
    table = text.split("| type | the customer display shows |", 1)[1].split("\n\n", 1)[0]
    rows = [ROW.match(line) for line in table.splitlines()[2:]]
    assert rows and all(rows), table
    return [(m.group(1), m.group(2)) for m in rows if m]


def keys_of(typed: str) -> list[str]:
    """`2 x 10 Enter` as key presses: 2, x, 1, 0, enter."""
    keys: list[str] = []
    for word in re.findall(r"`([^`]+)`", typed)[0].split():
        keys += ["enter"] if word == "Enter" else list(word)
    return keys


def test_the_readme_walkthrough_is_what_the_demo_does() -> None:
    steps = walkthrough()
    assert len(steps) == 8
    app = sim_app(9)  # the system clock at a half-price hour: the first step must matter

    async def scenario(pilot: Pilot[Any]) -> None:
        for typed, shows in steps:
            if typed.startswith("`l`"):
                await pilot.press("l")
                picked = re.findall(r"`(v\d+)`", typed)[0]
                pilot.app.screen.query_one(OptionList).highlighted = versions().index(picked)
                await pilot.press("enter")
            else:
                await pilot.press(*keys_of(typed))
            await pilot.pause()
            shown = parse_screen(app.customer_display.lines)
            if total := re.search(r"`Total (\d+\.\d\d)`", shows):
                assert (shown.kind, shown.total) == (Shown.PRICE, Decimal(total.group(1))), typed
            if refused := re.search(r"`Invalid price : (\d+)`", shows):
                assert (shown.kind, shown.refused_price) == (Shown.REFUSED, int(refused.group(1)))
            if hour := re.search(r"moves to (\d\d):xx", shows):
                assert app.clock().hour == int(hour.group(1)), typed
            if "a refusal" in shows:
                assert any("Incompatible Export Type" in e for e in app.event_log.entries)
                assert dict(app.module_panel.rows)["module"] == "v3"

    run(app, scenario)
