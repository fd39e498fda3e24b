"""The Epson ESC/POS customer-display command set (DM-D series), byte-exact.

Source of every byte: Epson "DM-D110 Specification (STANDARD)", section 5.4 Command
Details, and the command summary it shares with the DM-D "Displays & Commands"
programming guide (also reproduced in the POS-X XP8200 manual, 4.1.2 "EPSON Command
Mode"). Positions are 1-based on the wire: US $ x y with 1 <= x <= 20, 1 <= y <= 2.
"""

from __future__ import annotations

from types import MappingProxyType

from firmware_host.display.commands import ESC, US, CommandSet, ScrollMode

# US MD1 / US MD2 / US MD3 = 1F 01 / 1F 02 / 1F 03.
_MODE_BYTES = {ScrollMode.OVERWRITE: 0x01, ScrollMode.VERTICAL: 0x02, ScrollMode.HORIZONTAL: 0x03}

# ESC t n, from Epson's ESC/POS "Character Code Tables": page 0 PC437 (USA, Standard
# Europe), 2 PC850 (Multilingual), 3 PC860 (Portuguese), 4 PC863 (Canadian-French),
# 5 PC865 (Nordic), 16 WPC1252, 17 PC866 (Cyrillic #2), 18 PC852 (Latin 2), 19 PC858.
_CODE_PAGES = MappingProxyType(
    {
        "cp437": 0,
        "cp850": 2,
        "cp860": 3,
        "cp863": 4,
        "cp865": 5,
        "cp1252": 16,
        "cp866": 17,
        "cp852": 18,
        "cp858": 19,
    }
)

# ESC = n (1B 3D n), bit 1 on: "Display selected" (DM-D110 Spec., Table 4.4.1).
SELECT_DISPLAY = 0x02


class EpsonCommands(CommandSet):
    name = "epson"
    code_pages = _CODE_PAGES

    def select_peripheral(self, device: int) -> bytes:
        """ESC = n (1B 3D n), 1 <= n <= 3: 1 printer, 2 display, 3 both."""
        return bytes([ESC, 0x3D, device])

    def initialize(self) -> bytes:
        """ESC = 2 then ESC @ (1B 40): make sure the display, not a pass-through printer,
        takes the reset, then reset it (blank, cursor home, overwrite mode)."""
        return self.select_peripheral(SELECT_DISPLAY) + bytes([ESC, 0x40])

    def move_to(self, row: int, col: int) -> bytes:
        """US $ x y (1F 24 x y): x is the 1-based column, y the 1-based row."""
        self.check_position(row, col)
        return bytes([US, 0x24, col + 1, row + 1])

    def scroll_mode(self, mode: ScrollMode) -> bytes:
        return bytes([US, _MODE_BYTES[mode]])

    def brightness(self, level: int) -> bytes:
        """US X n (1F 58 n), 1 <= n <= 4."""
        return bytes([US, 0x58, self.check_brightness(level)])

    def cursor_visible(self, visible: bool) -> bytes:
        """US C n (1F 43 n): n = 0 cursor off, n = 1 cursor on."""
        return bytes([US, 0x43, int(visible)])

    def code_page(self, name: str) -> bytes:
        """ESC t n (1B 74 n)."""
        return bytes([ESC, 0x74, self.code_page_selector(name)])

    def write_line(self, row: int, data: bytes) -> bytes:
        """The DM-D has no line command: position at the line start, then the text."""
        self.check_line(row, data)
        return self.move_to(row, 0) + data
