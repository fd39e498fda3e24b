"""The rig description: TOML and YAML rig files and --board options, parsed strictly."""

from __future__ import annotations

from pathlib import Path

import pytest

from hil.rig import (
    CAPABILITIES,
    BoardSpec,
    RigFileError,
    load_rig,
    parse_rig,
    start_board,
    virtual_rig,
)
from hil.rig_select import options_rig, parse_board_option, select_rig

RIGS = Path(__file__).resolve().parent.parent / "hil" / "rigs"

TOML = """
name = "bench"
[[boards]]
name = "front"
url = "/dev/ttyUSB0"
command_set = "epson"
control = "/dev/ttyUSB1"
capabilities = ["keys", "readback"]
baudrate = 19200
"""

YAML = """
name: bench
boards:
  - name: front
    url: /dev/ttyUSB0
    command_set: epson
    control: /dev/ttyUSB1
    capabilities: [keys, readback]
    baudrate: 19200
"""

FRONT = BoardSpec(
    "front",
    url="/dev/ttyUSB0",
    command_set="epson",
    control="/dev/ttyUSB1",
    capabilities=frozenset({"keys", "readback"}),
    baudrate=19200,
)


@pytest.mark.parametrize(("suffix", "text"), [(".toml", TOML), (".yaml", YAML), (".yml", YAML)])
def test_toml_and_yaml_describe_the_same_rig(tmp_path: Path, suffix: str, text: str) -> None:
    path = tmp_path / f"rig{suffix}"
    path.write_text(text)
    rig = load_rig(path)
    assert (rig.name, rig.boards, rig.source) == ("bench", (FRONT,), str(path))
    assert rig.board("front").sweepable


def test_the_example_rigs_parse() -> None:
    names = {path.name: load_rig(path) for path in sorted(RIGS.iterdir())}
    assert set(names) == {"bench.toml", "labgrid.toml", "remote.yaml", "virtual.toml"}
    bench = names["bench.toml"]
    assert [b.name for b in bench.boards] == ["front-epson", "pole-cd5220", "plain-display"]
    assert bench.board("pole-cd5220").capabilities == CAPABILITIES  # default with control
    assert not bench.board("plain-display").sweepable
    # Declared so: a board without a control channel and without the word is refused.
    assert bench.board("plain-display").display_only
    assert names["virtual.toml"].boards == virtual_rig().boards
    assert names["remote.yaml"].board("lab-epson").url.startswith("rfc2217://")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            'name = "x"\nboards = []\n',
            "expected at least one board, found none",
        ),
        (
            '[[boards]]\nname = "a"\nurl = "/dev/x"\ncommand_set = "epson"\ndisplay_only = true\n'
            '[[boards]]\nname = "b"\nurl = "/dev/x"\ncommand_set = "epson"\ndisplay_only = true\n',
            "expected each port once, found ['/dev/x'] twice",
        ),
        (
            'boards = [{name = "a", url = "/dev/x", command_set = "epson", colour = "red"}]',
            "found ['colour']",
        ),
        (
            'boards = [{name = "a", url = "/dev/x", command_set = "vfd"}]',
            "command set expected one of ['cd5220', 'epson'], found 'vfd'",
        ),
        (
            'boards = [{name = "a", url = "/dev/x", command_set = "epson", baudrate = "fast"}]',
            "field 'baudrate' expected int, found str",
        ),
        (
            'boards = [{name = "a", url = "/dev/x", command_set = "epson", baudrate = 0}]',
            "baudrate expected 1..4000000, found 0",
        ),
        (
            'boards = [{name = "a", url = "/dev/x"}]',
            "expected command_set, or a control channel that can identify the board",
        ),
        (
            'boards = [{name = "a", url = "/x", command_set = "epson", capabilities = ["keys"]}]',
            "capabilities ['keys'] expected a control URL, found none",
        ),
        (
            'boards = [{name = "a", url = "/x", control = "/y", capabilities = ["teleport"]}]',
            "expected a subset of ['identify', 'keys', 'readback'], found ['teleport']",
        ),
        (
            'boards = [{name = "a b", url = "/dev/x", command_set = "epson"}]',
            "expected a name of letters, digits, '.', '_' or '-', found 'a b'",
        ),
        (
            'boards = [{name = "a", url = "/x", command_set = "epson"},'
            ' {name = "a", url = "/y", command_set = "epson"}]',
            "expected distinct board names, found ['a'] twice",
        ),
        (
            'boards = [{name = "a", virtual = "epson", url = "/x"}]',
            "a virtual board takes only baudrate, name, pace, role, virtual, found ['url']",
        ),
        ('boards = [{name = "a", command_set = "epson"}]', "missing field 'url'"),
        ("boards = [", "expected valid toml"),
    ],
)
def test_a_bad_rig_file_says_what_was_expected(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "rig.toml"
    path.write_text(text)
    with pytest.raises(RigFileError) as caught:
        load_rig(path)
    assert message in str(caught.value)
    assert str(path) in str(caught.value)


def test_a_rig_file_must_be_toml_or_yaml(tmp_path: Path) -> None:
    with pytest.raises(RigFileError, match=r"expected a rig file ending in \['.toml'"):
        load_rig(tmp_path / "rig.json")


def test_a_missing_rig_file_is_a_rig_file_error(tmp_path: Path) -> None:
    with pytest.raises(RigFileError, match="expected a readable rig file"):
        load_rig(tmp_path / "absent.yaml")


def test_yaml_that_is_not_a_table(tmp_path: Path) -> None:
    path = tmp_path / "rig.yaml"
    path.write_text("- just\n- a list\n")
    with pytest.raises(RigFileError, match="expected a table of"):
        load_rig(path)


def test_board_options_name_boards_by_position() -> None:
    rig = options_rig(
        [
            "/dev/pts/7,control=/dev/pts/8",
            "rfc2217://127.0.0.1:4000?ign_set_control,cmdset=cd5220,name=remote,baud=19200",
        ]
    )
    assert rig.boards == (
        BoardSpec("board0", url="/dev/pts/7", control="/dev/pts/8", capabilities=CAPABILITIES),
        BoardSpec(
            "remote",
            url="rfc2217://127.0.0.1:4000?ign_set_control",
            command_set="cd5220",
            baudrate=19200,
        ),
    )
    assert not rig.board("remote").sweepable


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("control=/dev/pts/8", "expected the display URL first, found 'control=/dev/pts/8'"),
        ("/dev/pts/7,speed=9600", "expected key=value with keys"),
        ("/dev/pts/7,cmdset=epson,baud=fast", "baud expected a number, found 'fast'"),
        ("/dev/pts/7", "expected command_set, or a control channel"),
    ],
)
def test_a_bad_board_option_says_what_was_expected(text: str, message: str) -> None:
    with pytest.raises(RigFileError) as caught:
        parse_board_option(text, 0)
    assert message in str(caught.value)


def test_a_virtual_board_may_be_paced_at_its_baud_rate() -> None:
    rig = parse_rig(
        {"boards": [{"name": "slow", "virtual": "cd5220", "baudrate": 2400, "pace": True}]}, "r"
    )
    (board,) = rig.boards
    assert (board.virtual, board.baudrate, board.pace) == ("cd5220", 2400, True)
    concrete, started = start_board(board)
    try:
        assert started is not None and (started.baudrate, concrete.baudrate) == (2400, 2400)
    finally:
        assert started is not None
        started.stop()
    with pytest.raises(RigFileError, match="pace is for virtual boards"):
        parse_rig({"boards": [{"name": "b", "url": "/dev/x", "command_set": "epson",
                               "pace": True}]}, "r")  # fmt: skip


def test_a_run_selects_its_rig_from_file_options_or_virtual_boards(tmp_path: Path) -> None:
    path = tmp_path / "bench.toml"
    path.write_text(TOML)
    board = ["/dev/pts/7,cmdset=epson"]
    assert select_rig(path, []) == (load_rig(path), "file")
    assert select_rig(None, board) == (options_rig(board), "command-line")
    assert select_rig(None, []) == (virtual_rig(), "virtual")
    with pytest.raises(RigFileError) as caught:
        select_rig(path, board, ("--hil-rig", "--hil-board"))
    assert str(caught.value) == "rig: expected --hil-rig or --hil-board, found both"
