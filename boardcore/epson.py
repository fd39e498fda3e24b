"""The Epson ESC/POS customer-display command set (DM-D series), board side.

Sources, cited per command below:
  [DM-D110] Seiko Epson, DM-D110 Specification (STANDARD), section 5.4 Command Details
            (BS, HT, ESC =, ESC @, ESC t, ESC W, US v, US @, US ( A, US ( E).
  [XP8200]  POS-X XP8200 user manual 4.1.2 "EPSON Command Mode", the full command table
            with hex codes (HT 09 ... ESC ? n).
Cursor and scroll-mode semantics live in cells.py.
"""

from .cells import CellBuffer
from .stream import CommandParser

SINGLE = {
    0x08: "left",  # BS   [DM-D110] move cursor left
    0x09: "right",  # HT   [DM-D110] move cursor right
    0x0A: "down",  # LF   [XP8200] move cursor down
    0x0B: "home",  # HOM  [XP8200] move cursor to home position
    0x0C: "clear",  # CLR  [XP8200] clear display screen
    0x0D: "line_start",  # CR   [XP8200] move cursor to left-most position
    0x18: "clear_line",  # CAN  [XP8200] clear cursor line
}

PREFIXED = {
    b"\x1b@": (2, "initialize"),  # ESC @ [DM-D110] initialize display
    b"\x1bt": (3, "select_code_page"),  # ESC t n [DM-D110] character code table
    b"\x1b=": (3, "select_device"),  # ESC = n [DM-D110] select peripheral device
    b"\x1bR": (3, "ignore"),  # ESC R n [XP8200] international character set
    b"\x1b%": (3, "ignore"),  # ESC % n [DM-D110] user-defined character set
    b"\x1b?": (3, "ignore"),  # ESC ? n [XP8200] cancel user-defined character
    b"\x1b&": ("user_chars_length", "ignore"),  # ESC & s n m ... [DM-D110]
    b"\x1bW": ("window_length", "window"),  # ESC W n m (x1 y1 x2 y2) [DM-D110]
    b"\x1f\x01": (2, "set_mode"),  # US MD1 [XP8200] overwrite mode
    b"\x1f\x02": (2, "set_mode"),  # US MD2 [XP8200] vertical scroll mode
    b"\x1f\x03": (2, "set_mode"),  # US MD3 [XP8200] horizontal scroll mode
    b"\x1f\n": (2, "cursor_command"),  # US LF [XP8200] move cursor up
    b"\x1f\r": (2, "cursor_command"),  # US CR [XP8200] move cursor to right-most
    b"\x1fB": (2, "cursor_command"),  # US B [XP8200] move cursor to bottom position
    b"\x1f$": (4, "move_1based"),  # US $ x y [XP8200] 1 <= x <= 20, 1 <= y <= 2
    b"\x1fC": (3, "set_cursor_visible"),  # US C n [XP8200] n = 0 off, 1 on
    b"\x1fX": (3, "set_brightness"),  # US X n [XP8200] 1 <= n <= 4
    b"\x1fE": (3, "ignore"),  # US E n [XP8200] blink display screen
    b"\x1fr": (3, "ignore"),  # US r n [XP8200] reverse characters
    b"\x1f.": (3, "ignore"),  # US . n [XP8200] period display
    b"\x1f,": (3, "ignore"),  # US , n [XP8200] comma display
    b"\x1f;": (3, "ignore"),  # US ; n [XP8200] semicolon display
    b"\x1f#": (4, "ignore"),  # US # n m [XP8200] annunciator (ignored by DM-D110 5.5)
    b"\x1f@": (2, "self_test"),  # US @ [DM-D110] execute self-test
    b"\x1fv": (3, "ignore"),  # US v n [DM-D110] status by DTR signal
    b"\x1f(": ("extended_length", "ignore"),  # US ( A / US ( E pL pH ... [DM-D110]
}


# ESC t n [DM-D110]: 0 <= n <= 5, 16 <= n <= 19, 254, 255.
CODE_PAGES = (0, 1, 2, 3, 4, 5, 16, 17, 18, 19, 254, 255)


# ESC = n [DM-D110] table 4.4.1, range 1 <= n <= 3: bit 1 selects the display.
DEVICES = {1: False, 2: True, 3: True}


class EpsonParser(CommandParser):
    """Epson DM-D byte stream -> cell buffer."""

    def __init__(self, screen: CellBuffer) -> None:
        super().__init__(screen, SINGLE, PREFIXED, DEVICES)

    def select_code_page(self, command: bytes) -> None:
        if command[2] in CODE_PAGES:
            self.screen.code_page = command[2]
        else:
            self.drop(command, "out-of-range")

    def window(self, command: bytes) -> None:
        """ESC W n m: 1 <= n <= 4, m = 0/48 cancel, 1/49 select [DM-D110]. Windows are not
        emulated, so a selected one is counted: the board would show its text wrongly."""
        if not 1 <= command[2] <= 4 or command[3] not in (0, 1, 0x30, 0x31):
            self.drop(command, "out-of-range")
        elif command[3] in (1, 0x31):
            self.drop(command, "not-emulated")

    def window_length(self, pending: bytes) -> int:
        """ESC W n m: 4 bytes to cancel (m = 0 or 48), 8 with x1 y1 x2 y2 to select."""
        if len(pending) < 4:
            return 0
        return 4 if pending[3] in (0, 0x30) else 8

    def extended_length(self, pending: bytes) -> int:
        """US ( x pL pH: pL + 256 * pH bytes follow pH [DM-D110] US ( A, US ( E."""
        if len(pending) < 5:
            return 0
        return 5 + pending[3] + 256 * pending[4]
