"""Properties of the board parsers (both command sets) and both ends of the control line.

The board side never raises on any input (it counts what it drops), reads split any
way give the same board, bytes it drops leave the screen as it was, and the rig side
turns any answer into a value or a BoardProtocolError, never a foreign exception.
Plain @settings here; the project-wide hypothesis profile (tox -e fuzz) applies on top.
"""

from __future__ import annotations

import contextlib
import itertools
from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from boardcore.board import Board
from boardlink.control import (
    parse_diagnostics,
    parse_identity,
    parse_readback,
    parse_state,
)
from boardlink.errors import BoardProtocolError

CMDSETS = st.sampled_from(["epson", "cd5220"])
ESC, US = 0x1B, 0x1F
# Bytes weighted towards the ones that start and steer commands.
DISPLAY_BYTES = st.binary(max_size=600) | st.lists(
    st.sampled_from([ESC, US, 0x00, 0x0D, 0x0C, 0x18, 0x40, 0x51, 0x41, 0x57, 0x24, 0x6C, 0x3D])
    | st.integers(0, 255),
    max_size=600,
).map(bytes)


def snapshot(board: Board) -> tuple[object, ...]:
    cells = board.cells
    rows = tuple(cells.row_bytes(row) for row in range(cells.rows))
    return rows, cells.cursor(), tuple(board.state()), tuple(board.diagnostics().fields())


@settings(max_examples=300, deadline=None)
@given(cmdset=CMDSETS, data=DISPLAY_BYTES)
def test_the_display_parser_never_raises_and_counts_at_most_what_it_was_fed(
    cmdset: str, data: bytes
) -> None:
    board = Board(cmdset)
    board.receive_display(data)
    cells = board.cells
    assert len(cells.cells) == cells.rows and all(len(row) == cells.cols for row in cells.cells)
    row, col = cells.cursor()
    assert 0 <= row < cells.rows and 0 <= col < cells.cols
    diagnostics = board.diagnostics()
    assert 0 <= diagnostics.dropped <= len(data)
    assert (diagnostics.dropped == 0) == (diagnostics.offset == -1)
    assert diagnostics.offset < len(data)


@settings(max_examples=200, deadline=None)
@given(cmdset=CMDSETS, data=DISPLAY_BYTES, cuts=st.lists(st.integers(0, 600), max_size=20))
def test_reads_split_anywhere_give_the_same_board(
    cmdset: str, data: bytes, cuts: list[int]
) -> None:
    whole = Board(cmdset)
    whole.receive_display(data)
    split = Board(cmdset)
    edges = [0, *sorted(cut for cut in cuts if cut < len(data)), len(data)]
    for start, end in itertools.pairwise(edges):
        split.receive_display(data[start:end])
    assert snapshot(split) == snapshot(whole)


# Whole commands that follow the manuals, as units between which garbage can fall.
TOKENS = {
    "epson": [b"Hi", b"\x1f$\x05\x02", b"\x0c", b"\x18", b"\x1f\x03", b"\x1f\x01", b"\x09",
              b"\x1fX\x02", b"\x1b@", b"\x1b=\x02", b"\x08", b"\x1f\n", b"\x0b", b"12.50"],
    "cd5220": [b"Hi", b"\x1bl\x05\x02", b"\x0c", b"\x18", b"\x1b\x13", b"\x1b\x11", b"\x09",
               b"\x1bQAstring\r", b"\x1bQB" + b"x" * 20 + b"\r", b"\x1b*\x02", b"\x1b@",
               b"\x1bW\x01\x02\x08\x01", b"\x1bW\x00\x00\x00\x01", b"\x1b[C", b"12.50"],
}  # fmt: skip
GARBAGE = {
    "epson": [b"\x00", b"\x07", b"\x1f$\x00\x00", b"\x1f$\x15\x01", b"\x1bZ", b"\x1fX\x09"],
    "cd5220": [
        b"\x00",
        b"\x07",
        b"\x1bl\x00\x00",
        b"\x1b[Z",
        b"\x1b=\x00",
        b"\x1bW\x01\x00\x00\x01",
    ],
}


@settings(max_examples=200, deadline=None)
@given(data=st.data(), cmdset=CMDSETS)
def test_dropped_bytes_between_commands_change_nothing_shown(
    data: st.DataObject, cmdset: str
) -> None:
    tokens = data.draw(st.lists(st.sampled_from(TOKENS[cmdset]), max_size=30))
    bad = data.draw(
        st.lists(st.tuples(st.integers(0, len(tokens)), st.sampled_from(GARBAGE[cmdset])))
    )
    clean, dirty = b"".join(tokens), bytearray()
    for index, token in enumerate([*tokens, b""]):
        for _, garbage in (pair for pair in bad if pair[0] == index):
            dirty += garbage
        dirty += token
    expected, board = Board(cmdset), Board(cmdset)
    expected.receive_display(clean)
    board.receive_display(bytes(dirty))
    assert snapshot(board)[:2] == snapshot(expected)[:2]
    # the clean stream may drop bytes itself (CD5220 text in string mode)
    assert board.diagnostics().dropped == expected.diagnostics().dropped + len(dirty) - len(clean)


@settings(max_examples=300, deadline=None)
@given(cmdset=CMDSETS, request=st.binary(max_size=400), display=DISPLAY_BYTES)
def test_the_control_channel_answers_every_line_and_never_raises(
    cmdset: str, request: bytes, display: bytes
) -> None:
    board = Board(cmdset)
    board.receive_display(display)
    answer = board.receive_control(request + b"\n").decode("ascii")
    lines = answer.split("\n")
    assert lines[-1] == ""
    assert len(lines) - 1 == (request + b"\n").count(b"\n")
    assert all(line.startswith(("OK ", "ERR ")) for line in lines[:-1])


@settings(max_examples=200, deadline=None)
@given(cmdset=CMDSETS, display=DISPLAY_BYTES)
def test_every_board_answer_parses_on_the_rig_side_to_the_boards_values(
    cmdset: str, display: bytes
) -> None:
    board = Board(cmdset)
    board.receive_display(display)
    answers = board.receive_control(b"ID\nREAD\nSTATE\nDIAG\n").decode("ascii").splitlines()
    identity, readback = parse_identity(answers[0]), parse_readback(answers[1])
    state, dropped = parse_state(answers[2]), parse_diagnostics(answers[3])
    cells = board.cells
    assert (identity.cmdset, identity.rows, identity.cols) == (cmdset, cells.rows, cells.cols)
    assert readback.rows == tuple(cells.row_bytes(row) for row in range(cells.rows))
    assert readback.cursor == cells.cursor()
    assert (state.brightness, state.window, state.selected) == (
        cells.brightness,
        cells.window,
        board.parser.selected,
    )
    assert dropped.dropped == board.diagnostics().dropped
    assert dropped.last == board.diagnostics().last


PARSERS: list[Callable[[str], object]] = [
    parse_identity,
    parse_readback,
    parse_state,
    parse_diagnostics,
]
ANSWER_WORDS = st.sampled_from(
    ["OK", "ID", "READ", "STATE", "DIAG", "model=", "rows=", "cursor=", "row0=", "window=",
     "mode=", "dropped=", "last=", "offset=", "reason=", "1,2", "0,4,9", "none", "zz", "=", ""]
)  # fmt: skip
ANSWERS = st.text(max_size=200) | st.lists(
    st.tuples(ANSWER_WORDS, st.text(max_size=6)).map("".join), max_size=12
).map(" ".join)


@pytest.mark.parametrize("parse", PARSERS, ids=lambda parse: parse.__name__)
@settings(max_examples=300, deadline=None)
@given(line=ANSWERS)
def test_any_answer_parses_or_is_a_protocol_error(
    parse: Callable[[str], object], line: str
) -> None:
    with contextlib.suppress(BoardProtocolError):  # anything else escaping fails the test
        parse(line)
