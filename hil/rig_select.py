"""Which rig a run is on, from the settings: a rig file, boards and places named on the
command line (their one-line forms, `URL,control=URL,cmdset=epson`), or the two
virtual boards; and the labgrid places a rig names, opened only when it names some."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from firmware_host.exits import DISTRIBUTION, OUR_PACKAGES
from hil.rig import (
    LABGRID_EXTRA,
    BoardSpec,
    Rig,
    RigFileError,
    coordinator_address,
    load_rig,
    named_rig,
    parse_board,
    virtual_rig,
)

if TYPE_CHECKING:
    from hil.labgrid_places import PlaceHolder

_OPTION_WORD = re.compile(r"^[a-z_]+(=|$)")
_BOARD_OPTION_KEYS = {
    "control": "control",
    "cmdset": "command_set",
    "name": "name",
    "baud": "baudrate",
    "role": "role",
}
_PLACE_OPTION_KEYS = {
    "display": "display_resource",
    "control": "control_resource",
    "cmdset": "command_set",
    "name": "name",
    "role": "role",
}
_OPTION_FLAGS = {"display_only": "display_only"}
_BAUD = re.compile(r"[0-9]{1,7}")
BOARD_OPTION = "URL[,control=URL][,cmdset=NAME][,name=NAME][,baud=N][,role=R][,display_only]"
PLACE_OPTION = (
    "PLACE[,display=RESOURCE][,control=RESOURCE][,cmdset=NAME][,name=NAME][,role=R][,display_only]"
)
PLACE_FLAG = "--hil-place"
COORDINATOR_FLAG = "--hil-coordinator"


def _option_fields(
    text: str, where: str, first: tuple[str, str], keys: Mapping[str, str]
) -> dict[str, Any]:
    """`HEAD[,key=value]...[,display_only]` as rig-file fields, HEAD under `first`: its
    field and what it is."""
    head, *words = text.split(",")
    if not head or _OPTION_WORD.match(head):
        raise RigFileError(f"{where}: expected the {first[1]} first, found {head!r}")
    raw: dict[str, Any] = {first[0]: head}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep and key in _OPTION_FLAGS:
            raw[_OPTION_FLAGS[key]] = True
        elif not sep or key not in keys:
            raise RigFileError(
                f"{where}: expected key=value with keys {sorted(keys)} or the word "
                f"{', '.join(_OPTION_FLAGS)}, found {word!r}"
            )
        elif keys[key] == "baudrate":
            if not _BAUD.fullmatch(value):
                raise RigFileError(f"{where}: baud expected a number, found {value!r}")
            raw["baudrate"] = int(value)
        else:
            raw[keys[key]] = value
    return raw


def parse_board_option(text: str, index: int, flag: str = "--hil-board") -> BoardSpec:
    """`URL[,control=URL][,cmdset=NAME][,name=NAME][,baud=N][,role=R][,display_only]`;
    named board<index> unless a name is given."""
    where = f"{flag} {text!r}"
    raw = _option_fields(text, where, ("url", "display URL"), _BOARD_OPTION_KEYS)
    return parse_board({"name": f"board{index}", **raw}, where)


def parse_place_option(text: str, flag: str = PLACE_FLAG) -> BoardSpec:
    """`PLACE[,display=RESOURCE][,control=RESOURCE][,cmdset=NAME][,name=NAME][,role=R]
    [,display_only]`; named after the place unless a name is given."""
    where = f"{flag} {text!r}"
    raw = _option_fields(text, where, ("place", "place"), _PLACE_OPTION_KEYS)
    return parse_board(raw, where)


def options_rig(boards: list[str], flag: str = "--hil-board", places: Sequence[str] = ()) -> Rig:
    specs = [parse_board_option(t, i, flag) for i, t in enumerate(boards)]
    specs += [parse_place_option(t) for t in places]
    return named_rig("command-line", specs, flag if boards else PLACE_FLAG)


def _with_coordinator(rig: Rig, coordinator: str | None) -> Rig:
    """`rig` with the coordinator a setting names (over the rig file's); a rig that names
    places must end up with one, and with labgrid installed."""
    if coordinator:
        rig = replace(rig, coordinator=coordinator_address(coordinator, COORDINATOR_FLAG))
    if not rig.places:
        return rig
    if rig.coordinator is None:
        raise RigFileError(
            f"{rig.source}: boards {[b.name for b in rig.places]} are labgrid places: expected "
            f"a coordinator address (the rig file's coordinator, or {COORDINATOR_FLAG}), found none"
        )
    _holder_class(rig)
    return rig


def _holder_class(rig: Rig) -> type[PlaceHolder]:
    """hil.labgrid_places, the one module that imports labgrid (the `labgrid` extra),
    imported only for a rig that names places."""
    try:
        from hil.labgrid_places import PlaceHolder
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] in OUR_PACKAGES:
            raise
        raise RigFileError(
            f"{rig.source}: boards {[b.name for b in rig.places]} are labgrid places, which "
            f"need the '{LABGRID_EXTRA}' extra, not installed (no module {exc.name!r}): "
            f"pip install '{DISTRIBUTION}[{LABGRID_EXTRA}]'"
        ) from exc
    return PlaceHolder


def open_places(rig: Rig) -> PlaceHolder:
    """A holder of `rig`'s places on its coordinator: acquires each on request, releases
    every one on close()."""
    if rig.coordinator is None:
        raise RigFileError(f"{rig.source}: expected a labgrid coordinator address, found none")
    return _holder_class(rig)(rig.coordinator)


def select_rig(
    rig_file: Path | str | None,
    boards: Sequence[str],
    flags: tuple[str, str] = ("--hil-rig", "--hil-board"),
    *,
    places: Sequence[str] = (),
    coordinator: str | None = None,
) -> tuple[Rig, str]:
    """The rig a run is on, with its kind: `rig_file`, else the board and place options,
    else the two virtual boards. `flags` name the first two options in messages;
    `coordinator` (a setting) names labgrid's coordinator over the rig file's."""
    for given, flag in ((boards, flags[1]), (places, PLACE_FLAG)):
        if rig_file and given:
            raise RigFileError(f"rig: expected {flags[0]} or {flag}, found both")
    if rig_file:
        rig, kind = load_rig(Path(rig_file)), "file"
    elif boards or places:
        rig, kind = options_rig(list(boards), flags[1], places), "command-line"
    else:
        return virtual_rig(), "virtual"
    return _with_coordinator(rig, coordinator), kind
