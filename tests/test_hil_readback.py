"""How the harness reads a sale back: READ <n> on a board that lists read-quiet, plain
READ after the display bytes' wire time on a board that does not; either way the sale's
requests go out in two writes (keys, readback), never one READ after another while the
display is still receiving.

Against a virtual board paced at 9600 baud on both channels, as a bench's would be.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from decimal import Decimal
from pathlib import Path

import pytest

from boardlink.control import ControlClient
from firmware_host.abi import FirmwareAbi
from firmware_host.pricing import DEFAULT_MAX_PRICE
from firmware_host.transport import SerialPort
from hil.harness import QUIET_CHARS, BoardLink, Firmware
from hil.rig import CAPABILITIES, BoardSpec
from hil.subject import catalogue_subject
from simulator.board import VirtualBoard

V3 = catalogue_subject("v3")
CURRENT = FirmwareAbi.CURRENT


class SeenClient(ControlClient):
    """The real client, keeping each batch of request lines it sent."""

    def __init__(self, port: SerialPort | None, timeout: float) -> None:
        super().__init__(port, timeout)
        self.sent: list[list[str]] = []

    def requests(self, lines: Sequence[str]) -> list[str]:
        self.sent.append(list(lines))
        return super().requests(lines)


@pytest.fixture(params=["epson", "cd5220"])
def firmware(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Firmware]:
    with VirtualBoard(request.param, pace=True) as board:
        spec = BoardSpec(
            "paced", url=board.display_path, control=board.control_path, capabilities=CAPABILITIES
        )
        link = BoardLink(spec, timeout=3.0)
        link.control = SeenClient(link.control_port, link.timeout)
        firmware = Firmware(link, tmp_path, DEFAULT_MAX_PRICE)
        firmware.ensure(CURRENT, V3.wasm, V3.sha256, V3.label)
        yield firmware
        firmware.close()
        link.close()


def _sent(firmware: Firmware) -> list[list[str]]:
    client = firmware.link.control
    assert isinstance(client, SeenClient)
    return client.sent


def test_a_read_quiet_board_is_read_once_its_display_has_settled(firmware: Firmware) -> None:
    assert firmware.link.identity is not None
    assert firmware.link.identity.reads_quiet
    seen = firmware.sell_at(CURRENT, 13, 2, 10)
    assert seen.shown.total == Decimal("20.00")
    assert seen.dropped.dropped == 0
    assert not seen.state_mismatches()
    sent = _sent(firmware)
    assert sent[0] == ["KEY clear", "KEY 2", "KEY qty", "KEY 1", "KEY 0", "KEY enter"]
    assert sent[1] == [f"READ {QUIET_CHARS}", "DIAG", "STATE"]
    assert all("READ" not in lines for lines in sent)  # never a plain READ to poll


def test_a_board_without_read_quiet_gets_plain_reads_after_the_wire_time(
    firmware: Firmware,
) -> None:
    """An older board's ID lists no features: it is never sent a request it may not
    know, and still read back right, DIAG cleared before the next sale's keys."""
    link = firmware.link
    assert link.identity is not None
    link.identity = dataclasses.replace(link.identity, features=())
    for count, price, total in ((2, 10, "20.00"), (3, 7, "21.00")):
        seen = firmware.sell_at(CURRENT, 13, count, price)
        assert seen.shown.total == Decimal(total)
        assert seen.dropped.dropped == 0
    sent = _sent(firmware)
    assert sent[0][0] == "KEY clear"
    assert sent[1][:3] == ["READ", "DIAG", "STATE"]
    assert ["DIAG CLEAR", "KEY clear"] in [lines[:2] for lines in sent]
    assert not [line for lines in sent for line in lines if line.startswith("READ ")]
