"""The rig description: which boards the HIL suite runs on, from a file or the command line.

A rig file (TOML or YAML, the same schema) names each board, its display-port pyserial
URL, its command set, its control-channel URL and capabilities:

    name = "bench-2"
    [[boards]]
    name = "front-epson"
    url = "/dev/ttyUSB0"
    command_set = "epson"
    control = "/dev/ttyUSB1"
    capabilities = ["identify", "keys", "readback"]
    baudrate = 9600

A board may instead say `virtual = "epson"` (or "cd5220"): the suite starts it on PTYs,
at `baudrate`, and with `pace = true` holds every byte of both channels for its wire
time, so a run takes what it would on a bench. Or it names a labgrid place (`place =
"pos-epson-1"`, with the rig's `coordinator = "host:port"`): the run acquires the place,
takes the place's serial resources named by `display_resource` and `control_resource`
(default "display" and "control") as its two ports, and releases it at the end
(hil/labgrid_places.py, the `labgrid` extra). The command-line forms of boards and
places, and the choice of a run's rig, are hil/rig_select.py.
A board without a control channel must be declared `display_only = true`: the tests that
need readback then do not run (and are reported as not run), while a board that simply
lacks a `control` URL is a rig fault of each of its tests, never a silent skip. `role`
(any name, e.g. "pole") lets a test pick boards with `@pytest.mark.hil_board(role=...)`.
Parsing is strict: an unknown key, a wrong type or a duplicate name is a RigFileError
that names the file and the board, so a typo never silently drops a board.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firmware_host.display import DRIVERS
from firmware_host.errors import FirmwareError
from firmware_host.files import read_regular_file
from simulator.board import VirtualBoard
from simulator.board_io import MAX_BAUDRATE

CAPABILITIES = frozenset({"identify", "keys", "readback"})
SWEEP_NEEDS = frozenset({"keys", "readback"})
DEFAULT_BAUDRATE = 9600
DEFAULT_TIMEOUT_S = 2.0  # deadline of every board request and wait
MAX_RIG_FILE_BYTES = 1024 * 1024  # a bench of a hundred boards is some 20 kB
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_BOARD_KEYS = frozenset(
    {
        "name",
        "url",
        "command_set",
        "control",
        "capabilities",
        "baudrate",
        "virtual",
        "display_only",
        "role",
        "pace",
    }
)
_VIRTUAL_KEYS = frozenset({"name", "virtual", "role", "baudrate", "pace"})
_PLACE_KEYS = frozenset(
    {"name", "place", "display_resource", "control_resource"}
    | {"command_set", "capabilities", "display_only", "role"}
)
_RIG_KEYS = frozenset({"name", "boards", "coordinator"})
LABGRID_EXTRA = "labgrid"
DEFAULT_COORDINATOR_PORT = 20408  # labgrid's
_ADDRESS = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9][A-Za-z0-9.-]*)(:[0-9]{1,5})?$")


class RigFileError(FirmwareError):
    """A rig description (file or --board option) that cannot be used as written."""


@dataclass(frozen=True)
class PlaceSpec:
    """A board held through labgrid: a place on the rig's coordinator and the names of
    its serial resources that carry the display port and the control port."""

    name: str
    display: str = "display"
    control: str | None = "control"  # None: a display-only board


@dataclass(frozen=True)
class BoardSpec:
    """One board as the rig describes it; `virtual` boards get their URLs when started,
    `place` boards when their place is acquired."""

    name: str
    url: str = ""
    command_set: str | None = None
    control: str | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)
    baudrate: int = DEFAULT_BAUDRATE
    virtual: str | None = None
    display_only: bool = False
    role: str | None = None
    place: PlaceSpec | None = None
    pace: bool = False

    @property
    def sweepable(self) -> bool:
        return self.capabilities >= SWEEP_NEEDS

    def missing(self) -> str:
        """Why a sale cannot be typed and read back on this board: a reason a test did
        not run (display-only, as declared) or a rig fault (nothing declared)."""
        lacking = ", ".join(sorted(SWEEP_NEEDS - self.capabilities))
        if self.display_only:
            return f"not run: board {self.name} is display-only (rig file): no {lacking}"
        return (
            f"board {self.name} (display {self.url}): expected a control channel with "
            f"{lacking}, found none: name its control port (control=URL with --hil-board, "
            "control in a rig file), or declare a plain display display_only"
        )


@dataclass(frozen=True)
class Rig:
    name: str
    boards: tuple[BoardSpec, ...]
    source: str
    coordinator: str | None = None  # labgrid's, for the boards that name places

    @property
    def places(self) -> list[BoardSpec]:
        return [b for b in self.boards if b.place is not None]

    def board(self, name: str) -> BoardSpec:
        for board in self.boards:
            if board.name == name:
                return board
        raise RigFileError(f"rig {self.name}: expected a board named {name!r}, found none")


def start_board(spec: BoardSpec) -> tuple[BoardSpec, VirtualBoard | None]:
    """A `virtual` board started on PTYs, with the concrete spec naming its ports; any
    other board as it is, with None."""
    if spec.virtual is None:
        return spec, None
    board = VirtualBoard(
        spec.virtual, serial=f"VB-{spec.name}", baudrate=spec.baudrate, pace=spec.pace
    ).start()
    concrete = BoardSpec(
        spec.name,
        url=board.display_path,
        command_set=spec.virtual,
        control=board.control_path,
        capabilities=spec.capabilities,
        baudrate=spec.baudrate,
        role=spec.role,
    )
    return concrete, board


def virtual_rig() -> Rig:
    """What the suite runs on when no rig is named: one board of each command set."""
    boards = tuple(
        BoardSpec(name, capabilities=CAPABILITIES, virtual=name) for name in ("epson", "cd5220")
    )
    return Rig("virtual", boards, "virtual")


def _take(raw: Mapping[str, Any], key: str, kind: type, where: str, default: Any = None) -> Any:
    if key not in raw:
        if default is None:
            raise RigFileError(f"{where}: missing field {key!r}")
        return default
    value = raw[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise RigFileError(
            f"{where}: field {key!r} expected {kind.__name__}, found {type(value).__name__}"
        )
    return value


def _optional(raw: Mapping[str, Any], key: str, where: str) -> str | None:
    value: str | None = _take(raw, key, str, where) if key in raw else None
    return value


def _check_name(name: str, where: str) -> str:
    if not _NAME.match(name):
        raise RigFileError(
            f"{where}: expected a name of letters, digits, '.', '_' or '-', found {name!r}"
        )
    return name


def _check_command_set(name: str | None, where: str) -> str | None:
    if name is not None and name not in DRIVERS:
        raise RigFileError(
            f"{where}: command set expected one of {sorted(DRIVERS)}, found {name!r}"
        )
    return name


def _capabilities(values: list[Any], where: str) -> frozenset[str]:
    unknown = [v for v in values if v not in CAPABILITIES]
    if unknown:
        raise RigFileError(
            f"{where}: capabilities expected a subset of {sorted(CAPABILITIES)}, found {unknown}"
        )
    return frozenset(values)


def _table(raw: Any, allowed: frozenset[str], where: str) -> dict[str, Any]:
    """`raw` as a table holding only `allowed` keys."""
    if not isinstance(raw, dict):
        raise RigFileError(f"{where}: expected a table of {sorted(allowed)}, found {raw!r}")
    unknown = sorted(set(raw) - allowed)
    if unknown:
        raise RigFileError(f"{where}: expected fields {sorted(allowed)}, found {unknown}")
    return raw


def _channels(
    raw: Mapping[str, Any], where: str, control: str | None, what: str
) -> tuple[bool, frozenset[str], str | None]:
    """display_only, capabilities and command set of a board whose control channel is
    `control` (a URL or a place's resource, `what` says which; None when it has none)."""
    display_only = _take(raw, "display_only", bool, where, False)
    if display_only and control is not None:
        raise RigFileError(
            f"{where}: display_only expected no control {what}, found control {control!r}"
        )
    default_caps = sorted(CAPABILITIES) if control else []
    capabilities = _capabilities(_take(raw, "capabilities", list, where, default_caps), where)
    if capabilities and control is None:
        raise RigFileError(
            f"{where}: capabilities {sorted(capabilities)} expected a control {what}, found none"
        )
    command_set = _check_command_set(_optional(raw, "command_set", where), where)
    if command_set is None and "identify" not in capabilities:
        raise RigFileError(
            f"{where}: expected command_set, or a control channel that can identify the board"
        )
    return display_only, capabilities, command_set


def _role(raw: Mapping[str, Any], where: str) -> str | None:
    role = _optional(raw, "role", where)
    return None if role is None else _check_name(role, where)


def _place_board(raw: dict[str, Any], where: str) -> BoardSpec:
    """A board held through a labgrid place; named after the place unless `name` says."""
    place = _check_name(_take(raw, "place", str, where), where)
    name = _check_name(_take(raw, "name", str, where, place), where)
    where = f"{where} ({name})"
    display = _check_name(_take(raw, "display_resource", str, where, "display"), where)
    control = _optional(raw, "control_resource", where)
    if control is None and not raw.get("display_only"):
        control = "control"
    display_only, capabilities, command_set = _channels(raw, where, control, "resource")
    return BoardSpec(
        name=name,
        command_set=command_set,
        capabilities=capabilities,
        display_only=display_only,
        role=_role(raw, where),
        place=PlaceSpec(place, display, None if control is None else _check_name(control, where)),
    )


def _baudrate(raw: Mapping[str, Any], where: str) -> int:
    baudrate: int = _take(raw, "baudrate", int, where, DEFAULT_BAUDRATE)
    if not 1 <= baudrate <= MAX_BAUDRATE:
        raise RigFileError(f"{where}: baudrate expected 1..{MAX_BAUDRATE}, found {baudrate}")
    return baudrate


def parse_board(raw: Any, where: str) -> BoardSpec:
    if isinstance(raw, dict) and "place" in raw:
        return _place_board(_table(raw, _PLACE_KEYS, where), where)
    raw = _table(raw, _BOARD_KEYS, where)
    name = _check_name(_take(raw, "name", str, where), where)
    where = f"{where} ({name})"
    virtual = _check_command_set(_optional(raw, "virtual", where), where)
    role = _role(raw, where)
    if virtual is not None:
        extra = sorted(set(raw) - _VIRTUAL_KEYS)
        if extra:
            raise RigFileError(
                f"{where}: a virtual board takes only {', '.join(sorted(_VIRTUAL_KEYS))}, "
                f"found {extra}"
            )
        return BoardSpec(
            name,
            capabilities=CAPABILITIES,
            virtual=virtual,
            role=role,
            baudrate=_baudrate(raw, where),
            pace=_take(raw, "pace", bool, where, False),
        )
    if "pace" in raw:
        raise RigFileError(f"{where}: pace is for virtual boards; a real board keeps its own time")
    control = _optional(raw, "control", where)
    display_only, capabilities, command_set = _channels(raw, where, control, "URL")
    baudrate = _baudrate(raw, where)
    return BoardSpec(
        name=name,
        url=_take(raw, "url", str, where),
        command_set=command_set,
        control=control,
        capabilities=capabilities,
        baudrate=baudrate,
        display_only=display_only,
        role=role,
    )


def parse_rig(data: Any, source: str) -> Rig:
    data = _table(data, _RIG_KEYS, source)
    raw_boards = _take(data, "boards", list, source)
    if not raw_boards:
        raise RigFileError(f"{source}: expected at least one board, found none")
    boards = [parse_board(b, f"{source} boards[{i}]") for i, b in enumerate(raw_boards)]
    name = _check_name(_take(data, "name", str, source, Path(source).stem), source)
    coordinator = _optional(data, "coordinator", source)
    return named_rig(name, boards, source, coordinator)


def coordinator_address(text: str, where: str) -> str:
    """A labgrid coordinator as HOST:PORT (labgrid's port when none is given)."""
    found = _ADDRESS.fullmatch(text)
    if found is None or int((found.group(2) or ":0")[1:]) > 65535:
        raise RigFileError(f"{where}: coordinator expected HOST[:PORT], found {text!r}")
    return text if found.group(2) else f"{text}:{DEFAULT_COORDINATOR_PORT}"


def _read_toml(text: str) -> Any:
    return tomllib.loads(text)


def _read_yaml(text: str) -> Any:
    import yaml  # the hil extra's; imported only for a YAML rig file

    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValueError(str(exc)) from exc


READERS = {".toml": _read_toml, ".yaml": _read_yaml, ".yml": _read_yaml}
_READ_ERRORS = (tomllib.TOMLDecodeError, ValueError, UnicodeDecodeError)


def load_rig(path: Path) -> Rig:
    """A rig file, TOML or YAML by its suffix: a regular file of at most
    MAX_RIG_FILE_BYTES (a FIFO or /dev/zero is refused, never waited on)."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise RigFileError(f"{path}: expected a rig file ending in {sorted(READERS)}")
    raw = read_regular_file(path, MAX_RIG_FILE_BYTES, "rig file", RigFileError)
    kind = path.suffix[1:]
    try:
        data = reader(raw.decode("utf-8"))
    except _READ_ERRORS as exc:
        raise RigFileError(f"{path}: expected valid {kind}, found {exc}") from exc
    except RecursionError:  # both parsers recurse once per level of nesting
        raise RigFileError(
            f"{path}: expected valid {kind}, found nesting too deep to parse"
        ) from None
    return parse_rig(data, str(path))


def named_rig(
    name: str, boards: list[BoardSpec], source: str, coordinator: str | None = None
) -> Rig:
    names = [b.name for b in boards]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise RigFileError(f"{source}: expected distinct board names, found {twice} twice")
    places = [b.place.name for b in boards if b.place is not None]
    twice = sorted({p for p in places if places.count(p) > 1})
    if twice:
        raise RigFileError(f"{source}: expected each place once, found {twice} twice")
    # One port is one board: a board named twice would be counted, and certified, twice.
    ports = [port for b in boards for port in (b.url, b.control) if port]
    twice = sorted({p for p in ports if ports.count(p) > 1})
    if twice:
        raise RigFileError(f"{source}: expected each port once, found {twice} twice")
    if coordinator is not None:
        coordinator = coordinator_address(coordinator, source)
    return Rig(name, tuple(boards), source, coordinator)
