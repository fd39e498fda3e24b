"""Mirror the terminal's customer display to a board, and take key presses from its keypad.

One plain thread owns the serial ports, so the UI never blocks on a board: the UI hands
over the lines to show (only the newest matters) and receives keys and status lines
through callbacks, which the app turns into messages. Every read and write has the
transport's deadline. A lost port is reported, not raised: the thread closes it, retries
at an interval and, once the board is back, redraws what the terminal shows now.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from boardlink.control import ControlClient
from boardlink.errors import RIG_FAULTS
from firmware_host.display import LineDisplay
from firmware_host.errors import FirmwareError
from firmware_host.keypad import KeypadReader
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from simulator.worker import ServiceThread

KEY_POLL_S = 0.05  # longest a key press or a new screen waits for the thread
RETRY_S = 0.5  # between attempts to reopen a lost board


@dataclass(frozen=True)
class MirrorTarget:
    """Where to mirror: a display port URL, its command set, an optional control port."""

    display_url: str
    cmdset: str = "epson"
    control_url: str | None = None


class _Link:
    """The open ports of one connection to the board."""

    def __init__(self, target: MirrorTarget) -> None:
        self.port = SerialPort(target.display_url).open()
        self.control_port: SerialPort | None = None
        try:
            self.display = LineDisplay(self.port, target.cmdset)
            self.display.initialize()
            self.keypad = KeypadReader(self.port)
            if target.control_url is not None:
                self.control_port = SerialPort(target.control_url).open()
        except BaseException:
            self.close()
            raise
        self.control = ControlClient(self.control_port)

    def close(self) -> None:
        self.port.close()
        if self.control_port is not None:
            self.control_port.close()


class DisplayMirror(ServiceThread):
    """A thread copying screens to a board and board key presses back to the terminal."""

    name = "display-mirror"

    def __init__(
        self,
        target: MirrorTarget,
        *,
        on_keys: Callable[[list[Key]], None],
        on_status: Callable[[str], None],
    ) -> None:
        super().__init__()
        self.target = target
        self._on_keys = on_keys
        self._on_status = on_status
        self._lock = threading.Lock()
        self._wanted: tuple[str, ...] | None = None
        self._pending = False

    def show(self, lines: Sequence[str]) -> None:
        """Ask for `lines` on the board; an older request not yet sent is superseded."""
        with self._lock:
            self._wanted = tuple(lines)
            self._pending = True

    # -- the thread ---------------------------------------------------------------------

    def _status(self, text: str) -> None:
        self.report_change(self._on_status, text)

    def _take(self) -> tuple[str, ...] | None:
        with self._lock:
            wanted, self._pending = (self._wanted if self._pending else None), False
            return wanted

    def _connect(self) -> _Link | None:
        try:
            link = _Link(self.target)
        except RIG_FAULTS as exc:
            self._status(f"board not reachable at {self.target.display_url}: {exc}")
            return None
        who = self.target.display_url
        if link.control.available:
            try:
                identity = link.control.identify()
                who = f"{identity.model} {identity.serial} ({identity.cmdset}) at {who}"
            except RIG_FAULTS as exc:
                self._status(f"board control channel did not identify the board: {exc}")
        self._status(f"board connected: {who}")
        with self._lock:
            self._pending = self._wanted is not None  # redraw what the terminal shows now
        return link

    def _serve(self, link: _Link) -> None:
        """Until stopped or the board is lost: send new screens, read key presses."""
        while not self.stopping.is_set():
            wanted = self._take()
            if wanted is not None:
                try:
                    link.display.show(wanted)
                except RIG_FAULTS:
                    raise
                except FirmwareError as exc:  # a screen this display cannot show
                    self._status(f"board cannot show {wanted!r}: {exc}")
            keys = link.keypad.poll(timeout=KEY_POLL_S)
            if keys:
                self._on_keys(keys)

    def run(self) -> None:
        while not self.stopping.is_set():
            link = self._connect()
            if link is None:
                self.stopping.wait(RETRY_S)
                continue
            try:
                self._serve(link)
            except RIG_FAULTS as exc:
                self._status(f"board lost: {exc}")
                self.stopping.wait(RETRY_S)
            finally:
                link.close()
