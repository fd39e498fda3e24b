"""One fixture board, transport-agnostic: bytes in, bytes out, no threads.

The virtual board feeds it from PTYs and sockets, the MicroPython firmware from UARTs
and a key matrix; both get the same display parsing, control answers and keypad codes
because both drive this object.

No clock either: a transport that can tell how long its display port has been quiet
passes it in character times (`quiet`) with each control read and with answer_held(),
which a transport calls while quiet_wanted() says a READ <n> is waiting.
"""

from .cd5220 import CD5220Parser
from .cells import CellBuffer
from .control import KEY_LIST, ControlTarget, LineReader, respond_bytes
from .diagnostics import Diagnostics
from .epson import EpsonParser
from .keycodes import KEY_CODES

PARSERS = {"epson": EpsonParser, "cd5220": CD5220Parser}
CMDSETS = ("epson", "cd5220")  # PARSERS' names in order (MicroPython dicts keep none)
# What ID's features= word says this board does beyond the first protocol: READ <n>.
FEATURES = ("read-quiet",)
MAX_HELD = 16  # requests a waiting READ <n> may hold behind it before it gives up


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
            ("features", ",".join(FEATURES)),
        ]
        self.display_out = bytearray()  # keypad codes waiting to go to the host
        self.control_lines = LineReader()
        self.held = []  # type: list[bytes]  # request lines behind a waiting READ <n>
        self._quiet = None  # type: int | None  # as the transport last said
        self._wanted = 0  # character times the first held request waits for

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

    def receive_control(self, data: bytes, quiet: int | None = None) -> bytes:
        """Bytes the rig sent on the control port -> the response bytes to send back.

        `quiet`: character times the display port has received nothing, as the
        transport measures it (None: it cannot tell, and READ <n> answers at once).
        Answers keep the order of the requests: a READ <n> that must wait holds the
        requests after it (answer_held). A KEY request queues its code on the display
        port before its answer exists, so a caller that flushes take_display_output()
        first keeps the order the contract promises.
        """
        self.held.extend(self.control_lines.feed(data))
        return self.answer_held(quiet)

    def answer_held(self, quiet: int | None = None) -> bytes:
        """The answers of held requests that can be given now, in order."""
        self._quiet = quiet
        out = b""
        while self.held:
            answer = respond_bytes(self.held[0], self)
            if answer is None:
                if len(self.held) <= MAX_HELD:
                    return out
                answer = (
                    f"ERR expected the display quiet for {self._wanted} character times "
                    f"before {MAX_HELD} more requests came, found it still busy"
                )
            self.held.pop(0)
            out += (answer + "\n").encode()
        return out

    def quiet_wanted(self) -> int | None:
        """Character times of quiet the first held request waits for; None if none waits."""
        return self._wanted if self.held else None

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

    def quiet_for(self, chars: int) -> bool:
        if self._quiet is None or self._quiet >= chars:
            return True
        self._wanted = chars
        return False

    def power_on(self) -> None:
        """Plugged back in: display reset, no half-received request, no queued key codes,
        nothing dropped yet."""
        self.parser.reset()
        self.parser.diagnostics.clear()
        self.control_lines = LineReader()
        self.held = []
        self.display_out = bytearray()
