"""Rig faults are errors of the rig: a lost or silent board becomes a BoardFault naming
its ports and the tail of its receive buffer, and the board is taken out of the run.

These tests use private virtual boards (never the rig's own), so unplugging one does
not disturb the sweeps of the boards under test.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from firmware_host.abi import FirmwareAbi
from hil.harness import BoardFault, BoardLink, BoardOutOfRun, Firmware
from hil.pool import BoardPool
from hil.rig import CAPABILITIES, BoardSpec, Rig
from hil.subject import catalogue_subject
from simulator.board import VirtualBoard
from tests.serial_helpers import pty_pair

TIMEOUT_S = 0.5
V3 = catalogue_subject("v3")
CURRENT = FirmwareAbi.CURRENT


@pytest.fixture
def pool(tmp_path: Path) -> Iterator[BoardPool]:
    with pty_pair() as (_, display):
        rig = Rig(
            "faults",
            (
                BoardSpec("spare", capabilities=CAPABILITIES, virtual="epson"),
                BoardSpec("plain", url="/dev/null", command_set="epson"),
                BoardSpec("shown", url=display, command_set="epson", display_only=True),
                BoardSpec("unplugged", url=str(tmp_path / "gone"), display_only=True),
            ),
            "test",
        )
        pool = BoardPool(rig, tmp_path, TIMEOUT_S)
        yield pool
        pool.close()


def _ready(pool: BoardPool) -> Firmware:
    with pool.board("spare") as firmware:
        firmware.ensure(FirmwareAbi.CURRENT, V3.wasm, V3.sha256, V3.label)
        firmware.sell_at(CURRENT, 12, 2, 10)
        return firmware


def test_an_unplugged_board_faults_with_its_ports_and_buffer_tail(pool: BoardPool) -> None:
    firmware = _ready(pool)
    board = pool.virtual("spare")
    assert board is not None
    board.unplug()
    with pytest.raises(BoardFault) as caught, pool.board("spare") as same:
        same.sell_at(CURRENT, 13, 2, 10)
    message = str(caught.value)
    assert board.display_path in message
    assert board.control_path in message
    assert "PortLost" in message
    # The tail is what the board sent last: the previous sale's readback, which ends
    # with the board's settings (STATE) after its cells (READ) and drops (DIAG).
    assert "receive buffer tail: b'" in message
    assert firmware.link.tail.endswith(b"\n")
    assert b"OK STATE" in firmware.link.tail


def test_a_faulted_board_is_out_of_the_run_and_its_next_tests_error(pool: BoardPool) -> None:
    _ready(pool)
    board = pool.virtual("spare")
    assert board is not None
    board.unplug()
    with pytest.raises(BoardFault), pool.board("spare") as firmware:
        firmware.sell_at(CURRENT, 13, 2, 10)
    with pytest.raises(BoardFault) as again, pool.board("spare"):
        pass
    assert "out of this run after a rig fault" in str(again.value)
    assert board.display_path in str(again.value)


def test_a_silent_control_channel_faults_at_its_deadline(pool: BoardPool) -> None:
    _ready(pool)
    board = pool.virtual("spare")
    assert board is not None
    board.stop_answering_control()
    with pytest.raises(BoardFault) as caught, pool.board("spare") as firmware:
        firmware.sell_at(CURRENT, 13, 2, 10)
    assert "DeadlineExceeded" in str(caught.value)
    assert f"within {TIMEOUT_S:g} s" in str(caught.value)
    assert board.control_path in str(caught.value)


def test_a_board_without_a_control_channel_is_a_rig_fault_then_out_of_the_run(
    pool: BoardPool,
) -> None:
    with pytest.raises(BoardFault) as caught, pool.board("plain"):
        pass
    assert str(caught.value) == (
        "board plain (display /dev/null): expected a control channel with keys, readback, "
        "found none: name its control port (control=URL with --hil-board, control in a rig "
        "file), or declare a plain display display_only"
    )
    with pytest.raises(BoardOutOfRun, match="board plain is out of this run"), pool.board("plain"):
        pass


def test_a_declared_display_only_board_does_not_run_a_sale_and_says_so(
    pool: BoardPool,
) -> None:
    with pytest.raises(pytest.skip.Exception) as skipped, pool.board("shown"):
        pass
    assert str(skipped.value) == (
        "not run: board shown is display-only (rig file): no keys, readback"
    )


def test_a_display_only_board_whose_display_does_not_open_is_a_rig_fault(
    pool: BoardPool, tmp_path: Path
) -> None:
    """Nothing is sold on it, but a run that never found its display proves nothing
    either: its tests are errors, not skips."""
    with pytest.raises(BoardFault, match=f"{tmp_path / 'gone'}"), pool.board("unplugged"):
        pass
    with pytest.raises(BoardOutOfRun, match="board unplugged"), pool.board("unplugged"):
        pass


def test_a_board_that_is_not_what_the_rig_file_says_is_a_rig_fault() -> None:
    with VirtualBoard("cd5220") as board:
        lying = BoardSpec(
            "lying",
            url=board.display_path,
            command_set="epson",
            control=board.control_path,
            capabilities=CAPABILITIES,
        )
        with pytest.raises(BoardFault) as caught:
            BoardLink(lying, TIMEOUT_S)
    assert str(caught.value) == (
        "board lying: expected command set epson (rig file), found the board identifying as cd5220"
    )
