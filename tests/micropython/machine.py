"""A stand-in for MicroPython's `machine` module, for the tests only (never flashed).

The fixture firmware's hardware boundary is UART, Pin, PWM and unique_id; a host has
none of them, so this module plays the Pico's side of each: UARTs that receive what
the test feeds them a FIFO-load at a time and keep what the firmware sends, a key
matrix behind the column pins (a held key pulls its column low while its row is
driven low), the command-set jumper, and a trace of every level the firmware drives,
so two interpreters running the firmware can be compared pin write by pin write.
Plain module: it runs under MicroPython and CPython alike.
"""

RX_FIFO = 32  # bytes a UART takes in per loop turn (the RP2040's FIFO holds 32)

# Module state as one-element lists and plain dicts: the harness reads and sets it, and
# annotated assignments are avoided for MicroPython.
jumper = [0, 1]  # [pin, level]: the command-set jumper and how it is set
held = [None]  # type: list[tuple[int, int] | None]  # (row pin, column pin) held down
trace = [0, 0]  # [pin writes, running hash of (pin, level)]
duty = [0]  # the backlight PWM's last duty
levels = {}  # type: dict[int, int]  # pin -> level the firmware drives
ports = {}  # type: dict[int, UART]  # UART number -> the stand-in UART


def reset(jumper_pin: int, jumper_level: int) -> None:
    """A fresh board: no UARTs, no key held, an empty trace."""
    ports.clear()
    levels.clear()
    jumper[0] = jumper_pin
    jumper[1] = jumper_level
    held[0] = None
    trace[0] = 0
    trace[1] = 0
    duty[0] = 0


def unique_id() -> bytes:
    return b"\xe6\x61\x41\x04\x03\x2b\x56\x2a"


class Pin:
    IN = 0
    OUT = 1
    PULL_UP = 1

    def __init__(self, number: int, mode: int = -1, pull: int = -1, value: int = -1) -> None:
        self.number = number
        if value >= 0:
            self.value(value)

    def value(self, level: int = -1) -> int | None:
        if level >= 0:
            levels[self.number] = level
            trace[0] += 1
            trace[1] = (trace[1] * 31 + self.number * 2 + level) & 0xFFFFFFFF
            return None
        if self.number == jumper[0]:
            return jumper[1]
        key = held[0]
        if key is not None and self.number == key[1] and levels.get(key[0]) == 0:
            return 0
        return 1  # pulled up


class PWM:
    def __init__(self, pin: Pin) -> None:
        self.pin = pin

    def freq(self, hz: int) -> None:
        pass

    def duty_u16(self, value: int) -> None:
        duty[0] = value


class UART:
    def __init__(
        self,
        number: int,
        baudrate: int = 9600,
        bits: int = 8,
        parity: int | None = None,
        stop: int = 1,
        tx: Pin | None = None,
        rx: Pin | None = None,
    ) -> None:
        self.number = number
        self.incoming = bytearray()  # sent by the host, not yet in the FIFO
        self.fifo = bytearray()
        self.sent = bytearray()
        ports[number] = self

    # -- the firmware's side ------------------------------------------------------------

    def any(self) -> int:
        return len(self.fifo)

    def read(self, size: int = -1) -> bytes | None:
        if not self.fifo:
            return None
        if size < 0:
            size = len(self.fifo)
        data = bytes(self.fifo[:size])
        self.fifo = self.fifo[size:]
        return data

    def write(self, data: bytes) -> int:
        self.sent.extend(data)
        return len(data)

    def flush(self) -> None:
        pass

    # -- the host's side ----------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self.incoming.extend(data)

    def tick(self) -> None:
        """One loop turn's worth of wire: up to RX_FIFO more bytes reach the FIFO."""
        room = RX_FIFO - len(self.fifo)
        if room > 0 and self.incoming:
            self.fifo.extend(self.incoming[:room])
            self.incoming = self.incoming[room:]

    def idle(self) -> bool:
        return not self.incoming and not self.fifo

    def take_sent(self) -> bytes:
        data = bytes(self.sent)
        self.sent = bytearray()
        return data
