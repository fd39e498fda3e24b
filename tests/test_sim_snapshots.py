"""Snapshots of the simulator's main states (pytest-textual-snapshot).

Deterministic by construction: a fixed firmware clock, a fresh temporary state folder
(its path is never shown), and a fixed terminal size. After a deliberate change to the
look, run `pytest tests/test_sim_snapshots.py --snapshot-update` and review the SVGs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from textual.pilot import Pilot

from tests.sim_support import SIZE, sim_app, until_ready

SnapCompare = Callable[..., bool]
SALE = ["2", "x", "1", "0", "enter"]


def test_a_priced_sale(snap_compare: SnapCompare) -> None:
    assert snap_compare(sim_app(13), press=SALE, terminal_size=SIZE, run_before=until_ready)


def test_the_guard_refusing_110(snap_compare: SnapCompare) -> None:
    assert snap_compare(
        sim_app(13),
        press=["1", "1", "x", "1", "0", "enter"],
        terminal_size=SIZE,
        run_before=until_ready,
    )


def test_v4_refused_while_v3_runs(snap_compare: SnapCompare) -> None:
    app = sim_app(15)

    async def load_v4(pilot: Pilot[Any]) -> None:
        await until_ready(pilot)
        app.load_version("v4")
        await pilot.press(*SALE)

    assert snap_compare(app, run_before=load_v4, terminal_size=SIZE)


def test_the_load_dialog(snap_compare: SnapCompare) -> None:
    assert snap_compare(sim_app(13), press=["l"], terminal_size=SIZE, run_before=until_ready)


def test_the_help_screen(snap_compare: SnapCompare) -> None:
    assert snap_compare(
        sim_app(13), press=["question_mark"], terminal_size=SIZE, run_before=until_ready
    )


def test_a_small_terminal(snap_compare: SnapCompare) -> None:
    assert snap_compare(sim_app(13), press=SALE, terminal_size=(60, 20), run_before=until_ready)
