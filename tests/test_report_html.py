"""report.html as a release manager sees it: rendered by headless Chromium.

Each page is opened in a real browser (Debian's chromium, driven by Playwright), a
full-page screenshot is kept beside the record for a person to look at, and the layout
is measured: no table header or number wraps, the page does not overflow sideways, no
Python repr leaks into the text, the verdict's badge has the verdict's colour and what
did not run is said in words.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from hil.qualify import main
from hil.qualify.html import COLOURS
from hil.qualify.results import Outcome

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
WIDTH = 1280
# Python's own spellings, which a reader of the report should never meet.
REPRS = re.compile(r"dirty=|\bNone\b|\bTrue\b|\bFalse\b|\{'|'\}|\[\]|\bnull\b")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    assert Path(CHROMIUM).exists(), "chromium (Debian package) must be installed"
    with sync_playwright() as playwright:
        started = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield started
        started.close()


def qualified(tmp_path: Path, *argv: str) -> Path:
    out = tmp_path / "out"
    main([*argv, "--out", str(out), "--no-progress"])
    return out


def rendered(browser: Browser, out: Path) -> Page:
    page = browser.new_page(viewport={"width": WIDTH, "height": 900})
    page.goto((out / "report.html").as_uri())
    page.screenshot(path=str(out / "report.png"), full_page=True)
    return page


def layout(page: Page) -> dict[str, Any]:
    measured: dict[str, Any] = page.evaluate(
        """() => {
        const lines = el => {  // lines its text takes, whatever the row's height
            const range = document.createRange();
            range.selectNodeContents(el);
            const tops = [...range.getClientRects()].filter(r => r.width > 0)
                .map(r => Math.round(r.top));
            return new Set(tops).size;
        };
        const wrapped = [...document.querySelectorAll('th, td.num')]
            .filter(el => lines(el) > 1).map(el => el.textContent);
        const badge = document.querySelector('.verdict .badge');
        return {
            wrapped,
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            text: document.body.innerText,
            badge: badge.textContent,
            colour: getComputedStyle(badge).backgroundColor,
        };
    }"""
    )
    return measured


def rgb(hex_colour: str) -> str:
    r, g, b = (int(hex_colour[i : i + 2], 16) for i in (1, 3, 5))
    return f"rgb({r}, {g}, {b})"


def test_a_failing_module_without_boards(browser: Browser, tmp_path: Path) -> None:
    out = qualified(tmp_path, "v4", "--no-boards")
    page = rendered(browser, out)
    seen = layout(page)
    assert seen["wrapped"] == [] and seen["overflow"] <= 0
    assert (seen["badge"], seen["colour"]) == ("FAIL", rgb(COLOURS[Outcome.FAIL]))
    assert not REPRS.search(seen["text"]), REPRS.findall(seen["text"])
    assert "no firmware generation calls this signature" in seen["text"]
    assert "boards: not run: the boards were left out (--no-boards)" in seen["text"]
    rig = "rig\tvirtual: virtual boards started by the rig; not used: the boards were left out"
    assert rig in seen["text"]
    assert (out / "report.png").stat().st_size > 20_000


def test_a_passing_module_on_a_board(browser: Browser, tmp_path: Path) -> None:
    rig = tmp_path / "one.toml"
    rig.write_text('name = "one"\n[[boards]]\nname = "front"\nvirtual = "epson"\n')
    out = qualified(tmp_path, "v3", "--rig", str(rig))
    page = rendered(browser, out)
    seen = layout(page)
    assert seen["wrapped"] == [] and seen["overflow"] <= 0
    assert (seen["badge"], seen["colour"]) == ("PASS", rgb(COLOURS[Outcome.PASS]))
    assert not REPRS.search(seen["text"]), REPRS.findall(seen["text"])
    assert "Every selected check ran all of its cases." in seen["text"]
    assert "one: rig file" in seen["text"] and "not used" not in seen["text"]
    # The board's identity as columns of a table, not a JSON object.
    row = page.locator("table tr", has_text="VB-front").inner_text()
    assert row.split("\t")[3:8] == ["VirtualBoard", "1.0", "VB-front", "epson", "2 x 20"]
