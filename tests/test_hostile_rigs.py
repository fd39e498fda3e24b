"""Hostile rig descriptions and output folders: nesting too deep to parse, wire speeds
no UART has, an --out that is a symlink loop. Each is the rig's typed error (a usage
error of pos-qualify), never a RecursionError, an OverflowError or a RuntimeError."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.qualify.run import OutFolderError, claim_out
from hil.rig import RigFileError, load_rig
from hil.rig_select import parse_board_option


@pytest.mark.parametrize(
    ("suffix", "text"),
    [
        ("toml", "boards = " + "[" * 100_000 + "]" * 100_000 + "\n"),
        ("yaml", "boards: " + "[" * 100_000 + "]" * 100_000 + "\n"),
    ],
    ids=["toml", "yaml"],
)
def test_a_rig_file_nested_deeper_than_its_parser_goes_is_a_rig_file_error(
    tmp_path: Path, suffix: str, text: str
) -> None:
    rig = tmp_path / f"deep.{suffix}"
    rig.write_text(text, encoding="utf-8")
    with pytest.raises(RigFileError) as caught:
        load_rig(rig)
    assert str(caught.value) == f"{rig}: expected valid {suffix}, found nesting too deep to parse"


VIRTUAL = '[[boards]]\nname = "a"\nvirtual = "epson"\n'
REAL = '[[boards]]\nname = "a"\nurl = "/dev/ttyUSB0"\ncommand_set = "epson"\n'


@pytest.mark.parametrize("board", [VIRTUAL, REAL], ids=["virtual", "real"])
@pytest.mark.parametrize("baudrate", [10**23, 4_000_001, 0, -9600])
def test_a_baudrate_outside_what_a_uart_runs_is_refused_for_every_board_kind(
    tmp_path: Path, board: str, baudrate: int
) -> None:
    """10**23 reached the virtual board's pacer and overflowed there, with no record."""
    rig = tmp_path / "rig.toml"
    rig.write_text(f"{board}baudrate = {baudrate}\n", encoding="utf-8")
    with pytest.raises(RigFileError) as caught:
        load_rig(rig)
    assert str(caught.value) == (
        f"{rig} boards[0] (a): baudrate expected 1..4000000, found {baudrate}"
    )


def test_the_board_option_caps_its_baudrate_alike() -> None:
    with pytest.raises(RigFileError, match=r"baudrate expected 1\.\.4000000, found 9999999$"):
        parse_board_option("/dev/ttyUSB0,cmdset=epson,baud=9999999", 0)
    assert parse_board_option("/dev/ttyUSB0,cmdset=epson,baud=4000000", 0).baudrate == 4_000_000


def test_an_out_folder_that_is_a_symlink_loop_is_an_out_folder_error(tmp_path: Path) -> None:
    loop = tmp_path / "out"
    loop.symlink_to(tmp_path / "back")
    (tmp_path / "back").symlink_to(loop)
    with pytest.raises(OutFolderError) as caught:
        claim_out(loop)
    assert (
        str(caught.value) == f"--out {loop}: expected a new or empty folder, found a symlink loop"
    )
