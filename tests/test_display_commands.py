"""Each command of both display families against the bytes printed in its manual.

Epson: "DM-D110 Specification (STANDARD)" 5.4 Command Details and the DM-D command
summary (POS-X XP8200 manual 4.1.2 "EPSON Command Mode" reprints it).
CD5220: CD5220 user's manual 6.1 "CD5220 standard mode command list", Table 6-1
(POS-X XP8200 manual 4.1.8 and Epson P07303 manual 7.2 reprint it).
The expected bytes below are typed from those tables, not from the code.
"""

from __future__ import annotations

import pytest

from firmware_host.display import DRIVERS, ScrollMode, UnknownCodePage, UnknownDriver, get_driver
from firmware_host.display.cd5220 import CD5220Commands
from firmware_host.display.epson import EpsonCommands
from firmware_host.errors import DisplayError, FirmwareError

EPSON = EpsonCommands()
CD5220 = CD5220Commands()


@pytest.mark.parametrize(
    ("produced", "manual"),
    [
        # ESC = n "Select peripheral device", 1B 3D n; n = 2 "Display selected".
        (EPSON.select_peripheral(2), bytes.fromhex("1B 3D 02")),
        # ESC @ "Initialize display", 1B 40 (after selecting the display).
        (EPSON.initialize(), bytes.fromhex("1B 3D 02 1B 40")),
        # CLR "Clear display screen", 0C.
        (EPSON.clear(), bytes.fromhex("0C")),
        # CAN "Clear cursor line", 18.
        (EPSON.clear_line(), bytes.fromhex("18")),
        # US $ x y "Move cursor to specified position", 1F 24 x y, 1 <= x <= 20, 1 <= y <= 2.
        (EPSON.move_to(0, 0), bytes.fromhex("1F 24 01 01")),
        (EPSON.move_to(1, 19), bytes.fromhex("1F 24 14 02")),
        (EPSON.move_to(0, 7), bytes.fromhex("1F 24 08 01")),
        # US MD1 / MD2 / MD3: overwrite 1F 01, vertical scroll 1F 02, horizontal 1F 03.
        (EPSON.scroll_mode(ScrollMode.OVERWRITE), bytes.fromhex("1F 01")),
        (EPSON.scroll_mode(ScrollMode.VERTICAL), bytes.fromhex("1F 02")),
        (EPSON.scroll_mode(ScrollMode.HORIZONTAL), bytes.fromhex("1F 03")),
        # US X n "Brightness adjustment", 1F 58 n, 1 <= n <= 4.
        (EPSON.brightness(1), bytes.fromhex("1F 58 01")),
        (EPSON.brightness(4), bytes.fromhex("1F 58 04")),
        # US C n "Select/cancel cursor display", 1F 43 n; n = 0 canceled, n = 1 selected.
        (EPSON.cursor_visible(False), bytes.fromhex("1F 43 00")),
        (EPSON.cursor_visible(True), bytes.fromhex("1F 43 01")),
        # ESC t n "Select character code table", 1B 74 n; page 0 = PC437, 2 = PC850,
        # 16 = WPC1252 (Epson ESC/POS character code tables).
        (EPSON.code_page("cp437"), bytes.fromhex("1B 74 00")),
        (EPSON.code_page("cp850"), bytes.fromhex("1B 74 02")),
        (EPSON.code_page("cp1252"), bytes.fromhex("1B 74 10")),
        # No line command: US $ 1 y, then the 20 characters.
        (EPSON.write_line(1, b"A" * 20), bytes.fromhex("1F 24 01 02") + b"A" * 20),
    ],
)
def test_epson_command_bytes(produced: bytes, manual: bytes) -> None:
    assert produced == manual


@pytest.mark.parametrize(
    ("produced", "manual"),
    [
        # ESC @ "initialize display", 1B 40.
        (CD5220.initialize(), bytes.fromhex("1B 40")),
        # CLR 0C "clear display screen, and clear string mode".
        (CD5220.clear(), bytes.fromhex("0C")),
        # CAN 18 "clear cursor line, and clear string mode".
        (CD5220.clear_line(), bytes.fromhex("18")),
        # ESC l x y "move cursor to specified position", 1B 6C x y, 1<=x<=20, y=1,2.
        (CD5220.move_to(0, 0), bytes.fromhex("1B 6C 01 01")),
        (CD5220.move_to(1, 19), bytes.fromhex("1B 6C 14 02")),
        # ESC DC1 / DC2 / DC3: overwrite 1B 11, vertical scroll 1B 12, horizontal 1B 13.
        (CD5220.scroll_mode(ScrollMode.OVERWRITE), bytes.fromhex("1B 11")),
        (CD5220.scroll_mode(ScrollMode.VERTICAL), bytes.fromhex("1B 12")),
        (CD5220.scroll_mode(ScrollMode.HORIZONTAL), bytes.fromhex("1B 13")),
        # ESC * n "brightness adjustment", 1B 2A n, 1<=n<=4.
        (CD5220.brightness(2), bytes.fromhex("1B 2A 02")),
        # ESC _ n "set cursor ON/OFF", 1B 5F n, n=0,1.
        (CD5220.cursor_visible(False), bytes.fromhex("1B 5F 00")),
        (CD5220.cursor_visible(True), bytes.fromhex("1B 5F 01")),
        # ESC Q A .. CR "set the string display mode, write string to upper line",
        # 1B 51 41 [n]x20 0D; ESC Q B .. CR the same for the lower line, 1B 51 42.
        (
            CD5220.write_line(0, b"TOTAL 12.50".ljust(20)),
            bytes.fromhex("1B 51 41") + b"TOTAL 12.50         " + bytes.fromhex("0D"),
        ),
        (CD5220.write_line(1, b"x" * 20), bytes.fromhex("1B 51 42") + b"x" * 20 + b"\r"),
        # ESC Q D .. CR "upper line message scroll continuously", 1B 51 44 [n]xm 0D, m<40.
        (CD5220.marquee(b"WELCOME"), bytes.fromhex("1B 51 44") + b"WELCOME" + b"\r"),
        # PC437 is the ROM page: nothing to select.
        (CD5220.code_page("cp437"), b""),
    ],
)
def test_cd5220_command_bytes(produced: bytes, manual: bytes) -> None:
    assert produced == manual


@pytest.mark.parametrize("commands", [EPSON, CD5220], ids=["epson", "cd5220"])
@pytest.mark.parametrize(("row", "col"), [(-1, 0), (2, 0), (0, 20), (0, -1)])
def test_positions_outside_the_display_are_refused(
    commands: EpsonCommands | CD5220Commands, row: int, col: int
) -> None:
    with pytest.raises(DisplayError, match=rf"found \({row}, {col}\)"):
        commands.move_to(row, col)


@pytest.mark.parametrize("commands", [EPSON, CD5220], ids=["epson", "cd5220"])
@pytest.mark.parametrize("level", [0, 5, -1])
def test_brightness_outside_1_to_4_is_refused(
    commands: EpsonCommands | CD5220Commands, level: int
) -> None:
    with pytest.raises(DisplayError, match=f"expected brightness 1..4, found {level}"):
        commands.brightness(level)


def test_a_line_must_be_exactly_the_width() -> None:
    with pytest.raises(DisplayError, match="expected a line of 20 bytes, found 21"):
        CD5220.write_line(0, b"x" * 21)


def test_marquee_over_39_bytes_is_refused() -> None:
    with pytest.raises(DisplayError, match="found 40 bytes"):
        CD5220.marquee(b"m" * 40)


def test_code_pages_a_family_cannot_select_are_refused() -> None:
    with pytest.raises(UnknownCodePage, match=r"cd5220 command set can select \(cp437\)"):
        CD5220.code_page("cp850")
    with pytest.raises(UnknownCodePage, match="found unknown 'klingon'"):
        EPSON.code_page("klingon")


def test_registry_finds_both_families_by_name() -> None:
    assert get_driver("epson") is EpsonCommands
    assert get_driver("cd5220") is CD5220Commands
    assert set(DRIVERS) == {"epson", "cd5220"}


def test_unknown_driver_names_the_known_ones() -> None:
    with pytest.raises(UnknownDriver, match=r"expected a display command set \(cd5220, epson\)"):
        get_driver("ibm4840")
    assert issubclass(UnknownDriver, FirmwareError)
