"""Display command sets by name, as the rig description and the control channel's
`cmdset=` field spell them ("epson", "cd5220")."""

from __future__ import annotations

from firmware_host.display.cd5220 import CD5220Commands
from firmware_host.display.commands import CommandSet
from firmware_host.display.epson import EpsonCommands
from firmware_host.errors import DisplayError


class UnknownDriver(DisplayError):
    """No command set is registered under the requested name."""


DRIVERS: dict[str, type[CommandSet]] = {
    EpsonCommands.name: EpsonCommands,
    CD5220Commands.name: CD5220Commands,
}


def get_driver(name: str) -> type[CommandSet]:
    try:
        return DRIVERS[name]
    except KeyError:
        known = ", ".join(sorted(DRIVERS))
        raise UnknownDriver(f"expected a display command set ({known}), found {name!r}") from None
