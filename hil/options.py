"""The HIL plugin's settings: one table, read from the command line, the environment or
the ini file, in that order of precedence.

Every setting has a `--hil-*` option, a `HIL_*` environment variable and a `hil_*` ini
key, so a test team can pin its rig in `pytest.ini`, a CI job can point at another rig
with one variable, and a person can override either on the command line.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

import pytest

from firmware_host.errors import FirmwareError
from hil.rig import DEFAULT_TIMEOUT_S
from hil.rig_select import BOARD_OPTION, PLACE_OPTION

ABI_CHOICES = ("current", "launch", "all")
_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}
_SECONDS = re.compile(r"[0-9]{1,6}(\.[0-9]{1,6})?")


class OptionError(FirmwareError):
    """A HIL setting whose value cannot be used; says where it came from."""


def _words(text: str) -> list[str]:
    """An environment list: whitespace- or ';'-separated (board specs hold commas)."""
    return [w for w in re.split(r"[;\s]+", text) if w]


def _flag(text: str, where: str) -> bool:
    word = text.strip().lower()
    if word in _TRUE | _FALSE:
        return word in _TRUE
    raise OptionError(f"{where}: expected one of {sorted(_TRUE | _FALSE)}, found {text!r}")


def _seconds(text: str, where: str) -> float:
    if not _SECONDS.fullmatch(text.strip()) or float(text) <= 0:
        raise OptionError(f"{where}: expected a positive number of seconds, found {text!r}")
    return float(text)


def _choice(text: str, where: str) -> str:
    if text not in ABI_CHOICES:
        raise OptionError(f"{where}: expected one of {', '.join(ABI_CHOICES)}, found {text!r}")
    return text


def _text(text: str, where: str) -> str:
    if not text.strip():
        raise OptionError(f"{where}: expected a value, found {text!r}{_UNSET}")
    return text


_UNSET = " (set but empty; to leave a setting to its default, do not set it at all)"


@dataclass(frozen=True)
class Setting:
    """One setting: `name` gives `--hil-<name>`, `HIL_<NAME>` and `hil_<name>`."""

    name: str
    help: str
    kind: str  # "text", "list", "flag", "seconds", "choice"
    default: Any
    metavar: str | None = None

    @property
    def flag(self) -> str:
        return "--hil-" + self.name.replace("_", "-")

    @property
    def env(self) -> str:
        return "HIL_" + self.name.upper()

    @property
    def ini(self) -> str:
        """Plural for a list (`hil_modules`: one per line), as an ini file reads best."""
        return "hil_" + self.name + ("s" if self.kind == "list" else "")


_PARSE: dict[str, Callable[[str, str], Any]] = {
    "text": _text,
    "seconds": _seconds,
    "choice": _choice,
    "flag": _flag,
}

_INI_TYPES: dict[str, Literal["linelist", "bool"]] = {"list": "linelist", "flag": "bool"}

SETTINGS = (
    Setting("rig", "rig file, TOML or YAML", "text", None, "FILE"),
    Setting(
        "board",
        "a board by its display-port pyserial URL; repeat for more boards",
        "list",
        [],
        BOARD_OPTION,
    ),
    Setting(
        "place",
        "a board held through a labgrid place (acquired for the run, released after it); "
        "repeat for more",
        "list",
        [],
        PLACE_OPTION,
    ),
    Setting(
        "coordinator",
        "labgrid coordinator of the places, over the rig file's coordinator",
        "text",
        None,
        "HOST[:PORT]",
    ),
    Setting(
        "module",
        "module under test: a catalogue version, or a candidate .wasm (manifest.json beside "
        "it) or folder; repeat for more (default: the whole catalogue)",
        "list",
        [],
        "VERSION|PATH",
    ),
    Setting(
        "firmware_abi",
        f"firmware generation(s) to run: {', '.join(ABI_CHOICES)} (default: all)",
        "choice",
        "all",
        "|".join(ABI_CHOICES),
    ),
    Setting("full_grid", "sweep the full grid instead of the default grid", "flag", False),
    Setting(
        "timeout",
        f"deadline of every board request and wait in seconds (default: {DEFAULT_TIMEOUT_S})",
        "seconds",
        DEFAULT_TIMEOUT_S,
        "SECONDS",
    ),
)


def add_options(parser: pytest.Parser) -> None:
    group = parser.getgroup("hil", "hardware-in-the-loop rig (pos-hil-rig)")
    for s in SETTINGS:
        where = f"(or ${s.env}, or ini {s.ini})"
        if s.kind == "flag":
            group.addoption(s.flag, action="store_true", default=None, help=f"{s.help} {where}")
        else:
            action = "append" if s.kind == "list" else "store"
            group.addoption(
                s.flag, action=action, default=None, metavar=s.metavar, help=f"{s.help} {where}"
            )
        parser.addini(s.ini, s.help, type=_INI_TYPES.get(s.kind, "string"), default=None)


def _from_text(s: Setting, value: Any, where: str) -> Any:
    """A value as its source gave it: lists and flags arrive typed from the command line
    and the ini file, as text from the environment. A setting given but empty (`HIL_RIG=`,
    `--hil-board ''`) is an error, never the default: an unset rig would be the virtual
    boards, and a run on them would look like a run on the bench."""
    if s.kind == "list":
        words = _words(value) if isinstance(value, str) else [str(v) for v in value]
        if not words or any(not w.strip() for w in words):
            raise OptionError(f"{where}: expected one or more values, found {value!r}{_UNSET}")
        return words
    if isinstance(value, str):
        return _PARSE[s.kind](value, where)
    return value


def resolve(
    cli: Mapping[str, Any], env: Mapping[str, str], ini: Mapping[str, Any]
) -> dict[str, Any]:
    """Each setting from the command line, else the environment, else the ini file, else
    its default. Pure: `cli` and `ini` hold None (or an empty list) where unset."""
    values: dict[str, Any] = {}
    for s in SETTINGS:
        given, inifile = cli.get(s.name), ini.get(s.name)
        if given not in (None, []):
            values[s.name] = _from_text(s, given, s.flag)
        elif s.env in env:
            values[s.name] = _from_text(s, env[s.env], f"${s.env}")
        elif inifile not in (None, []):
            values[s.name] = _from_text(s, inifile, f"ini {s.ini}")
        else:
            values[s.name] = s.default
    return values


def read(config: pytest.Config, env: Mapping[str, str] = os.environ) -> dict[str, Any]:
    cli = {s.name: config.getoption(s.flag.lstrip("-").replace("-", "_")) for s in SETTINGS}
    ini = {s.name: config.getini(s.ini) for s in SETTINGS}
    return resolve(cli, env, ini)
