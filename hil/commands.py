"""The rig's console scripts, reached without importing what they need: an install
without the `hil` extra gets a message naming the extra, not a traceback."""

from __future__ import annotations

from firmware_host.exits import missing_extra


def qualify() -> int:
    """`pos-qualify`."""
    try:
        from hil.qualify.cli import main
    except ModuleNotFoundError as exc:
        return missing_extra("pos-qualify", "hil", exc)
    return main()
