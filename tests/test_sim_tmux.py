"""The demo started as a new user would, in a real terminal (tmux): it shows the
customer display, prices a sale typed on the keyboard, and quits cleanly with `q`.

How long the start took is printed, not asserted (bench/sim_startup.py measures it).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.sim_support import TmuxApp


@pytest.fixture
def session(tmp_path: Path) -> Iterator[TmuxApp]:
    app = TmuxApp(tmp_path)
    try:
        yield app
    finally:
        app.close()


def test_the_demo_starts_prices_and_quits_cleanly(session: TmuxApp) -> None:
    started = session.start()
    shown = session.wait_for_text("Enter price")
    assert "customer display" in session.screen()
    print(f"pos-sim showed its display {shown - started:.2f} s after start")
    for key in ("2", "x", "1", "0", "Enter"):
        session.press(key)
    session.wait_for_text("Total")
    screen = session.screen()
    # v3 at whatever hour the wall clock has: full price 20 or half price 10.
    assert "Total          20.00" in screen or "Total          10.00" in screen
    session.press("q")
    assert session.exit_code() == 0


def test_ctrl_q_quits_too(session: TmuxApp) -> None:
    session.start()
    session.wait_for_text("Enter price")
    session.press("C-q")
    assert session.exit_code() == 0
