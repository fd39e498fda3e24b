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

A board may instead say `virtual = "epson"` (or "cd5220"): the suite starts it on PTYs.
Parsing is strict: an unknown key, a wrong type or a duplicate name is a RigFileError
that names the file and the board, so a typo never silently drops a board.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from firmware_host.display import DRIVERS
from firmware_host.errors import FirmwareError
from simulator.board import VirtualBoard

RIG_ENV = "HIL_RIG"
CAPABILITIES = frozenset({"identify", "keys", "readback"})
SWEEP_NEEDS = frozenset({"keys", "readback"})
DEFAULT_BAUDRATE = 9600
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_BOARD_KEYS = frozenset(
    {"name", "url", "command_set", "control", "capabilities", "baudrate", "virtual"}
)
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

    @property
    def sweepable(self) -> bool:
        return self.capabilities >= SWEEP_NEEDS

    def missing(self) -> str:
        """Why the board cannot be swept, for a skip reason."""
        lacking = ", ".join(sorted(SWEEP_NEEDS - self.capabilities))
        return f"board {self.name}: no control channel with {lacking}; cannot be swept"


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
    board = VirtualBoard(spec.virtual, serial=f"VB-{spec.name}").start()
    concrete = BoardSpec(
        spec.name,
        url=board.display_path,
        command_set=spec.virtual,
        control=board.control_path,
        capabilities=spec.capabilities,
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


def parse_board(raw: Any, where: str) -> BoardSpec:
    raw = _table(raw, _BOARD_KEYS, where)
    name = _check_name(_take(raw, "name", str, where), where)
    where = f"{where} ({name})"
    virtual = _check_command_set(_optional(raw, "virtual", where), where)
    if virtual is not None:
        extra = sorted(set(raw) - {"name", "virtual"})
        if extra:
            raise RigFileError(
                f"{where}: a virtual board takes only name and virtual, found {extra}"
            )
        return BoardSpec(name, capabilities=CAPABILITIES, virtual=virtual)
    control = _optional(raw, "control", where)
    default_caps = sorted(CAPABILITIES) if control else []
    capabilities = _capabilities(_take(raw, "capabilities", list, where, default_caps), where)
    if capabilities and control is None:
        raise RigFileError(
            f"{where}: capabilities {sorted(capabilities)} expected a control URL, found none"
        )
    baudrate = _take(raw, "baudrate", int, where, DEFAULT_BAUDRATE)
    if baudrate <= 0:
        raise RigFileError(f"{where}: baudrate expected a positive number, found {baudrate}")
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
    return yaml.safe_load(text)


READERS = {".toml": _read_toml, ".yaml": _read_yaml, ".yml": _read_yaml}
_READ_ERRORS = (tomllib.TOMLDecodeError, yaml.YAMLError, UnicodeDecodeError)


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


_OPTION_WORD = re.compile(r"^[a-z]+=")
_OPTION_KEYS = {"control": "control", "cmdset": "command_set", "name": "name", "baud": "baudrate"}


def parse_board_option(text: str, index: int) -> BoardSpec:
    """`--board URL[,control=URL][,cmdset=NAME][,name=NAME][,baud=N]`; named board<index>
    unless a name is given."""
    url, *words = text.split(",")
    where = f"--board {text!r}"
    if not url or _OPTION_WORD.match(url):
        raise RigFileError(f"{where}: expected the display URL first, found {url!r}")
    raw: dict[str, Any] = {"name": f"board{index}", "url": url}
    for word in words:
        key, sep, value = word.partition("=")
        if not sep or key not in _OPTION_KEYS:
            raise RigFileError(
                f"{where}: expected key=value with keys {sorted(_OPTION_KEYS)}, found {word!r}"
            )
        if key == "baud":
            if not value.isdigit():
                raise RigFileError(f"{where}: baud expected a number, found {value!r}")
            raw["baudrate"] = int(value)
        else:
            raw[_OPTION_KEYS[key]] = value
    return parse_board(raw, where)


def options_rig(boards: list[str]) -> Rig:
    return _named_rig(
        "command-line", [parse_board_option(t, i) for i, t in enumerate(boards)], "--board"
    )


def _named_rig(name: str, boards: list[BoardSpec], source: str) -> Rig:
    names = [b.name for b in boards]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise RigFileError(f"{source}: expected distinct board names, found {twice} twice")
    return Rig(name, tuple(boards), source)


def select_rig(
    rig_file: Path | str | None, boards: Sequence[str], env: Mapping[str, str] = os.environ
) -> tuple[Rig, str]:
    """The rig a run is on, with its kind: `rig_file` (or $HIL_RIG), else the `--board`
    options, else the two virtual boards."""
    rig_file = rig_file or env.get(RIG_ENV)
    if rig_file and boards:
        raise RigFileError(f"rig: expected --rig (or {RIG_ENV}) or --board, found both")
    if rig_file:
        return load_rig(Path(rig_file)), "file"
    if boards:
        return options_rig(list(boards)), "command-line"
    return virtual_rig(), "virtual"
