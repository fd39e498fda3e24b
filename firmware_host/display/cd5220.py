"""The CD5220 pole-display command set, byte-exact.

Source of every byte: the CD5220 user's manual, section 6.1 "CD5220 standard mode
command list" (Table 6-1), as printed in the CD5220 / CD6220 "Vacuum Fluorescent
Customer Display" user's manual and repeated in the POS-X XP8200 manual 4.1.8 and the
Epson P07303 manual 7.2. Positions are 1-based on the wire: ESC l x y, 1 <= x <= 20,
y = 1, 2.

String mode (manual 7.2 remark and 9.4): after ESC Q A or ESC Q B the display accepts
only further ESC Q A / ESC Q B lines, CLR or CAN; CLR and CAN "clear string mode".
The LineDisplay plans around this through `line_write_is_string_mode`.
"""

from __future__ import annotations

from types import MappingProxyType

from firmware_host.display.commands import CR, ESC, CommandSet, ScrollMode
from firmware_host.errors import DisplayError

# ESC DC1 / ESC DC2 / ESC DC3 = 1B 11 / 1B 12 / 1B 13.
_MODE_BYTES = {ScrollMode.OVERWRITE: 0x11, ScrollMode.VERTICAL: 0x12, ScrollMode.HORIZONTAL: 0x13}

# ESC Q A (upper line) / ESC Q B (lower line): 1B 51 41|42 [n]x20 0D.
_LINE_LETTERS = (0x41, 0x42)
# ESC Q D (upper line marquee): 1B 51 44 [n]xm 0D, m < 40.
MARQUEE_MAX = 39


class CD5220Commands(CommandSet):
    name = "cd5220"
    # The CD5220 has no code-table command (only ESC f international sets and ESC c
    # ASCII/JIS fonts); its ROM page is PC437, so that is the one page it can show.
    code_pages = MappingProxyType({"cp437": 0})
    line_write_is_string_mode = True

    def initialize(self) -> bytes:
        """ESC @ (1B 40)."""
        return bytes([ESC, 0x40])

    def move_to(self, row: int, col: int) -> bytes:
        """ESC l x y (1B 6C x y): x is the 1-based column, y the 1-based row."""
        self.check_position(row, col)
        return bytes([ESC, 0x6C, col + 1, row + 1])

    def scroll_mode(self, mode: ScrollMode) -> bytes:
        return bytes([ESC, _MODE_BYTES[mode]])

    def brightness(self, level: int) -> bytes:
        """ESC * n (1B 2A n), 1 <= n <= 4."""
        return bytes([ESC, 0x2A, self.check_brightness(level)])

    def cursor_visible(self, visible: bool) -> bytes:
        """ESC _ n (1B 5F n): n = 0 off, n = 1 on."""
        return bytes([ESC, 0x5F, int(visible)])

    def code_page(self, name: str) -> bytes:
        """Nothing to send: PC437 is the only page, and any other is refused."""
        self.code_page_selector(name)
        return b""

    def write_line(self, row: int, data: bytes) -> bytes:
        """ESC Q A|B d1..d20 CR: a whole line in string mode."""
        if row >= len(_LINE_LETTERS):
            raise DisplayError(f"expected row 0 (ESC Q A) or 1 (ESC Q B), found {row}")
        self.check_line(row, data)
        return bytes([ESC, 0x51, _LINE_LETTERS[row]]) + data + bytes([CR])

    def marquee(self, data: bytes) -> bytes:
        """ESC Q D d1..dm CR (m < 40): the upper line scrolls the message continuously."""
        if not 1 <= len(data) <= MARQUEE_MAX or CR in data:
            raise DisplayError(
                f"expected 1..{MARQUEE_MAX} encoded bytes without CR, found {len(data)} bytes"
            )
        return bytes([ESC, 0x51, 0x44]) + data + bytes([CR])
