"""A board's serial port, named by any pyserial URL, with a deadline on every read and write.

`serial.serial_for_url` gives one code path for a USB adapter (`/dev/ttyUSB0`), a PTY
of a virtual board, ser2net (`rfc2217://host:port`), a raw TCP board (`socket://`),
`loop://`, and `hwgrep://<regexp>`, which opens the first port whose USB description
or serial number matches (so a board is found by its serial number however it
enumerates). pyserial URL options pass through: behind ser2net a board without modem
lines (a PTY, a 3-wire cable) needs `rfc2217://host:port?ign_set_control`, or pyserial
waits for DTR/RTS acknowledgements that never come. Every failure of the path becomes
a SerialLinkError: `PortLost` when the port is gone or cannot be opened, `DeadlineExceeded`
when the far end does not keep up, `FramingError` for a line over its cap.

Deadlines are measured with firmware_host.deadlines.now (real time, whatever a test
freezes). The waiting itself is pyserial's select()-based timeout, one READ_SLICE at a
time.
"""

from __future__ import annotations

import contextlib
import termios
import time
from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self, TypeVar, cast

import serial

from firmware_host.deadlines import now
from firmware_host.errors import DeadlineExceeded, FramingError, PortLost

T = TypeVar("T")

DEFAULT_BAUDRATE = 9600
READ_SLICE = 0.05  # seconds a single select() may wait; the deadline loop goes round
MAX_LINE = 4096
RFC2217 = "rfc2217://"
# How a port that went away shows itself: pyserial wraps most failures, but tcflush and
# tcsetattr on a hung-up PTY raise termios.error, which is not an OSError.
PORT_FAILURES = (serial.SerialException, OSError, termios.error)


class _Pyserial(Protocol):
    """The part of a pyserial port object this module uses, whatever the URL scheme."""

    timeout: float | None
    baudrate: int
    bytesize: int
    parity: str
    stopbits: float

    @property
    def in_waiting(self) -> int: ...

    def read(self, size: int = 1) -> bytes: ...

    def write(self, data: bytes) -> int | None: ...

    def close(self) -> None: ...


class SerialPort:
    """One open pyserial URL: framing, deadlines and reconnection in one place."""

    def __init__(
        self,
        url: str,
        *,
        baudrate: int = DEFAULT_BAUDRATE,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        read_timeout: float = 1.0,
        write_timeout: float = 1.0,
    ) -> None:
        self.url = url
        self.baudrate = baudrate
        self.bytesize = bytesize
        self.parity = parity
        self.stopbits = stopbits
        self.read_timeout = read_timeout
        self.write_timeout = write_timeout
        self._serial: _Pyserial | None = None
        self._pending = bytearray()  # read past a terminator, kept for the next read

    # -- lifetime --------------------------------------------------------------------

    def open(self) -> Self:
        if self._serial is not None:
            return self
        # pyserial's rfc2217 client refuses write_timeout; its TCP socket carries the
        # write deadline instead (set below), so a stalled link still cannot hang a write.
        socket_deadline = self.url.startswith(RFC2217)
        try:
            opened = serial.serial_for_url(
                self.url,
                baudrate=self.baudrate,
                bytesize=self.bytesize,
                parity=self.parity,
                stopbits=self.stopbits,
                timeout=READ_SLICE,
                write_timeout=None if socket_deadline else self.write_timeout,
            )
            if socket_deadline:
                opened._socket.settimeout(self.write_timeout)  # type: ignore[attr-defined]
        except (*PORT_FAILURES, ValueError) as exc:
            raise PortLost(f"expected a board at {self.url}, found none: {exc}") from exc
        self._serial = cast(_Pyserial, opened)
        self._pending.clear()
        return self

    def close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            # Closing a port that is already gone is what we wanted anyway.
            with contextlib.suppress(*PORT_FAILURES):
                port.close()

    def reconnect(self, timeout: float = 0.0, interval: float = 0.1) -> None:
        """Close and reopen the same URL; retry until `timeout` (a board that is being
        re-plugged takes a moment to enumerate)."""
        self.close()
        deadline = now() + timeout
        while True:
            try:
                self.open()
                return
            except PortLost:
                if now() + interval > deadline:
                    raise
            time.sleep(interval)  # waiting for hardware to come back, not for a thread

    @property
    def framing(self) -> str:
        """What the open port is configured to, as a bench log spells it: "9600 8N1"."""
        port = self._port()
        return f"{port.baudrate} {port.bytesize}{port.parity}{port.stopbits:g}"

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def __enter__(self) -> Self:
        return self.open()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- I/O -------------------------------------------------------------------------

    def write(self, data: bytes) -> None:
        """All of `data`, or DeadlineExceeded / PortLost."""
        port = self._port()
        # No flush(): on POSIX it is tcdrain(), which has no timeout.
        self._guard(lambda: port.write(data), f"write {len(data)} bytes")

    def read(self, size: int = 1, timeout: float | None = None) -> bytes:
        """Up to `size` bytes: what has arrived at once (even with timeout 0), else the
        first bytes to arrive before the deadline, else b"".

        The port's own timeout is READ_SLICE for its whole life (set at open: changing
        it reconfigures the port, an RFC 2217 round trip over ser2net), so a wait can
        run up to one slice past a shorter deadline.
        """
        if self._pending:
            data = bytes(self._pending[:size])
            del self._pending[:size]
            return data
        port = self._port()
        deadline = now() + (self.read_timeout if timeout is None else timeout)
        while True:
            waiting = self._guard(lambda: port.in_waiting, "poll")
            if waiting or deadline - now() > 0:
                want = max(1, min(size, waiting))
                data = self._guard(lambda: port.read(want), "read")  # noqa: B023 - called at once
                if data:
                    return data
            if deadline - now() <= 0:
                return b""

    def read_until(
        self, terminator: bytes = b"\n", timeout: float | None = None, max_bytes: int = MAX_LINE
    ) -> bytes:
        """Bytes up to and including `terminator`, or DeadlineExceeded with what came.

        A line longer than `max_bytes` (terminator not counted) is a FramingError however
        its bytes arrive, in one burst or trickled; the bytes after its terminator stay
        for the next read."""
        wait = self.read_timeout if timeout is None else timeout
        deadline = now() + wait
        buffer = bytearray()
        while terminator not in buffer:
            if len(buffer) > max_bytes:
                raise self._too_long(terminator, max_bytes, f"{len(buffer)} bytes without it")
            left = deadline - now()
            if left <= 0:
                raise DeadlineExceeded(
                    f"expected {terminator!r} from {self.url} within {wait:g} s, "
                    f"found {bytes(buffer)!r}"
                )
            buffer += self.read(MAX_LINE, timeout=left)
        line_bytes = buffer.index(terminator)
        end = line_bytes + len(terminator)
        self._pending[:0] = buffer[end:]
        if line_bytes > max_bytes:
            raise self._too_long(terminator, max_bytes, f"a line of {line_bytes} bytes")
        return bytes(buffer[:end])

    def _too_long(self, terminator: bytes, max_bytes: int, found: str) -> FramingError:
        return FramingError(
            f"expected {terminator!r} within {max_bytes} bytes from {self.url}, found {found}"
        )

    def read_line(self, timeout: float | None = None) -> str:
        """One "\\n"-terminated ASCII line without its "\\r\\n"."""
        raw = self.read_until(b"\n", timeout=timeout)
        try:
            return raw.rstrip(b"\r\n").decode("ascii")
        except UnicodeDecodeError:
            raise FramingError(f"expected an ASCII line from {self.url}, found {raw!r}") from None

    def discard_input(self) -> None:
        """Drop whatever arrived unasked (a late answer, keypad noise)."""
        self._pending.clear()
        port = self._port()
        # Read what has arrived rather than reset_input_buffer(): over RFC 2217 that is a
        # purge negotiated with the server, a round trip polled in 50 ms steps.
        waiting = self._guard(lambda: port.in_waiting, "poll")
        if waiting:
            self._guard(lambda: port.read(waiting), "discard input")

    # -- plumbing --------------------------------------------------------------------

    def _port(self) -> _Pyserial:
        if self._serial is None:
            raise PortLost(f"expected an open port at {self.url}, found it closed")
        return self._serial

    def _guard(self, action: Callable[[], T], what: str) -> T:
        """Run one pyserial call, turning its failures into serial-link errors."""
        try:
            return action()
        except serial.SerialTimeoutException as exc:
            raise DeadlineExceeded(
                f"expected to {what} on {self.url} within {self.write_timeout:g} s, "
                f"found the board not accepting data"
            ) from exc
        except PORT_FAILURES as exc:
            raise PortLost(f"expected to {what} on {self.url}, found the port gone: {exc}") from exc
