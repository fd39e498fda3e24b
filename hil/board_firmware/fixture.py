"""The fixture board's protocol work, apart from its hardware: bytes between the board
core and two UARTs, key presses in, keypad codes out.

main.py builds the real UARTs, key matrix and LCD from `machine` and calls this once
per loop turn; the tests build it on stand-in UARTs and run the very same file under a
real MicroPython interpreter and under CPython (tests/micropython/), so what the Pico
does with a byte is what the rig's tests saw it do.

The fixture also keeps the board core's one clock-dependent answer: how long the
display port has been quiet, in character times at the wire's baud rate, so a
READ <n> waits until the display has settled (the core itself reads no clock).
"""

import time

from boardcore.board import Board
from boardcore.control import MAX_QUIET

ticks_us = time.ticks_us  # type: ignore[attr-defined]  # MicroPython-only
ticks_diff = time.ticks_diff  # type: ignore[attr-defined]  # MicroPython-only

BITS_PER_CHAR = 10  # start + 8 data + stop (8N1)

JUMPER_CD5220 = 0  # the command-set jumper pulled to GND selects CD5220 (config.py)


def command_set(jumper_level: int) -> str:
    """The command set the jumper selects: CD5220 when pulled low, else Epson."""
    return "cd5220" if jumper_level == JUMPER_CD5220 else "epson"


class Port:
    """The UART methods the fixture uses (machine.UART has them; a plain base class,
    no typing.Protocol, as MicroPython has no typing module)."""

    def any(self) -> int:
        raise NotImplementedError

    def read(self, size: int) -> bytes | None:
        raise NotImplementedError

    def write(self, data: bytes) -> int | None:
        raise NotImplementedError

    def flush(self) -> None:
        raise NotImplementedError


class Fixture:
    """One board core between a display port and a control port."""

    def __init__(self, board: Board, display: Port, control: Port, baud: int) -> None:
        self.board = board
        self.display = display
        self.control = control
        # One character's time in whole microseconds, rounded up so the quiet is never
        # counted early; small-integer arithmetic only (no bignum on every loop turn).
        self.char_us = (BITS_PER_CHAR * 1000000 + baud - 1) // baud
        self.display_at = ticks_us()  # when the display port last received a byte
        self.settled = False  # quiet for MAX_QUIET: past any READ <n>, and wrap-safe

    def quiet(self, now: int) -> int:
        """Character times the display port has been quiet, at most MAX_QUIET.

        Latched once MAX_QUIET is reached: ticks wrap (every 2**30 us on the RP2040),
        and ticks_diff is only right within half of that.
        """
        if self.settled:
            return MAX_QUIET
        chars = int(ticks_diff(now, self.display_at)) // self.char_us
        if chars >= MAX_QUIET:
            self.settled = True
            return MAX_QUIET
        return max(0, chars)

    def poll(self) -> None:
        """Take what the UARTs received; answer the control port; send keypad codes."""
        now = ticks_us()
        data = self._take(self.display)
        if data:
            self.board.receive_display(data)
            self.display_at = now
            self.settled = False
        quiet = self.quiet(now)  # every turn, so the latch is set long before ticks wrap
        data = self._take(self.control)
        if data:
            answer = self.board.receive_control(data, quiet)
        elif self.board.quiet_wanted() is not None:
            answer = self.board.answer_held(quiet)
        else:
            answer = b""
        if answer:
            self.send_keys()  # a KEY's code goes out on the display port before its answer
            self.control.write(answer)
        self.send_keys()

    def press(self, name: str) -> None:
        """A key of the matrix went down: its code goes to the host at once."""
        self.board.press(name)
        self.send_keys()

    def send_keys(self) -> None:
        """Keypad codes out on the display port, waiting until they have left the UART."""
        out = self.board.take_display_output()
        if out:
            self.display.write(out)
            self.display.flush()

    @staticmethod
    def _take(port: Port) -> bytes:
        waiting = port.any()
        if not waiting:
            return b""
        return port.read(waiting) or b""  # a UART read that times out gives None
