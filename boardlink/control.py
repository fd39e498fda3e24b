"""The rig's side of a fixture board's control channel: identify, read back (cells,
settings, dropped bytes), press, reset.

The protocol (docs/serial-protocols.md; the board side is boardcore/control.py) is one
ASCII request line, one response line; a board answers requests sent together in their
order, so several go out in one write (`requests`) and a sale pays one turnaround for
them instead of one each. Parsing is pure functions so a malformed answer is tested
without a board; the client adds the port and a deadline per answer. A
plain display has no control channel: the client is built with no port and every
request says so with ReadbackUnavailable, so the HIL suite can report "not checked"
rather than "wrong".
"""

from __future__ import annotations

import binascii
import re
from collections.abc import Sequence
from dataclasses import dataclass

from boardlink.errors import BoardProtocolError, ReadbackUnavailable
from firmware_host.display.codepage import DEFAULT_CODE_PAGE, decode_cells
from firmware_host.keys import Key
from firmware_host.transport import SerialPort

IDENTITY_FIELDS = ("model", "firmware", "serial", "rows", "cols", "cmdset")
# ID's optional features= word: READ <n> (answer once the display has been quiet).
READ_QUIET = "read-quiet"


@dataclass(frozen=True)
class BoardIdentity:
    model: str
    firmware: str
    serial: str
    rows: int
    cols: int
    cmdset: str
    features: tuple[str, ...] = ()  # absent on boards older than the word

    @property
    def reads_quiet(self) -> bool:
        """Whether the board takes READ <n> (answers once its display has settled)."""
        return READ_QUIET in self.features


@dataclass(frozen=True)
class Readback:
    """The board's cells as code-page bytes, one entry per row, and its 0-based cursor."""

    rows: tuple[bytes, ...]
    cursor: tuple[int, int]

    def text(self, code_page: str = DEFAULT_CODE_PAGE) -> tuple[str, ...]:
        return tuple(decode_cells(row, code_page) for row in self.rows)


def _fields(line: str, prefix: str) -> dict[str, str]:
    """key=value words after `prefix`; anything else is a protocol error."""
    if not line.startswith(prefix):
        raise BoardProtocolError(f"expected a line starting {prefix!r}, found {line!r}")
    fields: dict[str, str] = {}
    for word in line[len(prefix) :].split():
        key, sep, value = word.partition("=")
        if not sep:
            raise BoardProtocolError(f"expected key=value words in {line!r}, found {word!r}")
        fields[key] = value
    return fields


# ASCII digits, few enough that int() cannot refuse them: str.isdigit() also takes
# "²" and other Unicode digits, and int() refuses numbers past 4,300 digits.
_NUMBER = re.compile(r"[0-9]{1,9}")


def _is_number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


def _number(fields: dict[str, str], key: str, line: str) -> int:
    value = fields.get(key, "")
    if not _is_number(value):
        raise BoardProtocolError(f"expected a number for {key}= in {line!r}, found {value!r}")
    return int(value)


# A customer display's geometry as a board may report it: a line display has 1-4 rows
# of up to 40 cells; the bounds only keep a lying board from sizing the host's buffers.
MAX_ROWS, MAX_COLS = 16, 256


def _size(fields: dict[str, str], key: str, line: str, high: int) -> int:
    value = _number(fields, key, line)
    if not 1 <= value <= high:
        raise BoardProtocolError(f"expected {key}= in 1..{high} in {line!r}, found {value}")
    return value


@dataclass(frozen=True)
class DropReport:
    """The board's DIAG answer: display bytes it dropped since DIAG CLEAR, and the last
    drop's bytes, display-stream offset and reason (None / empty when nothing dropped)."""

    dropped: int
    last: bytes
    offset: int | None
    reason: str

    def describe(self) -> str:
        if not self.dropped:
            return "no byte dropped"
        return (
            f"{self.dropped} byte(s) dropped, the last {self.last.hex(' ')} at display-stream "
            f"offset {self.offset} ({self.reason})"
        )


SCROLL_MODES = ("overwrite", "vertical", "horizontal")
STRING_MODES = ("off", "on", "marquee")


@dataclass(frozen=True)
class BoardState:
    """The board's STATE answer: the display settings a driver can make."""

    mode: str  # one of SCROLL_MODES
    brightness: int
    cursor_visible: bool
    window: tuple[int, int, int] | None  # (row, first column, last column), 0-based
    code_page: int
    selected: bool
    string: str  # one of STRING_MODES: CD5220 string mode or marquee


def _choice(fields: dict[str, str], key: str, choices: tuple[str, ...], line: str) -> str:
    value = fields.get(key, "")
    if value not in choices:
        raise BoardProtocolError(
            f"expected {key}= one of {', '.join(choices)} in {line!r}, found {value!r}"
        )
    return value


def _numbers(text: str, count: int, what: str, line: str) -> tuple[int, ...]:
    parts = text.split(",")
    if len(parts) != count or not all(_is_number(part) for part in parts):
        raise BoardProtocolError(f"expected {what} in {line!r}, found {text!r}")
    return tuple(int(part) for part in parts)


def parse_state(line: str) -> BoardState:
    fields = _fields(line, "OK STATE ")
    window_text = fields.get("window", "")
    window = None
    if window_text != "none":
        row, first, last = _numbers(window_text, 3, "window=none|<row>,<first>,<last>", line)
        window = (row, first, last)
    return BoardState(
        mode=_choice(fields, "mode", SCROLL_MODES, line),
        brightness=_number(fields, "brightness", line),
        cursor_visible=_choice(fields, "cursor_visible", ("0", "1"), line) == "1",
        window=window,
        code_page=_number(fields, "code_page", line),
        selected=_choice(fields, "selected", ("0", "1"), line) == "1",
        string=_choice(fields, "string", STRING_MODES, line),
    )


def parse_diagnostics(line: str) -> DropReport:
    fields = _fields(line, "OK DIAG ")
    dropped = _number(fields, "dropped", line)
    missing = [key for key in ("last", "offset", "reason") if key not in fields]
    if missing:
        raise BoardProtocolError(f"expected fields {', '.join(missing)} in {line!r}")
    offset = None if not dropped else _number(fields, "offset", line)
    try:
        last = binascii.unhexlify(fields["last"])
    except (binascii.Error, ValueError):
        raise BoardProtocolError(
            f"expected hex bytes for last= in {line!r}, found {fields['last']!r}"
        ) from None
    return DropReport(dropped, last, offset, fields["reason"])


def parse_identity(line: str) -> BoardIdentity:
    fields = _fields(line, "OK ID ")
    missing = [key for key in IDENTITY_FIELDS if key not in fields]
    if missing:
        raise BoardProtocolError(f"expected fields {', '.join(missing)} in {line!r}")
    features = fields.get("features", "")
    return BoardIdentity(
        model=fields["model"],
        firmware=fields["firmware"],
        serial=fields["serial"],
        rows=_size(fields, "rows", line, MAX_ROWS),
        cols=_size(fields, "cols", line, MAX_COLS),
        cmdset=fields["cmdset"],
        features=tuple(word for word in features.split(",") if word),
    )


def parse_readback(line: str) -> Readback:
    fields = _fields(line, "OK READ ")
    row_text, sep, col_text = fields.get("cursor", "").partition(",")
    if not (sep and _is_number(row_text) and _is_number(col_text)):
        raise BoardProtocolError(f"expected cursor=<row>,<col> in {line!r}")
    rows: list[bytes] = []
    while f"row{len(rows)}" in fields:
        hex_row = fields[f"row{len(rows)}"]
        try:
            rows.append(binascii.unhexlify(hex_row))
        except (binascii.Error, ValueError):
            raise BoardProtocolError(
                f"expected hex cells for row{len(rows)}, found {hex_row!r}"
            ) from None
    if not rows:
        raise BoardProtocolError(f"expected row0=<hex> in {line!r}")
    return Readback(rows=tuple(rows), cursor=(int(row_text), int(col_text)))


def _read_request(quiet: int | None) -> str:
    return "READ" if quiet is None else f"READ {quiet}"


class ControlClient:
    """Requests to one board's control port; `port=None` for a plain display."""

    def __init__(self, port: SerialPort | None, timeout: float = 1.0) -> None:
        self.port = port
        self.timeout = timeout

    @property
    def available(self) -> bool:
        return self.port is not None

    def request(self, line: str) -> str:
        """Send one request, return the board's one response line (an OK line)."""
        return self.requests([line])[0]

    def requests(self, lines: Sequence[str]) -> list[str]:
        """Send requests in one write, return the board's response lines in their order
        (each an OK line); each answer has the client's deadline from the one before."""
        if not lines:
            return []
        if self.port is None:
            raise ReadbackUnavailable(
                f"expected a control channel to send {lines[0]!r}, "
                "found a plain display without one"
            )
        self.port.discard_input()  # a late answer to an earlier request must not be taken
        self.port.write(b"".join(line.encode("ascii") + b"\n" for line in lines))
        answers = []
        for line in lines:
            answer = self.port.read_line(timeout=self.timeout)
            verb = line.split(" ", 1)[0]
            if not answer.startswith(f"OK {verb}"):
                raise BoardProtocolError(f"expected 'OK {verb}...' for {line!r}, found {answer!r}")
            answers.append(answer)
        return answers

    def ping(self) -> None:
        self.request("PING")

    def identify(self) -> BoardIdentity:
        return parse_identity(self.request("ID"))

    def read_display(self, quiet: int | None = None) -> Readback:
        """The cells now, or (quiet=n, on a board with READ_QUIET) once the display has
        received nothing for n character times."""
        return parse_readback(self.request(_read_request(quiet)))

    def readback(self, quiet: int | None = None) -> tuple[Readback, DropReport, BoardState]:
        """Cells (as read_display), then drops and settings, in one write."""
        read, diag, state = self.requests([_read_request(quiet), "DIAG", "STATE"])
        return parse_readback(read), parse_diagnostics(diag), parse_state(state)

    def state(self) -> BoardState:
        return parse_state(self.request("STATE"))

    def diagnostics(self) -> DropReport:
        """What the board dropped of the display stream since the last clear."""
        return parse_diagnostics(self.request("DIAG"))

    def clear_diagnostics(self) -> None:
        self.request("DIAG CLEAR")

    def press(self, *keys: Key, clear_diagnostics: bool = False) -> None:
        """The board emits each key's code on its display port, as physical presses in
        order, all requested in one write; DIAG CLEAR first with clear_diagnostics."""
        lines = ["DIAG CLEAR"] if clear_diagnostics else []
        self.requests(lines + [f"KEY {key.value}" for key in keys])

    def reset(self) -> None:
        self.request("RESET")
