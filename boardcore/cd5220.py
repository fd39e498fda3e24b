"""The CD5220 customer-display command set ("standard mode"), board side.

Sources, cited per command below:
  [CD5220]  CD5220 customer display user's manual, 6.1 "CD5220 standard mode command
            list" (ESC DC1 ... ESC = n) and 9 "Command details" (9.4 string mode,
            9.5 upper line message scroll).
  [P07303]  Epson P07303 user manual 7.2 "CD5220 Standard Mode Command List" (adds the
            US SOH/STX/ETX mode aliases, US LF, US CR, US B) and its remarks on string
            mode.
  [XP8200]  POS-X XP8200 user manual 4.1.8 "CD5220 Command Mode" (ESC W s: 0 disable,
            1 enable; ESC = n: 1 printer, 2 display, 3 printer & display).
String mode: after ESC Q A/B the display takes only CLR or CAN to leave it ([CD5220]
9.4, [P07303] remark), plus further ESC Q strings; we also honour ESC @ (a full
re-initialisation). ESC Q D scrolls a message on the upper line until the next
command, which first clears the upper line and homes the cursor ([P07303] remark).
ESC W s x1 x2 y sets (s = 1) or cancels (s = 0) the window horizontal scroll mode
works in, 1 <= x1 <= x2 <= 20, y = 1, 2 ([CD5220] 6.1 and 9.3, [XP8200] 4.1.8).
"""

from .cells import CellBuffer
from .diagnostics import KEEP_BYTES
from .stream import CommandParser

CR = 0x0D
CLR = 0x0C
CAN = 0x18
MARQUEE_MAX = 39  # ESC Q D: m < 40 bytes [CD5220]
STRING_TARGETS = {0x41: 0, 0x42: 1, 0x44: -1}  # ESC Q A upper, B lower, D marquee


SINGLE = {
    0x08: "left",  # BS  [CD5220] move cursor left
    0x09: "right",  # HT  [CD5220] move cursor right
    0x0A: "down",  # LF  [CD5220] move cursor down
    0x0B: "home",  # HOM [CD5220] move cursor to home position
    0x0C: "clear",  # CLR [CD5220] clear display screen, and clear string mode
    0x0D: "line_start",  # CR  [CD5220] move cursor to left-most position
    0x18: "clear_line",  # CAN [CD5220] clear cursor line, and clear string mode
}

PREFIXED = {
    b"\x1b\x11": (2, "set_mode"),  # ESC DC1 [CD5220] overwrite mode
    b"\x1b\x12": (2, "set_mode"),  # ESC DC2 [CD5220] vertical scroll mode
    b"\x1b\x13": (2, "set_mode"),  # ESC DC3 [CD5220] horizontal scroll mode
    b"\x1f\x01": (2, "set_mode"),  # US SOH [P07303] overwrite mode
    b"\x1f\x02": (2, "set_mode"),  # US STX [P07303] vertical scroll mode
    b"\x1f\x03": (2, "set_mode"),  # US ETX [P07303] horizontal scroll mode
    b"\x1bQ": (3, "start_string"),  # ESC Q A/B/D ... CR [CD5220]
    b"\x1b[": (3, "bracket_cursor"),  # ESC [ D/C/A/B/H/L/R/K [CD5220]
    b"\x1f\n": (2, "cursor_command"),  # US LF [P07303] move cursor up
    b"\x1f\r": (2, "cursor_command"),  # US CR [P07303] move cursor to right-most
    b"\x1fB": (2, "cursor_command"),  # US B [P07303] move cursor to bottom
    b"\x1bl": (4, "move_1based"),  # ESC l x y [CD5220] 1 <= x <= 20, y = 1, 2
    b"\x1b@": (2, "initialize"),  # ESC @ [CD5220] initialize display
    b"\x1bW": (6, "set_window"),  # ESC W s x1 x2 y [CD5220] horizontal scroll window
    b"\x1b*": (3, "set_brightness"),  # ESC * n [CD5220] 1 <= n <= 4
    b"\x1b&": ("user_chars_length", "ignore"),  # ESC & s n m ... [CD5220]
    b"\x1b?": (3, "ignore"),  # ESC ? n [CD5220] delete download characters
    b"\x1b%": (3, "ignore"),  # ESC % n [CD5220] download character set on/off
    b"\x1b_": (3, "set_cursor_visible"),  # ESC _ n [CD5220] n = 0 off, 1 on
    b"\x1bf": (3, "ignore"),  # ESC f n [CD5220] international font set
    b"\x1bc": (3, "ignore"),  # ESC c n [CD5220] ASCII or JIS fonts
    b"\x1b=": (3, "select_device"),  # ESC = n [CD5220] 1 printer, 2 display, 3 both
    b"\x1bs": (3, "ignore"),  # ESC s 1 [CD5220] store user characters
    b"\x1bd": (3, "ignore"),  # ESC d 1 [CD5220] load user characters
    b"\x1b#": (3, "ignore"),  # ESC # n [P07303] command type select
    b"\x1fE": (3, "ignore"),  # US E n [P07303] blink display mode
    b"\x1f@": (2, "self_test"),  # US @ [P07303] execute self test
}


# ESC = n [CD5220] 6.1: n = 1, 2, 3, 31, 32, 33 (hex: the ASCII digits), 1 printer,
# 2 display, 3 printer & display ([XP8200] 4.1.8). No other n is defined.
DEVICES = {1: False, 2: True, 3: True, 0x31: False, 0x32: True, 0x33: True}


class CD5220Parser(CommandParser):
    """CD5220 byte stream -> cell buffer, with string mode and the upper-line marquee."""

    def __init__(self, screen: CellBuffer) -> None:
        super().__init__(screen, SINGLE, PREFIXED, DEVICES)
        self._clear_string_state()

    def reset(self) -> None:
        super().reset()
        self._clear_string_state()

    def _clear_string_state(self) -> None:
        self.string_mode = False
        self.collecting = False  # inside ESC Q x ... CR
        self.string_row = 0  # row of the string being collected, -1 for the marquee
        self.string_data = bytearray()
        self.string_overflow = bytearray()  # the first bytes past the limit
        self.overflow_count = 0  # all of them, counted as dropped at the CR
        self.overflow_at = 0
        self.marquee = b""
        self.marquee_on = False

    def feed_byte(self, code: int) -> None:
        if self.collecting:
            self._collect_string(code)
            return
        if self.marquee_on:
            self._end_marquee()
        super().feed_byte(code)

    def accepts(self, command: bytes) -> bool:
        """In string mode only CLR, CAN, ESC Q and ESC @ are obeyed [CD5220] 9.4; the
        rest is ignored and counted, since a driver sending it broke the command set."""
        if not super().accepts(command):
            return False
        if not self.string_mode:
            return True
        if command[0] in (CLR, CAN) or command[:2] in (b"\x1bQ", b"\x1b@"):
            return True
        self.drop(command, "string-mode")
        return False

    def state(self) -> list[tuple[str, str]]:
        string = "marquee" if self.marquee_on else "on" if self.string_mode else "off"
        return [("selected", "1" if self.selected else "0"), ("string", string)]

    def set_window(self, command: bytes) -> None:
        """ESC W s x1 x2 y ([CD5220] 6.1, [XP8200] 4.1.8): s = 1 sets the window to
        columns x1..x2 of line y, s = 0 cancels it (x1 x2 y are then not looked at)."""
        enable, first, last, line = command[2], command[3], command[4], command[5]
        if enable == 0:
            self.screen.cancel_window()
        elif enable != 1 or not self.screen.set_window(line - 1, first - 1, last - 1):
            self.drop(command, "out-of-range")

    def clear(self) -> None:
        self.string_mode = False
        self.screen.clear()

    def clear_line(self) -> None:
        self.string_mode = False
        self.screen.clear_line()

    def bracket_cursor(self, command: bytes) -> None:
        action = BRACKET_MOVES.get(command[2])
        if action is None:
            self.drop(command, "unknown-command")
        else:
            self.act(action)

    def start_string(self, command: bytes) -> None:
        row = STRING_TARGETS.get(command[2])
        if row is None:
            self.drop(command, "unknown-command")
        elif row >= self.screen.rows:
            self.drop(command, "out-of-range")
        else:
            self.collecting = True
            self.string_row = row
            self.string_data = bytearray()
            self.string_overflow = bytearray()
            self.overflow_count = 0

    def _collect_string(self, code: int) -> None:
        """Text up to CR; past the line width (ESC Q A/B) or 39 (ESC Q D) it is dropped."""
        row = self.string_row
        if code != CR:
            limit = MARQUEE_MAX if row == -1 else self.screen.cols
            if len(self.string_data) < limit:
                self.string_data.append(code)
            else:
                if not self.overflow_count:
                    self.overflow_at = self.received
                if self.overflow_count < KEEP_BYTES:
                    self.string_overflow.append(code)
                self.overflow_count += 1
            return
        self.collecting = False
        if self.overflow_count:
            overflow = bytes(self.string_overflow)
            self.diagnostics.record(
                self.overflow_at, overflow, "string-too-long", self.overflow_count
            )
            self.string_overflow = bytearray()
            self.overflow_count = 0
        text = bytes(self.string_data)
        if row == -1:
            self.marquee = text
            self.marquee_on = True
            self.screen.write_line(0, text)
        else:
            self.string_mode = True
            self.screen.write_line(row, text)

    def _end_marquee(self) -> None:
        """A new command stops the marquee: upper line cleared, cursor home [P07303]."""
        self.marquee_on = False
        self.screen.write_line(0, b"")
        self.screen.home()


# ESC [ x cursor moves [CD5220] 6.1: D left, C right, A up, B down, H home,
# L left-most, R right-most, K bottom.
BRACKET_MOVES = {
    0x44: "left",
    0x43: "right",
    0x41: "up",
    0x42: "down",
    0x48: "home",
    0x4C: "line_start",
    0x52: "line_end",
    0x4B: "bottom",
}
