"""I/O deadlines expire in real time even while freezegun holds the clock still.

The HIL suite injects the shop's clock and freezes nothing, but a test of the firmware's
production path (which reads `datetime.now`) may use freezegun, which freezes
`time.monotonic` and `time.perf_counter` too. The deadlines are measured with
CLOCK_MONOTONIC through `time.clock_gettime`, so a silent board still times out; a
watchdog thread bounds each test, so a deadline that never expired would fail here
instead of hanging the suite.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from boardlink.control import ControlClient
from firmware_host.abi import FirmwareAbi
from firmware_host.deadlines import now
from firmware_host.errors import DeadlineExceeded
from firmware_host.keypad import KeypadReader
from firmware_host.transport import SerialPort
from hil.harness import BoardFault
from hil.pool import BoardPool
from hil.rig import CAPABILITIES, BoardSpec, Rig
from simulator.board import VirtualBoard

DEADLINE_S = 0.3
WATCHDOG_S = 10.0


@pytest.fixture
def board() -> Iterator[VirtualBoard]:
    with VirtualBoard("epson") as started:
        yield started


def _raises_within_watchdog(action: Callable[[], object]) -> tuple[BaseException, float]:
    """Run `action` on a thread; return what it raised and the real seconds it took."""
    caught: list[BaseException] = []

    def run() -> None:
        try:
            action()
        except BaseException as exc:  # handed back to the test thread
            caught.append(exc)

    started = now()
    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(WATCHDOG_S)
    assert not worker.is_alive(), f"expected the call to return within {WATCHDOG_S} s"
    assert caught, "expected the call to raise, found it returned"
    return caught[0], now() - started


def test_the_clock_is_really_frozen_under_freezegun() -> None:
    with freeze_time("2026-01-05 12:30"):
        before = (time.monotonic(), time.perf_counter(), time.time())
        real_before = now()
        while now() - real_before < 0.01:
            pass  # a little real time passes
        assert (time.monotonic(), time.perf_counter(), time.time()) == before


def test_a_silent_control_channel_times_out_with_the_clock_frozen(board: VirtualBoard) -> None:
    board.stop_answering_control()
    with SerialPort(board.control_path) as port, freeze_time("2026-01-05 12:30"):
        client = ControlClient(port, timeout=DEADLINE_S)
        error, took = _raises_within_watchdog(client.read_display)
    assert isinstance(error, DeadlineExceeded), error
    assert took >= DEADLINE_S
    assert board.control_path in str(error)


def test_a_keypad_read_times_out_with_the_clock_frozen(board: VirtualBoard) -> None:
    with SerialPort(board.display_path) as port, freeze_time("2026-01-05 12:30"):
        reader = KeypadReader(port)
        error, took = _raises_within_watchdog(lambda: reader.next_key(DEADLINE_S))
    assert isinstance(error, DeadlineExceeded), error
    assert took >= DEADLINE_S


def test_a_sweep_sale_on_a_silent_board_errors_with_the_clock_frozen(tmp_path: Path) -> None:
    """The whole harness path under freezegun: the board never answers."""
    rig = Rig("frozen", (BoardSpec("quiet", capabilities=CAPABILITIES, virtual="epson"),), "t")
    pool = BoardPool(rig, tmp_path, DEADLINE_S)
    try:
        with pool.board("quiet") as firmware:
            quiet = pool.virtual("quiet")
            assert quiet is not None
            quiet.stop_answering_control()
            with freeze_time("2026-01-05 12:30"):
                error, took = _raises_within_watchdog(
                    lambda: firmware.sell_at(FirmwareAbi.CURRENT, 12, 2, 10)
                )
    finally:
        pool.close()
    assert isinstance(error, BoardFault), error
    assert "DeadlineExceeded" in str(error)
    assert took >= DEADLINE_S
