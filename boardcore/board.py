"""One fixture board, transport-agnostic: bytes in, bytes out, no threads.

The virtual board feeds it from PTYs and sockets, the MicroPython firmware from UARTs
and a key matrix; both get the same display parsing, control answers and keypad codes
because both drive this object.
"""

from .cd5220 import CD5220Parser
from .cells import CellBuffer
from .control import KEY_LIST, ControlTarget, LineReader, respond_bytes
from .diagnostics import Diagnostics
from .epson import EpsonParser
from .keycodes import KEY_CODES

PARSERS = {"epson": EpsonParser, "cd5220": CD5220Parser}
CMDSETS = ("epson", "cd5220")  # PARSERS' names in order (MicroPython dicts keep none)


def _token(name: str, value: str) -> str:
    """ID values travel as space-separated key=value words, so they must be one word."""
    if not value or " " in value or "=" in value:
        raise ValueError(f"{name} must be one word without '=', got '{value}'")
    return value


class Board(ControlTarget):
    """A display (command-set parser + cells), a keypad and a control channel."""

    def __init__(
        self,
        cmdset: str = "epson",
        rows: int = 2,
        cols: int = 20,
        model: str = "pos-board",
        firmware: str = "1.0",
        serial: str = "0000",
    ) -> None:
        parser_class = PARSERS.get(cmdset)
        if parser_class is None:
            known = ", ".join(CMDSETS)
            raise ValueError(f"unknown command set '{cmdset}', expected one of: {known}")
        self.cmdset = cmdset
        self.cells = CellBuffer(rows, cols)
        self.parser = parser_class(self.cells)
        self._identity = [
            ("model", _token("model", model)),
            ("firmware", _token("firmware", firmware)),
            ("serial", _token("serial", serial)),
            ("rows", str(rows)),
            ("cols", str(cols)),
            ("cmdset", cmdset),
        ]
        self.display_out = bytearray()  # keypad codes waiting to go to the host
        self.control_lines = LineReader()

    # -- display port -----------------------------------------------------------------

    def receive_display(self, data: bytes) -> None:
        """Bytes the host sent on the display port."""
        self.parser.feed(data)

    def take_display_output(self) -> bytes:
        """Bytes to send to the host on the display port (keypad codes), oldest first."""
        out = bytes(self.display_out)
        self.display_out = bytearray()
        return out

    # -- control port -----------------------------------------------------------------

    def receive_control(self, data: bytes) -> bytes:
        """Bytes the rig sent on the control port -> the response bytes to send back.

        A KEY request queues its code on the display port before its answer exists,
        so a caller that flushes take_display_output() first keeps the order the
        contract promises.
        """
        out = b""
        for raw in self.control_lines.feed(data):
            out += (respond_bytes(raw, self) + "\n").encode()
        return out

    # -- ControlTarget ----------------------------------------------------------------

    def identity(self) -> list[tuple[str, str]]:
        return list(self._identity)

    def screen(self) -> CellBuffer:
        return self.cells

    def press(self, name: str) -> None:
        """A key press: its code goes out on the display port as from the real keypad."""
        code = KEY_CODES.get(name)
        if code is None:
            raise ValueError(f"unknown key '{name}', expected one of: {KEY_LIST}")
        self.display_out.append(code)

    def reset(self) -> None:
        """ESC @ or the RESET request: the display only (the next request may be half-read)."""
        self.parser.reset()

    def state(self) -> list[tuple[str, str]]:
        return self.cells.settings() + self.parser.state()

    def diagnostics(self) -> Diagnostics:
        return self.parser.diagnostics

    def power_on(self) -> None:
        """Plugged back in: display reset, no half-received request, no queued key codes,
        nothing dropped yet."""
        self.parser.reset()
        self.parser.diagnostics.clear()
        self.control_lines = LineReader()
        self.display_out = bytearray()
