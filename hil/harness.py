"""Drive one sale through the whole path of one board and read the display back.

The firmware (a `Device` with its `TerminalLogic`) runs in the test process and owns the
board's display port: the harness presses keys on the board's control channel (KEY),
the board sends their codes on the display port, the firmware's keypad reader turns
them into key presses, the terminal prices the sale and the display driver draws the
screen on the board; then the harness reads the cells back (READ) and parses them.

Requests go out together where the protocol allows (the sale's key presses in one
write, the readback's READ, DIAG and STATE in another), so a sale costs the wire time
of its bytes plus two turnarounds, not one per request. The readback waits for the
display to settle instead of polling it: on a board whose ID lists the read-quiet
feature it asks `READ <QUIET_CHARS>`, which the board answers once its display port
has been quiet that long; an older board is read only once the display bytes the
driver wrote can have crossed the wire at its baud rate, then again after a pause
while it does not show them yet.

The terminal's clock is injected (`ShopClock`): a sale at 13:00 sets that clock, the
firmware reads it as it reads `datetime.now` in the shop, and nothing patches time for
the whole process. Every wait has a real-time deadline (deadlines.now), and every
failure of the path leaves as a `BoardFault`: a RigError naming the board, its ports
and the tail of what it last sent, so a lost board is reported as the rig's error,
never as a wrong price.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from boardlink.control import BoardIdentity, BoardState, ControlClient, DropReport, Readback
from boardlink.errors import RIG_FAULTS, RigError
from boardlink.screen import DisplayedOutcome, parse_screen
from firmware_host.abi import FirmwareAbi
from firmware_host.deadlines import now
from firmware_host.device import Device
from firmware_host.display import LineDisplay
from firmware_host.keypad import KeypadReader
from firmware_host.keys import Key
from firmware_host.reported import ReportedState
from firmware_host.transport import SerialPort
from hil.rig import DEFAULT_TIMEOUT_S, BoardSpec
from simulator.board_io import wire_time

TAIL_BYTES = 160
# Character times of display silence that end a redraw: the 3.5 that end a Modbus RTU
# frame (MODBUS over Serial Line Specification and Implementation Guide V1.02, 2.5.1.1
# "MODBUS Message RTU Framing"), rounded up to a whole character.
QUIET_CHARS = 4
# Character times between readbacks while the display does not show what was sent.
RETRY_PAUSE_CHARS = 10
# Any Monday will do: only the hour reaches price_func.
SHOP_DAY = dt.date(2026, 1, 5)


class BoardFault(RigError):
    """The path to one board failed; the message names the board, its ports and the tail
    of what it sent last."""


class BoardOutOfRun(BoardFault):
    """A board that faulted earlier in this run: its message names that first fault, and
    the report says only that (the first fault's report holds the traceback)."""


class RecordingPort(SerialPort):
    """A SerialPort that keeps the last bytes it received, for fault messages, and when
    the bytes it wrote can all have crossed the wire at its baud rate (`wire_free`)."""

    def __init__(self, url: str, tail: deque[int], **kwargs: float) -> None:
        super().__init__(url, **kwargs)  # type: ignore[arg-type]
        self._tail = tail
        self.wire_free = 0.0

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        data = super().read(size, timeout)
        self._tail.extend(data)
        return data

    def write(self, data: bytes) -> None:
        super().write(data)
        self.wire_free = max(now(), self.wire_free) + wire_time(len(data), self.baudrate)


class ShopClock:
    """The terminal's clock in a HIL run: the test sets it, the firmware reads it.

    Stopped at a moment the test chose, so a sale is priced at exactly the hour it
    names; it starts at half past noon on SHOP_DAY.
    """

    def __init__(self) -> None:
        self.moment = dt.datetime.combine(SHOP_DAY, dt.time(12, 30))

    def __call__(self) -> dt.datetime:
        return self.moment

    def set(self, moment: dt.datetime) -> None:
        self.moment = moment

    def set_hour(self, hour: int) -> None:
        """Half past `hour` on SHOP_DAY."""
        self.moment = dt.datetime.combine(SHOP_DAY, dt.time(hour, 30))


def sale_keys(count: int, unit_price: int) -> list[Key]:
    """CLEAR, the count, QUANTITY, the unit price, ENTER: one sale typed from scratch."""
    digits = [Key.from_digit(int(c)) for c in str(count)]
    prices = [Key.from_digit(int(c)) for c in str(unit_price)]
    return [Key.CLEAR, *digits, Key.QUANTITY, *prices, Key.ENTER]


@dataclass(frozen=True)
class Observation:
    """What the board's display showed after a sale, and how it reads; what the board
    dropped of the display stream since the sale began, and its settings against the
    ones the display driver made."""

    lines: tuple[str, ...]
    shown: DisplayedOutcome
    priced_by: str | None  # sha256 of the module whose outcome the terminal shows
    dropped: DropReport
    state: BoardState
    driver_state: tuple[tuple[str, object], ...]  # BoardState fields the driver set

    def state_mismatches(self) -> list[str]:
        """'field: expected X, found Y' for each setting the board reports otherwise."""
        return [
            f"{name}: expected {wanted!r}, found {getattr(self.state, name)!r}"
            for name, wanted in self.driver_state
            if getattr(self.state, name) != wanted
        ]


def driver_state(display: LineDisplay) -> tuple[tuple[str, object], ...]:
    """The board settings the driver's own model says it made: the scroll mode, string
    mode (its cursor is undefined only in CD5220 string mode), the display selected and
    no window (its initialisation does both), and brightness and cursor visibility once
    it set them."""
    made: list[tuple[str, object]] = [
        ("mode", display.scroll_mode.value),
        ("string", "on" if display.cursor is None else "off"),
        ("selected", True),
        ("window", None),
    ]
    if display.brightness is not None:
        made.append(("brightness", display.brightness))
    if display.cursor_visible is not None:
        made.append(("cursor_visible", display.cursor_visible))
    return tuple(made)


def _shows(shown: Readback, expected: tuple[bytes, ...]) -> bool:
    return shown.rows[: len(expected)] == expected


class BoardLink:
    """Open ports to one board: display port (driver + keypad reader) and control channel."""

    def __init__(self, spec: BoardSpec, timeout: float = DEFAULT_TIMEOUT_S) -> None:
        if spec.control is None:
            raise BoardFault(spec.missing())
        self.spec = spec
        self.timeout = timeout
        self._tail: deque[int] = deque(maxlen=TAIL_BYTES)
        port_args = {"baudrate": spec.baudrate, "read_timeout": timeout, "write_timeout": timeout}
        self.display_port = RecordingPort(spec.url, self._tail, **port_args)
        self.control_port = RecordingPort(spec.control, self._tail, **port_args)
        self.identity: BoardIdentity | None = None
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    def _open(self) -> None:
        spec = self.spec
        with self.guarded("open"):
            self.display_port.open()
            self.control_port.open()
            self.control = ControlClient(self.control_port, timeout=self.timeout)
            self.identity = self.control.identify()
            if spec.command_set not in (None, self.identity.cmdset):
                raise BoardFault(
                    f"board {spec.name}: expected command set {spec.command_set} (rig file), "
                    f"found the board identifying as {self.identity.cmdset}"
                )
            self.display = LineDisplay(
                self.display_port,
                self.identity.cmdset,
                rows=self.identity.rows,
                columns=self.identity.cols,
            )
            self.control.clear_diagnostics()  # the first sale also answers for the init
            self.display.initialize()
            self.keypad = KeypadReader(self.display_port)

    @property
    def tail(self) -> bytes:
        return bytes(self._tail)

    def describe(self) -> str:
        spec = self.spec
        place = f"labgrid place {spec.place.name}, " if spec.place else ""
        return f"board {spec.name} ({place}display {spec.url}, control {spec.control})"

    @contextlib.contextmanager
    def guarded(self, what: str) -> Iterator[None]:
        """Any rig failure inside becomes a BoardFault with the ports and buffer tail."""
        try:
            yield
        except BoardFault:
            raise
        except RIG_FAULTS as exc:
            raise BoardFault(
                f"{self.describe()}: {what} failed: {type(exc).__name__}: {exc}; "
                f"receive buffer tail: {self.tail!r}"
            ) from exc

    @property
    def quiet(self) -> int | None:
        """READ's argument for this board: QUIET_CHARS if it takes one, else None."""
        assert self.identity is not None  # a link that opened has identified the board
        return QUIET_CHARS if self.identity.reads_quiet else None

    def readback(self, expected: tuple[bytes, ...]) -> tuple[Readback, DropReport, BoardState]:
        """Once the board shows `expected` (what the driver sent): its cells, what it
        dropped and its settings, or a fault at the deadline."""
        deadline = now() + self.timeout
        if self.quiet is None:  # a board that cannot wait: not before the bytes can be there
            self._pause_until(self.display_port.wire_free)
        shown, dropped, state = self.control.readback(self.quiet)
        if _shows(shown, expected):
            return shown, dropped, state
        shown = self._read_until_shown(expected, shown, deadline)
        return shown, self.control.diagnostics(), self.control.state()

    def _read_until_shown(
        self, expected: tuple[bytes, ...], shown: Readback, deadline: float
    ) -> Readback:
        pause = wire_time(RETRY_PAUSE_CHARS, self.spec.baudrate)
        while not _shows(shown, expected):
            if now() > deadline:
                raise BoardFault(
                    f"{self.describe()}: expected the display to show {expected!r} within "
                    f"{self.timeout:g} s, found {shown.rows!r}; receive buffer tail: "
                    f"{self.tail!r}"
                )
            self._pause_until(now() + pause)
            shown = self.control.read_display(self.quiet)
        return shown

    @staticmethod
    def _pause_until(moment: float) -> None:
        """Wait for bytes on a wire (hardware, not another thread) until `moment`."""
        left = moment - now()
        if left > 0:
            time.sleep(left)

    def close(self) -> None:
        self.display_port.close()
        self.control_port.close()


class Firmware:
    """The terminal firmware under test, one Device per firmware ABI, drawing on one board."""

    def __init__(self, link: BoardLink, state_dir: Path, max_price: int) -> None:
        self.link = link
        self.state_dir = state_dir
        self.max_price = max_price
        self.clock = ShopClock()
        self._devices: dict[FirmwareAbi, Device] = {}
        self._sale_open = True  # BoardLink cleared DIAG before the display's initialisation

    def device(self, abi: FirmwareAbi) -> Device:
        """The firmware generation `abi` on this board (booted once, then kept)."""
        if abi not in self._devices:
            self._devices[abi] = Device(
                self.state_dir / abi.value,
                abi=abi,
                dev_mode=True,
                max_price=self.max_price,
                clock=self.clock,
            )
        return self._devices[abi]

    def load(self, abi: FirmwareAbi, wasm: bytes, label: str) -> ReportedState:
        """Offer a module to the firmware, as a development-mode document would."""
        return self.device(abi).load_module(wasm, label=label)

    def ensure(
        self, abi: FirmwareAbi, wasm: bytes, sha256: str, label: str
    ) -> ReportedState | None:
        """Make `wasm` the running module of `abi`'s firmware: None when it already runs,
        else the firmware's report on loading it (a refusal is the module's verdict)."""
        device = self.device(abi)
        running = device.reported().running
        if running is not None and running.sha256 == sha256:
            return None
        return device.load_module(wasm, label=label)

    def press_on_board(self, abi: FirmwareAbi, keys: list[Key]) -> None:
        """Press keys on the board, then let `abi`'s firmware take each and redraw."""
        device = self.device(abi)
        link = self.link
        with link.guarded("key presses"):
            # DIAG CLEAR first when a sale begins: what the board drops from here is its.
            link.control.press(*keys, clear_diagnostics=not self._sale_open)
            self._sale_open = True
            deadline = now() + link.timeout
            for _ in keys:
                key = link.keypad.next_key(max(0.0, deadline - now()))
                link.display.show(device.press(key).lines)

    def enter(self, abi: FirmwareAbi, keys: list[Key]) -> Observation:
        """Press `keys` on the board and read back what its display then shows."""
        self.press_on_board(abi, keys)
        link = self.link
        with link.guarded("readback"):
            shown, dropped, state = link.readback(link.display.shown_bytes())
        self._sale_open = False
        lines = shown.text(link.display.character_set)
        outcome = self.device(abi).terminal.last_outcome
        return Observation(
            lines,
            parse_screen(lines),
            outcome.module_sha256 if outcome else None,
            dropped,
            state,
            driver_state(link.display),
        )

    def sell_at(self, abi: FirmwareAbi, hour: int, count: int, unit_price: int) -> Observation:
        """One sale typed on the board with the terminal's clock at half past `hour`."""
        self.clock.set_hour(hour)
        return self.enter(abi, sale_keys(count, unit_price))

    def close(self) -> None:
        for device in self._devices.values():
            device.close()
        self._devices.clear()
