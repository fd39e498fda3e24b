"""The HIL suite judges the display driver too: a driver that sends a byte its command
set does not define, or leaves the board in a setting it does not know of, FAILs the
sale even though the cells read back right.

The wrong drivers are registered in place of the real ones for an in-process run of
the real suite in hil/ on virtual boards, as another team's driver would be.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_host.display.cd5220 import CD5220Commands
from firmware_host.display.epson import EpsonCommands
from firmware_host.display.registry import DRIVERS
from tests.test_hil_plugin import HIL, V3_CURRENT, _properties

SWEEP_1_X_10 = "test_sweep and h12 and c1-p10 and not p100 and not p101"


class NulAfterEveryMove(EpsonCommands):
    """US $ x y followed by a NUL, as one of the issue's clients sent."""

    def move_to(self, row: int, col: int) -> bytes:
        return super().move_to(row, col) + b"\x00"


class LeavesAWindow(CD5220Commands):
    """Initialises the display, then sets a window on the lower line it never cancels."""

    def initialize(self) -> bytes:
        return super().initialize() + bytes([0x1B, 0x57, 1, 1, 20, 2])


def test_a_driver_that_drops_bytes_or_leaves_a_setting_fails_the_sale(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(DRIVERS, "epson", NulAfterEveryMove)
    monkeypatch.setitem(DRIVERS, "cd5220", LeavesAWindow)
    junit = Path(pytester.path) / "fidelity.xml"
    result = pytester.runpytest_inprocess(
        HIL, *V3_CURRENT, "-k", SWEEP_1_X_10, f"--junitxml={junit}"
    )
    outcomes = result.parseoutcomes()
    assert outcomes["failed"] == 2, result.stdout.str()
    assert outcomes.get("errors", 0) == 0
    result.stdout.fnmatch_lines(
        [
            "E * v3 h12 1 x 10: expected the display driver to send only bytes its command "
            "set defines, found the board dropping * byte(s) dropped, the last 00 at "
            "display-stream offset * (undefined-byte)",
            "E * v3 h12 1 x 10: expected the board's settings to be the ones the display "
            "driver made, found window: expected None, found (1, 0, 19)",
        ],
        consecutive=False,
    )
    epson = _properties(junit, "test_sweep[v3-epson-h12-c1-p10]")
    assert epson["outcome"] == "fail"
    # The cells were right; what the board dropped is said beside them.
    cells = "1 x 10 | " + "Total".ljust(15) + "10.00"
    assert epson["observed"].startswith(cells + " (board: 6 byte(s) dropped, the last 00 at")
    assert epson["dropped"].endswith("(undefined-byte)")


def test_the_real_drivers_drop_nothing(pytester: pytest.Pytester) -> None:
    junit = Path(pytester.path) / "clean.xml"
    result = pytester.runpytest_inprocess(
        HIL, *V3_CURRENT, "-k", SWEEP_1_X_10, f"--junitxml={junit}"
    )
    assert result.parseoutcomes().get("passed") == 2, result.stdout.str()
    for board in ("epson", "cd5220"):
        props = _properties(junit, f"test_sweep[v3-{board}-h12-c1-p10]")
        assert (props["dropped"], props["outcome"]) == ("no byte dropped", "pass")
