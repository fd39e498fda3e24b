"""What `pos-sim` is asked to run: the command line's choices, apart from the Textual app
so that `pos-sim --help` (and an install without the `sim` extra) needs no Textual."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from firmware_host.abi import FirmwareAbi
from firmware_host.clock import Clock, local_now

if TYPE_CHECKING:  # the mirror's module brings pyserial; a start without one needs none
    from simulator.mirror import MirrorTarget


@dataclass(frozen=True)
class SimOptions:
    """Everything the command line can set; the defaults make a zero-setup demo."""

    state_dir: Path | None = None  # None: a temporary folder, removed on exit
    trust_dir: Path | None = None  # None: STATE_DIR/trust
    abi: FirmwareAbi = FirmwareAbi.CURRENT
    dev_mode: bool = True
    module: str | None = None  # loaded at start in development mode; None: DEFAULT_MODULE
    cmdset: str = "epson"
    virtual_board: bool = False
    mirror: MirrorTarget | None = None
    watch: Path | None = None
    hour: int | None = None
    clock: Clock = field(default=local_now)
