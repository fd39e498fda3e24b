"""The app mirrored to virtual boards on real PTYs: read-back cells equal the on-screen
display, the board's keypad drives the terminal, a lost board is logged and survived."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from functools import partial
from typing import Any

import pytest
from textual.pilot import Pilot

from boardlink.control import ControlClient
from boardlink.screen import parse_screen
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from simulator.app import PosSimApp
from simulator.board import VirtualBoard
from simulator.mirror import MirrorTarget
from tests.sim_support import rendered_rows, run, sim_app, type_keys, wait_until


@pytest.fixture(params=["epson", "cd5220"])
def board(request: pytest.FixtureRequest) -> Iterator[VirtualBoard]:
    with VirtualBoard(request.param) as started:
        yield started


def logged(app: PosSimApp, text: str) -> bool:
    return any(text in line for line in app.event_log.entries)


def readback(board: VirtualBoard) -> list[str]:
    """The board's cells through its control channel, as the HIL suite reads them."""
    with SerialPort(board.control_path) as port:
        return list(ControlClient(port).read_display().text())


def test_board_readback_equals_the_on_screen_display(board: VirtualBoard) -> None:
    target = MirrorTarget(board.display_path, board.protocol)
    app = sim_app(13, mirror=target, cmdset=board.protocol)

    async def scenario(pilot: Pilot[Any]) -> None:
        for keys in ("2x10\n", "11x10\n", "7"):
            await type_keys(pilot, keys)
            on_screen = rendered_rows(pilot, app.customer_display)
            caught_up = partial(lambda shown: board.text() == shown, on_screen)
            await wait_until(pilot, caught_up, "the board to catch up")
            assert readback(board) == on_screen
        assert readback(board) == ["Enter price".ljust(20), "7".rjust(20)]

    run(app, scenario)


def test_the_boards_keypad_drives_the_terminal() -> None:
    app = sim_app(13, virtual_board=True)

    async def scenario(pilot: Pilot[Any]) -> None:
        assert app.board is not None and app.mirror is not None
        await wait_until(pilot, partial(logged, app, "board connected"), "the mirror to connect")
        for key in (Key.D2, Key.QUANTITY, Key.D1, Key.D0, Key.ENTER):
            app.board.press(key)
        board = app.board
        await wait_until(
            pilot,
            lambda: parse_screen(app.customer_display.lines).total == Decimal("20.00"),
            "the board's keys to price a sale",
        )
        await wait_until(
            pilot, lambda: board.text() == list(app.customer_display.lines), "the readback"
        )
        assert [sale.price for sale in app.device.journal.recent(5)] == [20]

    run(app, scenario)


def test_a_lost_board_is_logged_and_the_app_keeps_running() -> None:
    app = sim_app(13, virtual_board=True)

    async def scenario(pilot: Pilot[Any]) -> None:
        assert app.board is not None and app.mirror is not None
        await wait_until(pilot, partial(logged, app, "board connected"), "the mirror to connect")
        app.board.unplug()
        await type_keys(pilot, "2x10\n")  # the terminal goes on without its board
        assert parse_screen(app.customer_display.lines).total == Decimal("20.00")
        await wait_until(pilot, partial(logged, app, "board lost"), "the loss in the log")
        app.board.replug()
        board = app.board
        await wait_until(
            pilot, lambda: board.text() == list(app.customer_display.lines), "a redraw"
        )
        # The mirror reports "board connected" from its thread and redraws at once; the
        # app logs the report when it handles the message, which may be after the redraw.
        await wait_until(
            pilot,
            lambda: sum("board connected" in line for line in app.event_log.entries) == 2,
            "the reconnection in the log",
        )

    run(app, scenario)


def test_an_unreachable_board_is_reported_once() -> None:
    target = MirrorTarget("/nonexistent/pos-board/display")
    app = sim_app(13, mirror=target)

    async def scenario(pilot: Pilot[Any]) -> None:
        def reports() -> int:
            return sum("board not reachable" in line for line in app.event_log.entries)

        await wait_until(pilot, lambda: reports() == 1, "the report")
        await type_keys(pilot, "5\n")
        assert parse_screen(app.customer_display.lines).total == Decimal("5.00")
        assert reports() == 1

    run(app, scenario)
