"""What a board did not understand: every dropped display byte, counted with its reason.

A board that silently drops bytes hides a driver that sends them, so a rig could never
qualify that driver. The parsers still drop what they cannot act on (garbage must never
stop a display), but each drop is recorded here: how many bytes, and the last drop's
bytes, its offset in the display stream and a one-word reason. The rig reads it with
the DIAG request and clears it with DIAG CLEAR.

Reasons (one word each, so they travel as key=value on the control channel):
  unknown-command  an ESC x / US x pair, or ESC [ x / ESC Q x, not in the command set
  undefined-byte   a control byte (below 0x20) the command set does not define
  out-of-range     a command whose parameter the manual does not allow
  string-mode      a CD5220 command other than CLR, CAN, ESC Q, ESC @ in string mode
  string-too-long  a byte past the 20 (ESC Q A/B) or 39 (ESC Q D) the manual allows
  not-emulated     a valid command whose effect the board cannot show (Epson windows)
  overlong         a command still unfinished after MAX_PENDING bytes

Plain class: this module also runs under MicroPython.
"""

import binascii

KEEP_BYTES = 32  # the last drop's bytes kept for DIAG (a runaway command is longer)


class Diagnostics:
    """The count of dropped display bytes and the last drop, since power-on or DIAG CLEAR."""

    def __init__(self) -> None:
        self.clear()

    def clear(self) -> None:
        self.dropped = 0
        self.last = b""
        self.offset = -1  # display-stream offset of the last drop's first byte
        self.reason = ""

    def record(self, offset: int, data: bytes, reason: str, count: int = 0) -> None:
        """`data` (starting at display-stream `offset`) was dropped for `reason`; `count`
        bytes in all when only the first of them were kept (0: just `data`)."""
        self.dropped += count or len(data)
        self.last = bytes(data[:KEEP_BYTES])
        self.offset = offset
        self.reason = reason

    def fields(self) -> list[tuple[str, str]]:
        """The DIAG answer's key=value pairs, in protocol order."""
        offset = "" if self.offset < 0 else str(self.offset)
        return [
            ("dropped", str(self.dropped)),
            ("last", binascii.hexlify(self.last).decode()),
            ("offset", offset),
            ("reason", self.reason),
        ]
