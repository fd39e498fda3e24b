"""The one exception hierarchy of the firmware host.

Every message says what was expected and what was found. Two branches matter to
callers: `ModuleError` and its kin are about the product (a module or a document was
refused), `RigError` is about the hardware path (a port was lost, a board went
silent), which the HIL suite reports as an ERROR of the rig, never a FAIL of a module.
"""

from __future__ import annotations


class FirmwareError(Exception):
    """Root of every error the firmware host raises on purpose."""


class RigError(FirmwareError):
    """The serial path to a board failed; not a verdict on the module under test."""


class PortLost(RigError):
    """A port that was open went away (board unplugged, PTY closed, link dropped)."""


class DeadlineExceeded(RigError):
    """A read or write did not finish before its deadline."""


class ReadbackUnavailable(RigError):
    """The board has no control channel, so its display cannot be read back."""
