"""Text to display bytes in the display's code page.

A pole display shows one byte per cell from its character ROM, so text must be
encoded in the code page the display is set to. A character the page lacks, or a
control character (which the display would execute as a command), is replaced by a
visible "?" so a wrong byte can never reach the wire and change the display's state.
"""

from __future__ import annotations

import codecs

from firmware_host.errors import DisplayError

DEFAULT_CODE_PAGE = "cp437"
REPLACEMENT = ord("?")


class UnknownCodePage(DisplayError):
    """A code page was asked for that Python cannot encode or the display cannot select."""


def check_code_page(name: str) -> str:
    """The canonical codec name, or a typed error naming the bad page."""
    try:
        return codecs.lookup(name).name
    except LookupError:
        raise UnknownCodePage(
            f"expected a code page such as {DEFAULT_CODE_PAGE!r}, found unknown {name!r}"
        ) from None


def _printable(code: int) -> bool:
    """Bytes below 0x20 and DEL are commands on every customer display, never glyphs."""
    return code >= 0x20 and code != 0x7F


def encode_char(char: str, code_page: str) -> int:
    """The one byte that shows `char`, or the replacement byte when the page lacks it."""
    try:
        data = char.encode(code_page)
    except UnicodeEncodeError:
        return REPLACEMENT
    if len(data) != 1 or not _printable(data[0]):
        return REPLACEMENT
    return data[0]


def encode_text(text: str, code_page: str = DEFAULT_CODE_PAGE) -> bytes:
    """One byte per character; the length of the result always equals len(text)."""
    return bytes(encode_char(char, code_page) for char in text)


def decode_cells(cells: bytes, code_page: str = DEFAULT_CODE_PAGE) -> str:
    """What a row of cell bytes looks like, for comparing with expected text."""
    return cells.decode(code_page, errors="replace")
