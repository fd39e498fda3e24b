"""Byte-at-a-time command parsing shared by the display command sets.

A serial line delivers a command in as many reads as it likes, so the parser keeps the
bytes of an unfinished command and decides only when it has them all. Each command set
is a table: a single control byte -> handler, or a two-byte prefix (ESC x, US x) ->
(length, handler), where length is the whole command's size or a function that can
tell it from the bytes so far. Unknown prefixes are dropped as two bytes and unknown
control bytes are ignored, so garbage never stops the display; every dropped byte is
counted in the parser's Diagnostics with its offset and reason, and the parser never
raises, whatever it is fed.
"""

from .cells import HORIZONTAL, OVERWRITE, VERTICAL, CellBuffer
from .diagnostics import Diagnostics

ESC = 0x1B
US = 0x1F
MAX_PENDING = 1024  # no command of either set is longer; a runaway one is dropped


class CommandParser:
    """Feeds a byte stream through a command table into a cell buffer."""

    def __init__(
        self,
        screen: CellBuffer,
        single: dict[int, str],
        prefixed: dict[bytes, tuple[object, str]],
        devices: dict[int, bool],
    ) -> None:
        self.screen = screen
        self.single = single
        self.prefixed = prefixed
        self.devices = devices  # ESC = n: the n the manual defines -> display selected
        self.pending = bytearray()
        self.selected = True
        self.diagnostics = Diagnostics()
        self.received = 0  # display-stream offset of the next byte
        self.command_at = 0  # offset of the first byte of the command being parsed

    def reset(self) -> None:
        """ESC @: the screen to its power-on state; a command half-received is dropped."""
        self.pending = bytearray()
        self.screen.reset()
        self.selected = True

    def feed(self, data: bytes) -> None:
        for code in data:
            self.feed_byte(code)
            self.received += 1

    def feed_byte(self, code: int) -> None:
        if self.pending:
            self.pending.append(code)
            self._try_complete()
            return
        self.command_at = self.received
        if code in (ESC, US):
            self.pending.append(code)
        elif not self.accepts(bytes((code,))):
            return
        elif code >= 0x20:
            self.screen.put(code)
        elif code in self.single:
            self.act(self.single[code])
        else:
            self.drop(bytes((code,)), "undefined-byte")

    def drop(self, data: bytes, reason: str, offset: int = -1) -> None:
        """Count bytes the board does not act on (offset: the current command's start)."""
        self.diagnostics.record(self.command_at if offset < 0 else offset, data, reason)

    def accepts(self, command: bytes) -> bool:
        """Whether the display acts on this command now: deselected by ESC = n, it acts
        on nothing but ESC = n ([DM-D110] ESC =, [CD5220] 6.1 ESC =); what it ignores
        then is meant for the printer behind it, so it is not counted as dropped."""
        return self.selected or command[:2] == b"\x1b="

    def _try_complete(self) -> None:
        pending = self.pending
        if len(pending) < 2:
            return
        entry = self.prefixed.get(bytes(pending[:2]))
        if entry is None:
            self.pending = bytearray()
            if self.selected:
                self.drop(bytes(pending), "unknown-command")
            return
        length, name = entry
        total = length if isinstance(length, int) else getattr(self, str(length))(pending)
        if total and len(pending) >= total:
            command = bytes(pending)
            self.pending = bytearray()
            if self.accepts(command):
                getattr(self, name)(command)
        elif len(pending) >= MAX_PENDING:
            self.pending = bytearray()
            if self.selected:
                self.drop(bytes(pending), "overlong")

    # -- handlers and length rules both command sets use --------------------------

    def ignore(self, command: bytes = b"") -> None:
        """A command the board accepts but that changes nothing it can show."""

    def user_chars_length(self, pending: bytes) -> int:
        """ESC & s n m [a p1..p(s*a)] x (m-n+1): length known once every a is read.

        DM-D110 Specification "ESC & s n m", CD5220 user's manual 6.1 "ESC &".
        """
        if len(pending) < 5:
            return 0
        size, first, last = pending[2], pending[3], pending[4]
        pos = 5
        for _ in range(max(0, last - first + 1)):
            if pos >= len(pending):
                return 0
            pos += 1 + pending[pos] * size
        return pos

    def select_device(self, command: bytes) -> None:
        """ESC = n: selects or deselects the display for the n its manual defines (the
        command set's devices table); any other n is ignored and counted."""
        selected = self.devices.get(command[2])
        if selected is None:
            self.drop(command, "out-of-range")
        else:
            self.selected = selected

    def set_brightness(self, command: bytes) -> None:
        if not self.screen.set_brightness(command[2]):
            self.drop(command, "out-of-range")

    def set_cursor_visible(self, command: bytes) -> None:
        """US C n / ESC _ n: n = 0 or 1 (48/49 as their ASCII digits)."""
        if command[2] in (0, 1, 0x30, 0x31):
            self.screen.cursor_visible = bool(command[2] & 1)
        else:
            self.drop(command, "out-of-range")

    def initialize(self, command: bytes = b"") -> None:
        self.reset()

    def act(self, name: str) -> None:
        """Run a named action: the parser's own if it has one, else the screen's."""
        getattr(self if hasattr(self, name) else self.screen, name)()

    def cursor_command(self, command: bytes) -> None:
        """Two-byte cursor commands shared by both sets (US LF, US CR, US B)."""
        self.act(CURSOR_COMMANDS[command[1]])

    def set_mode(self, command: bytes) -> None:
        """US SOH/STX/ETX (both sets), ESC DC1/DC2/DC3 (CD5220): the scroll mode."""
        self.screen.set_mode(MODE_CODES[command[1]])

    def self_test(self, command: bytes) -> None:
        """US @: after the self-test the screen is clear and the cursor home ([DM-D110]
        US @, [P07303] 7.2); a parser's own clear also leaves its modes (CD5220 strings)."""
        self.act("clear")

    def move_1based(self, command: bytes) -> None:
        """US $ x y (Epson) and ESC l x y (CD5220): column x, row y, both 1-based."""
        if not self.screen.move(command[3] - 1, command[2] - 1):
            self.drop(command, "out-of-range")

    def state(self) -> list[tuple[str, str]]:
        """What the parser adds to the screen's settings for STATE: selection, string mode."""
        return [("selected", "1" if self.selected else "0"), ("string", "off")]


# Second byte of US x cursor commands: DM-D110 Specification 5.4 (US LF, US CR, US B),
# also in the CD5220 standard mode list (POS-X XP8200 manual 4.1.8, Epson P07303 7.2).
CURSOR_COMMANDS = {0x0A: "up", 0x0D: "line_end", 0x42: "bottom"}

# Second byte of the scroll-mode commands: US MD1/MD2/MD3 = US SOH/STX/ETX (XP8200 4.1.2,
# Epson P07303 7.2) and ESC DC1/DC2/DC3 (CD5220 user's manual 6.1, CD5220 set only).
MODE_CODES = {
    0x01: OVERWRITE,
    0x02: VERTICAL,
    0x03: HORIZONTAL,
    0x11: OVERWRITE,
    0x12: VERTICAL,
    0x13: HORIZONTAL,
}
