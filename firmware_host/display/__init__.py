"""Customer (pole) display drivers: the LineDisplay API over the Epson DM-D and CD5220
command sets, found by name through the registry."""

from firmware_host.display.codepage import UnknownCodePage, encode_text
from firmware_host.display.commands import CommandSet, ScrollMode
from firmware_host.display.linedisplay import ByteSink, LineDisplay
from firmware_host.display.registry import DRIVERS, UnknownDriver, get_driver

__all__ = [
    "DRIVERS",
    "ByteSink",
    "CommandSet",
    "LineDisplay",
    "ScrollMode",
    "UnknownCodePage",
    "UnknownDriver",
    "encode_text",
    "get_driver",
]
