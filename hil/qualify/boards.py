"""The rig of a qualification: virtual boards started here, labgrid places acquired
here, every board identified.

The qualification starts the rig's virtual boards itself (the default rig is one Epson
and one CD5220 board) and hands the HIL suite a concrete rig file, so it can ask every
board who it is on its control channel before the run and name it in the record, and
so the suite runs the same code path against virtual and real boards. It holds the
rig's labgrid places too, and the suite gets their ports as plain rfc2217:// URLs: the
suite runs in a process of its own that may be killed at its deadline, and a process
that holds no labgrid session cannot leave a place held behind.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from boardlink.control import ControlClient
from boardlink.errors import RIG_FAULTS
from firmware_host.transport import SerialPort
from hil.probe import open_display
from hil.qualify.record import BoardInfo, PlaceInfo
from hil.rig import BoardSpec, Rig, RigFileError, start_board
from hil.rig_select import open_places
from simulator.board import VirtualBoard

if TYPE_CHECKING:
    from hil.labgrid_places import HeldPlace

IDENTIFY_TIMEOUT_S = 2.0


@dataclass
class PreparedRig:
    """The rig as the suite will see it: no virtual entries left, boards identified
    (or, for a run without boards, the rig as described, nothing started)."""

    rig: Rig
    kind: str
    boards: tuple[BoardInfo, ...]

    @property
    def lost(self) -> list[BoardInfo]:
        return [b for b in self.boards if b.error is not None]

    def describe(self) -> dict[str, str]:
        coordinator = {"coordinator": self.rig.coordinator} if self.rig.coordinator else {}
        return {"name": self.rig.name, "kind": self.kind, "source": self.rig.source, **coordinator}


def identify(spec: BoardSpec, timeout: float = IDENTIFY_TIMEOUT_S) -> BoardInfo:
    """The board's ID line, or the rig error that kept it from answering."""
    info = _named(spec)
    if spec.display_only:  # declared so: nothing to ask, but its display must be there
        try:
            open_display(spec, timeout)
        except RIG_FAULTS as exc:
            return replace(info, error=f"{type(exc).__name__}: {exc}")
        return info
    if spec.control is None or "identify" not in spec.capabilities:
        return replace(info, error=spec.missing())
    port = SerialPort(
        spec.control, baudrate=spec.baudrate, read_timeout=timeout, write_timeout=timeout
    )
    try:
        with port.open():
            identity = ControlClient(port, timeout).identify()
    except RIG_FAULTS as exc:
        return replace(info, error=f"{type(exc).__name__}: {exc}")
    return replace(info, identity=asdict(identity))


def _named(spec: BoardSpec) -> BoardInfo:
    """The board as the rig describes it, before anything is asked of it."""
    labgrid = PlaceInfo(spec.place.name) if spec.place else None
    return BoardInfo(
        spec.name, spec.url, spec.control, spec.command_set or spec.virtual, labgrid=labgrid
    )


def described(rig: Rig, kind: str) -> PreparedRig:
    """The rig as its description names it, for a record of a run that uses no board:
    nothing started, nothing asked."""
    return PreparedRig(rig, kind, tuple(_named(s) for s in rig.boards))


@contextlib.contextmanager
def prepared(rig: Rig, kind: str) -> Iterator[PreparedRig]:
    """Start the rig's virtual boards, acquire its places, identify every board; stop the
    boards and release the places on exit (an exception, Ctrl-C). A place that cannot be
    held (someone else holds it) leaves its board out of the suite's rig, lost."""
    started: dict[str, VirtualBoard] = {}
    places = open_places(rig) if rig.places else None
    try:
        specs, infos = [], []
        for spec in rig.boards:
            held: HeldPlace | None = None
            if places is not None and spec.place is not None:
                try:
                    held = places.hold(spec)
                except RIG_FAULTS as exc:
                    infos.append(replace(_named(spec), error=f"{type(exc).__name__}: {exc}"))
                    continue
                spec = held.board
            concrete, board = start_board(spec)
            if board is not None:
                started[spec.name] = board
            specs.append(concrete)
            info = identify(concrete)
            if held is not None:
                info = replace(info, labgrid=PlaceInfo(held.place, held.exporter, held.host))
            infos.append(info)
        ready = Rig(rig.name, tuple(specs), rig.source, rig.coordinator)
        yield PreparedRig(ready, kind, tuple(infos))
    finally:
        for board in started.values():
            board.stop()
        if places is not None:
            try:
                places.close()
            except RIG_FAULTS as exc:  # the record is still the run's; the lab must know
                warnings.warn(f"labgrid: {exc}", stacklevel=3)


def _toml_string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters (DEL included,
    which JSON leaves raw) escaped; a lone surrogate (a path's undecodable byte) has no
    TOML spelling at all."""
    out = []
    for char in text:
        code = ord(char)
        if 0xD800 <= code <= 0xDFFF:
            raise RigFileError(
                f"rig for the suite: expected text TOML can hold, found {text!r} "
                "(a byte no UTF-8 decodes)"
            )
        if char in '"\\':
            out.append("\\" + char)
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\u{code:04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: object) -> str:
    """TOML strings, integers, booleans and arrays of them."""
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, frozenset | list | tuple):
        items = sorted(value) if isinstance(value, frozenset) else value
        return "[" + ", ".join(_toml_value(item) for item in items) + "]"
    return json.dumps(value)  # int, bool, float


def rig_toml(rig: Rig) -> str:
    """A rig file the HIL suite reads back (hil/rig.py's schema) naming every board."""
    lines = [f"name = {_toml_value(rig.name)}"]
    for spec in rig.boards:
        fields = {
            "name": spec.name,
            "url": spec.url,
            "command_set": spec.command_set,
            "control": spec.control,
            "capabilities": spec.capabilities,
            "baudrate": spec.baudrate,
            "display_only": spec.display_only or None,
            "role": spec.role,
        }
        lines.append("\n[[boards]]")
        lines.extend(f"{k} = {_toml_value(v)}" for k, v in fields.items() if v is not None)
    return "\n".join(lines) + "\n"


def write_rig(rig: Rig, path: Path) -> Path:
    path.write_text(rig_toml(rig), encoding="utf-8")
    return path
