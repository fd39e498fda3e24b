"""Whether a display-only board's display port opens: the one thing the rig can prove
of a board it cannot type a sale on and read back.

Its tests then say "not run" honestly; without the probe a bench whose display cable is
unplugged would report every one of them skipped, not one of them an error.
"""

from __future__ import annotations

from firmware_host.transport import SerialPort
from hil.rig import BoardSpec


def open_display(spec: BoardSpec, timeout: float) -> None:
    """Open the board's display port and close it again; raises the rig fault
    (boardlink.errors.RIG_FAULTS) that kept it shut."""
    port = SerialPort(spec.url, baudrate=spec.baudrate, read_timeout=timeout, write_timeout=timeout)
    with port.open():
        pass
