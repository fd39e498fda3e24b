"""`pos-sim` options: what the command line turns into, and clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_host.abi import FirmwareAbi
from firmware_host.exits import ExitCode
from simulator.__main__ import main, options_from, parse_args
from simulator.mirror import MirrorTarget


def test_no_options_is_the_zero_setup_demo() -> None:
    options = options_from(parse_args([]))
    assert (options.state_dir, options.abi, options.dev_mode) == (None, FirmwareAbi.CURRENT, True)
    assert (options.module, options.mirror, options.virtual_board) == (None, None, False)


def test_an_external_board_with_its_control_port() -> None:
    args = parse_args(["--display", "socket://x:1", "--cmdset", "cd5220", "--control", "loop://"])
    assert options_from(args).mirror == MirrorTarget("socket://x:1", "cd5220", "loop://")


@pytest.mark.parametrize(
    "argv",
    [["--control", "loop://"], ["--board", "virtual", "--display", "loop://"], ["--abi", "v9"]],
)
def test_contradictory_options_are_usage_errors(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as caught:
        parse_args(argv)
    assert caught.value.code == ExitCode.USAGE
    assert "pos-sim: usage error:" in capsys.readouterr().err


def test_an_impossible_start_hour_stops_before_the_ui(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--hour", "24", "--state-dir", str(tmp_path)]) == ExitCode.USAGE
    assert "InvalidInput: hour: expected 0..23, found 24" in capsys.readouterr().err
