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
time, so a run takes what it would on a bench.
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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from firmware_host.display import DRIVERS
from firmware_host.errors import FirmwareError
from simulator.board import VirtualBoard

CAPABILITIES = frozenset({"identify", "keys", "readback"})
SWEEP_NEEDS = frozenset({"keys", "readback"})
DEFAULT_BAUDRATE = 9600
DEFAULT_TIMEOUT_S = 2.0  # deadline of every board request and wait
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
_RIG_KEYS = frozenset({"name", "boards"})


class RigFileError(FirmwareError):
    """A rig description (file or --board option) that cannot be used as written."""


@dataclass(frozen=True)
class BoardSpec:
    """One board as the rig describes it; `virtual` boards get their URLs when started."""

    name: str
    url: str = ""
    command_set: str | None = None
    control: str | None = None
    capabilities: frozenset[str] = field(default_factory=frozenset)
    baudrate: int = DEFAULT_BAUDRATE
    virtual: str | None = None
    display_only: bool = False
    role: str | None = None
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
            f"board {self.name}: expected a control channel with {lacking}, found none; "
            "a plain display must be declared display_only"
        )


@dataclass(frozen=True)
class Rig:
    name: str
    boards: tuple[BoardSpec, ...]
    source: str

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


def _baudrate(raw: Mapping[str, Any], where: str) -> int:
    baudrate: int = _take(raw, "baudrate", int, where, DEFAULT_BAUDRATE)
    if baudrate <= 0:
        raise RigFileError(f"{where}: baudrate expected a positive number, found {baudrate}")
    return baudrate


def parse_board(raw: Any, where: str) -> BoardSpec:
    raw = _table(raw, _BOARD_KEYS, where)
    name = _check_name(_take(raw, "name", str, where), where)
    where = f"{where} ({name})"
    virtual = _check_command_set(_optional(raw, "virtual", where), where)
    role = _optional(raw, "role", where)
    if role is not None:
        _check_name(role, where)
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
    display_only = _take(raw, "display_only", bool, where, False)
    if display_only and control is not None:
        raise RigFileError(
            f"{where}: display_only expected no control URL, found control {control!r}"
        )
    default_caps = sorted(CAPABILITIES) if control else []
    capabilities = _capabilities(_take(raw, "capabilities", list, where, default_caps), where)
    if capabilities and control is None:
        raise RigFileError(
            f"{where}: capabilities {sorted(capabilities)} expected a control URL, found none"
        )
    baudrate = _baudrate(raw, where)
    command_set = _check_command_set(_optional(raw, "command_set", where), where)
    if command_set is None and "identify" not in capabilities:
        raise RigFileError(
            f"{where}: expected command_set, or a control channel that can identify the board"
        )
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
    return _named_rig(name, boards, source)


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
    """A rig file, TOML or YAML by its suffix."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise RigFileError(f"{path}: expected a rig file ending in {sorted(READERS)}")
    try:
        data = reader(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise RigFileError(f"{path}: expected a readable rig file, found {exc}") from exc
    except _READ_ERRORS as exc:
        raise RigFileError(f"{path}: expected valid {path.suffix[1:]}, found {exc}") from exc
    return parse_rig(data, str(path))


_OPTION_WORD = re.compile(r"^[a-z_]+(=|$)")
_OPTION_KEYS = {
    "control": "control",
    "cmdset": "command_set",
    "name": "name",
    "baud": "baudrate",
    "role": "role",
}
_OPTION_FLAGS = {"display_only": "display_only"}
_BAUD = re.compile(r"[0-9]{1,7}")
BOARD_OPTION = "URL[,control=URL][,cmdset=NAME][,name=NAME][,baud=N][,role=R][,display_only]"


def parse_board_option(text: str, index: int, flag: str = "--hil-board") -> BoardSpec:
    """`URL[,control=URL][,cmdset=NAME][,name=NAME][,baud=N][,role=R][,display_only]`;
    named board<index> unless a name is given."""
    url, *words = text.split(",")
    where = f"{flag} {text!r}"
    if not url or _OPTION_WORD.match(url):
        raise RigFileError(f"{where}: expected the display URL first, found {url!r}")
    raw: dict[str, Any] = {"name": f"board{index}", "url": url}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep and key in _OPTION_FLAGS:
            raw[_OPTION_FLAGS[key]] = True
        elif not sep or key not in _OPTION_KEYS:
            raise RigFileError(
                f"{where}: expected key=value with keys {sorted(_OPTION_KEYS)} or the word "
                f"{', '.join(_OPTION_FLAGS)}, found {word!r}"
            )
        elif key == "baud":
            if not _BAUD.fullmatch(value):
                raise RigFileError(f"{where}: baud expected a number, found {value!r}")
            raw["baudrate"] = int(value)
        else:
            raw[_OPTION_KEYS[key]] = value
    return parse_board(raw, where)


def options_rig(boards: list[str], flag: str = "--hil-board") -> Rig:
    return _named_rig(
        "command-line", [parse_board_option(t, i, flag) for i, t in enumerate(boards)], flag
    )


def _named_rig(name: str, boards: list[BoardSpec], source: str) -> Rig:
    names = [b.name for b in boards]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise RigFileError(f"{source}: expected distinct board names, found {twice} twice")
    return Rig(name, tuple(boards), source)


def select_rig(
    rig_file: Path | str | None,
    boards: Sequence[str],
    flags: tuple[str, str] = ("--hil-rig", "--hil-board"),
) -> tuple[Rig, str]:
    """The rig a run is on, with its kind: `rig_file`, else the board options, else the
    two virtual boards. `flags` name the two options in messages."""
    if rig_file and boards:
        raise RigFileError(f"rig: expected {flags[0]} or {flags[1]}, found both")
    if rig_file:
        return load_rig(Path(rig_file)), "file"
    if boards:
        return options_rig(list(boards), flags[1]), "command-line"
    return virtual_rig(), "virtual"
