"""The rig's errors: the path to a board failed, which proves nothing about a module.

`RIG_FAULTS` is what rig code catches as "the rig could not prove it": its own errors
and the firmware's serial-line errors raised by the ports it drives.
"""

from __future__ import annotations

from firmware_host.errors import FirmwareError, SerialLinkError


class RigError(FirmwareError):
    """The path to a board failed; not a verdict on the module under test."""


class ReadbackUnavailable(RigError):
    """The board has no control channel, so its display cannot be read back."""


class BoardProtocolError(RigError):
    """A board answered on its control channel, but not in the documented protocol."""


RIG_FAULTS: tuple[type[FirmwareError], ...] = (RigError, SerialLinkError)
