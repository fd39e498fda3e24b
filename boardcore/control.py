"""The fixture control channel: one ASCII request line in, one response line out.

A rig cannot look at a display's glass, so a board built for the rig answers on a
second serial channel. Requests end with "\\n" ("\\r\\n" accepted); responses end with
"\\n". The verbs (docs/serial-protocols.md has the full contract):

  PING          -> OK PING
  ID            -> OK ID model=<m> firmware=<v> serial=<s> rows=<r> cols=<c> cmdset=<name>
  READ          -> OK READ cursor=<row>,<col> row0=<hex> row1=<hex>   (0-based cursor)
  READ <n>      -> the same answer, once the display port has received nothing for n
                   character times (0 <= n <= MAX_QUIET): the rig's readback waits for
                   the display to settle instead of polling it
  STATE         -> OK STATE mode=<m> brightness=<n> cursor_visible=<0|1> window=<w>
                   code_page=<n> selected=<0|1> string=<off|on|marquee>
  DIAG          -> OK DIAG dropped=<n> last=<hex> offset=<n> reason=<word>
  DIAG CLEAR    -> the dropped-byte count and last drop forgotten, then OK DIAG CLEAR
  KEY <name>    -> the key's code goes out on the display port first, then OK KEY <name>
  RESET         -> display re-initialised as by ESC @, then OK RESET
  anything else -> ERR <reason>

Pure: the board behind it is a ControlTarget, so this runs without ports or threads,
and without a clock: the transport measures how long the display port has been quiet
and the target answers `quiet_for`; a request that must wait is answered None here and
asked again by the board (board.Board.answer_held) as the quiet grows.
"""

import binascii

from .cells import CellBuffer
from .diagnostics import Diagnostics
from .keycodes import KEY_NAMES

MAX_LINE = 128  # longer requests are refused whole, not split into two requests
MAX_QUIET = 1000  # character times a READ <n> may ask the display to be quiet for
KEY_LIST = " ".join(KEY_NAMES)


class ControlTarget:
    """What the control channel needs from a board (a plain base class, no abc)."""

    def identity(self) -> list[tuple[str, str]]:
        raise NotImplementedError

    def screen(self) -> CellBuffer:
        raise NotImplementedError

    def press(self, name: str) -> None:
        """Raises ValueError for a name not in keycodes.KEY_CODES."""
        raise NotImplementedError

    def reset(self) -> None:
        raise NotImplementedError

    def state(self) -> list[tuple[str, str]]:
        """Display settings and parser modes as key=value pairs (one word each)."""
        raise NotImplementedError

    def diagnostics(self) -> Diagnostics:
        raise NotImplementedError

    def quiet_for(self, chars: int) -> bool:
        """Whether the display port has received nothing for `chars` character times;
        a target that keeps no such clock says True."""
        raise NotImplementedError


def _words(prefix: str, pairs: list[tuple[str, str]]) -> str:
    return prefix + " ".join(key + "=" + value for key, value in pairs)


def _ping(target: ControlTarget, arg: str) -> str:
    return "OK PING"


def _identify(target: ControlTarget, arg: str) -> str:
    return _words("OK ID ", target.identity())


def _state(target: ControlTarget, arg: str) -> str:
    return _words("OK STATE ", target.state())


def _diag(target: ControlTarget, arg: str) -> str:
    if arg == "CLEAR":
        target.diagnostics().clear()
        return "OK DIAG CLEAR"
    if arg:
        return f"ERR expected 'DIAG' or 'DIAG CLEAR', got 'DIAG {arg}'"
    return _words("OK DIAG ", target.diagnostics().fields())


def quiet_chars(arg: str) -> int | None:
    """READ's argument as a number of character times, or None when it is not one."""
    if not arg or len(arg) > 4 or not all("0" <= c <= "9" for c in arg):
        return None
    chars = int(arg)
    return chars if chars <= MAX_QUIET else None


def _read(target: ControlTarget, arg: str) -> str | None:
    if arg:
        chars = quiet_chars(arg)
        if chars is None:
            return f"ERR expected 'READ' or 'READ <n>' with n in 0..{MAX_QUIET}, got 'READ {arg}'"
        if not target.quiet_for(chars):
            return None  # asked again once the display has been quiet longer
    screen = target.screen()
    row, col = screen.cursor()
    parts = [f"OK READ cursor={row},{col}"]
    for index in range(screen.rows):
        parts.append(f"row{index}=" + binascii.hexlify(screen.row_bytes(index)).decode())
    return " ".join(parts)


def _key(target: ControlTarget, arg: str) -> str:
    try:
        target.press(arg)
    except ValueError as exc:  # the target names the keys it has
        return f"ERR {exc}"
    return "OK KEY " + arg


def _reset(target: ControlTarget, arg: str) -> str:
    target.reset()
    return "OK RESET"


# (verb, handler, usage); <x> is a required argument, [X] an optional one. A tuple, as
# MicroPython's dicts do not keep order and the ERR answer lists the verbs.
VERB_TABLE = (
    ("PING", _ping, "PING"),
    ("ID", _identify, "ID"),
    ("READ", _read, "READ [n]"),
    ("STATE", _state, "STATE"),
    ("DIAG", _diag, "DIAG [CLEAR]"),
    ("KEY", _key, "KEY <name>"),
    ("RESET", _reset, "RESET"),
)
VERBS = {verb: (handler, usage) for verb, handler, usage in VERB_TABLE}
VERB_LIST = " ".join(verb for verb, _, _ in VERB_TABLE)


def respond(line: str, target: ControlTarget) -> str | None:
    """The response line (without "\\n") to one request line; None while it waits
    for the display to be quiet (READ <n>)."""
    words = line.strip().split(" ")
    verb = words[0]
    entry = VERBS.get(verb)
    if entry is None:
        return f"ERR unknown request '{line.strip()}', expected one of: {VERB_LIST}"
    handler, usage = entry
    args = [word for word in words[1:] if word]
    if len(args) > usage.count(" ") or len(args) < usage.count("<"):
        return f"ERR expected '{usage}', got '{line.strip()}'"
    return handler(target, args[0] if args else "")


def respond_bytes(raw: bytes, target: ControlTarget) -> str | None:
    """The response to one raw request line (LineReader output), refusing bad bytes."""
    if len(raw) > MAX_LINE:
        return f"ERR expected a request of at most {MAX_LINE} bytes, got a longer one"
    for code in raw:
        if code < 0x20 or code > 0x7E:
            return f"ERR expected printable ASCII, found byte {code:#04x}"
    return respond(raw.decode(), target)


class LineReader:
    """Reassembles request lines from serial reads of any size, memory bounded."""

    def __init__(self) -> None:
        self.buffer = bytearray()

    def feed(self, data: bytes) -> list[bytes]:
        """Complete lines in data, without "\r\n"; an overlong one keeps MAX_LINE + 1 bytes."""
        lines = []
        for code in data:
            if code == 0x0A:
                raw = bytes(self.buffer)
                self.buffer = bytearray()
                if raw.endswith(b"\r"):
                    raw = raw[:-1]
                lines.append(raw)
            elif len(self.buffer) <= MAX_LINE:
                self.buffer.append(code)
        return lines
