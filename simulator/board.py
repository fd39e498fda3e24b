"""A virtual fixture board on real PTYs, so the host uses the same serial path as hardware.

The board core (boardcore) does the protocol work; this module only moves
bytes between it and two PTY pairs (display port, control port), optionally a TCP
listener (so a `socket://` URL reaches the display port) and, when paced, a pacer per
direction of each channel that holds bytes for their wire time at the configured baud
rate, so a run against a paced board takes the time a bench's would. It also keeps the
display port's clock the core does not have: how long the display has been quiet, in
character times, which a READ <n> waits on. One thread serves everything
with select(); other threads talk to it under a lock, and anything that closes or
reopens a file descriptor runs on that thread, so no fd is closed under a select().

Device paths are symlinks in a private folder, so `display_path` stays the same across
unplug()/replug(), as /dev/ttyUSB0 does when the same board is plugged back in. They
point at the board process's own handle on the PTY (board_io.PtyPort), so a path left
behind by a killed board leads nowhere instead of to whichever board gets that PTY
number next; the next board started removes such leftovers.
"""

from __future__ import annotations

import contextlib
import os
import select
import shutil
import socket
import tempfile
import threading
from collections import deque
from collections.abc import Callable
from types import TracebackType

from boardcore.board import Board
from boardcore.control import MAX_QUIET
from boardlink.errors import RigError
from firmware_host.errors import DeadlineExceeded
from firmware_host.keys import Key
from simulator.board_io import (
    BOARD_DIR_PREFIX,
    READ_CHUNK,
    PtyPort,
    WirePacer,
    now,
    sweep_dead_boards,
    wire_time,
)

__all__ = ["VirtualBoard", "wire_time"]

STOP_DEADLINE_S = 2.0
CALL_DEADLINE_S = 2.0
DRAIN_READS = 16  # reads of a port per loop turn; more waits for the next turn


def _listen(tcp_port: int | None) -> socket.socket | None:
    """The display port's TCP listener on 127.0.0.1 (port 0: any free port), if asked."""
    if tcp_port is None:
        return None
    try:
        listener = socket.create_server(("127.0.0.1", tcp_port))
    except OSError as exc:
        raise RigError(
            f"expected TCP port {tcp_port} on 127.0.0.1 free for the virtual board, "
            f"found it refused: {exc.strerror}"
        ) from exc
    listener.setblocking(False)
    return listener


class VirtualBoard:
    """A fixture board (display port + control port) served from a thread on real PTYs."""

    def __init__(
        self,
        protocol: str = "epson",
        *,
        baudrate: int = 9600,
        pace: bool = False,
        tcp_port: int | None = None,
        rows: int = 2,
        cols: int = 20,
        serial: str = "VB0001",
    ) -> None:
        if baudrate <= 0:
            raise ValueError(f"baudrate must be positive, got {baudrate}")
        self.protocol = protocol
        self.baudrate = baudrate
        self._board = Board(protocol, rows, cols, model="VirtualBoard", serial=serial)
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._calls: deque[tuple[Callable[[], None], threading.Event]] = deque()
        self._control_silent = False
        # One pacer per wire direction: display in (host -> board, PTY or TCP), display
        # out (keypad codes), control in (requests), control out (answers).
        self._display_in = WirePacer(baudrate, pace)
        self._display_out = WirePacer(baudrate, pace)
        self._control_in = WirePacer(baudrate, pace)
        self._control_out = WirePacer(baudrate, pace)
        self._pacers = (self._display_in, self._display_out, self._control_in, self._control_out)
        self._display_pending = False  # the last drain of the display PTY left bytes
        self._client: socket.socket | None = None
        with contextlib.ExitStack() as undo:  # a failure part-way releases what was made
            self._listener = _listen(tcp_port)
            if self._listener is not None:
                undo.callback(self._listener.close)
            self.tcp_port = None if self._listener is None else self._listener.getsockname()[1]
            self._wake_r, self._wake_w = os.pipe()
            undo.callback(os.close, self._wake_r)
            undo.callback(os.close, self._wake_w)
            os.set_blocking(self._wake_r, False)
            sweep_dead_boards(tempfile.gettempdir())  # paths a killed board left behind
            self._dir = tempfile.mkdtemp(prefix=BOARD_DIR_PREFIX)
            undo.callback(shutil.rmtree, self._dir, ignore_errors=True)
            self._display = PtyPort(os.path.join(self._dir, "display"))
            undo.callback(self._display.close)
            self._control = PtyPort(os.path.join(self._dir, "control"))
            undo.pop_all()
        self._thread = threading.Thread(target=self._serve, name="virtual-board", daemon=True)

    # -- lifecycle ----------------------------------------------------------------------

    @property
    def display_path(self) -> str:
        return self._display.link

    @property
    def control_path(self) -> str:
        return self._control.link

    @property
    def tcp_url(self) -> str | None:
        return None if self.tcp_port is None else f"socket://127.0.0.1:{self.tcp_port}"

    def start(self) -> VirtualBoard:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and release every fd; raises if the thread will not stop in time."""
        self._stop.set()
        self._wake()
        if self._thread.is_alive():
            self._thread.join(STOP_DEADLINE_S)
            if self._thread.is_alive():
                raise DeadlineExceeded(
                    f"expected the virtual board thread to stop within {STOP_DEADLINE_S} s, "
                    "found it still running"
                )
        self._close_all()

    def __enter__(self) -> VirtualBoard:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- what a person or a test does to the board --------------------------------------

    def press(self, key: Key | str) -> None:
        """A physical key press: its code goes to the host on the display port."""
        with self._lock:
            self._board.press(key.value if isinstance(key, Key) else key)
        self._wake()

    def cells(self) -> list[bytes]:
        """The code-page bytes each row shows now."""
        with self._lock:
            return [self._board.cells.row_bytes(row) for row in range(self._board.cells.rows)]

    def text(self) -> list[str]:
        """The rows as text, decoded from the display's code page (PC437)."""
        return [row.decode("cp437") for row in self.cells()]

    def cursor(self) -> tuple[int, int]:
        with self._lock:
            return self._board.cells.cursor()

    def unplug(self) -> None:
        """The board goes away: both PTYs hang up and their paths disappear."""
        self._in_loop(self._unplug)

    def replug(self) -> None:
        """The board comes back at the same paths, freshly powered on."""
        self._in_loop(self._replug)

    def wire_bytes(self) -> dict[str, int]:
        """Bytes each direction of each channel has carried since the board was made
        (what a run put on the wires, for measuring it against their wire time)."""
        names = ("display in", "display out", "control in", "control out")
        return {name: pacer.carried for name, pacer in zip(names, self._pacers, strict=True)}

    def stop_answering_control(self) -> None:
        """Fault injection: the control channel keeps reading but never answers again."""
        self._control_silent = True

    def resume_answering_control(self) -> None:
        self._control_silent = False

    # -- the serving thread -------------------------------------------------------------

    def _wake(self) -> None:
        with contextlib.suppress(OSError):
            os.write(self._wake_w, b"\0")

    def _in_loop(self, action: Callable[[], None]) -> None:
        if not self._thread.is_alive():
            action()
            return
        done = threading.Event()
        self._calls.append((action, done))
        self._wake()
        if not done.wait(CALL_DEADLINE_S):
            raise DeadlineExceeded(
                f"expected the virtual board thread to act within {CALL_DEADLINE_S} s, "
                "found no answer"
            )

    def _unplug(self) -> None:
        self._display.close()
        self._control.close()
        self._drop_client()
        for pacer in self._pacers:
            pacer.clear()

    def _replug(self) -> None:
        if not self._display.is_open:
            self._display.open()
        if not self._control.is_open:
            self._control.open()
        with self._lock:
            self._board.power_on()

    def _serve(self) -> None:
        while not self._stop.is_set():
            readable, writable = self._wait()
            # Empty the wake pipe before running the queued calls, never after: a call
            # queued after the calls ran would otherwise lose its wake-up byte and wait
            # for the next unrelated event (forever on an idle board).
            if self._wake_r in readable:
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 64)
            self._run_calls()
            self._pump_tcp(readable)
            self._pump_display(readable)
            self._pump_control(readable)
            self._emit_display(self._display_out.take_due())
            if self._control.is_open:
                self._control.send(self._control_out.take_due())
            for port in (self._display, self._control):
                if port.master in writable:
                    port.flush()

    def _wait(self) -> tuple[list[int], list[int]]:
        ports = [port for port in (self._display, self._control) if port.is_open]
        read_fds = [self._wake_r] + [port.master for port in ports]
        for sock in (self._listener, self._client):
            if sock is not None:
                read_fds.append(sock.fileno())
        write_fds = [port.master for port in ports if port.pending_out]
        dues = [due for pacer in self._pacers if (due := pacer.next_due()) is not None]
        held = self._quiet_due()
        if held is not None:
            dues.append(held)
        timeout = max(0.0, min(dues) - now()) if dues else None
        readable, writable, _ = select.select(read_fds, write_fds, [], timeout)
        return readable, writable

    def _quiet(self) -> int:
        """Character times the display port has received nothing, up to MAX_QUIET.

        Unpaced, a character takes no time: once the display's input is all taken the
        display is as quiet as any READ <n> asks.
        """
        pacer = self._display_in
        if pacer.queue or self._display_pending:
            return 0
        if not pacer.byte_time:
            return MAX_QUIET
        chars = (now() - pacer.released_at) / pacer.byte_time
        return min(MAX_QUIET, int(chars + 1e-6))  # not one short by rounding at its due time

    def _quiet_due(self) -> float | None:
        """When the READ <n> the board holds can be answered, if one waits on time alone."""
        with self._lock:
            wanted = self._board.quiet_wanted()
        pacer = self._display_in
        if wanted is None or pacer.queue or self._display_pending or self._control_silent:
            return None
        return pacer.released_at + wanted * pacer.byte_time

    def _run_calls(self) -> None:
        while self._calls:
            action, done = self._calls.popleft()
            try:
                action()
            finally:
                done.set()

    def _pump_display(self, readable: list[int]) -> None:
        if self._display.is_open and self._display.master in readable:
            data, self._display_pending = self._drain(self._display)
            self._display_in.put(data)
        arrived = self._display_in.take_due()
        with self._lock:
            if arrived:
                self._board.receive_display(arrived)
            self._display_out.put(self._board.take_display_output())

    def _pump_control(self, readable: list[int]) -> None:
        if self._control.is_open and self._control.master in readable:
            request, _ = self._drain(self._control)
            if not self._control_silent:
                self._control_in.put(request)
        if self._control_silent:  # not even a READ <n> that was waiting
            return
        arrived = self._control_in.take_due()
        quiet = self._quiet()
        with self._lock:
            if arrived:
                answer = self._board.receive_control(arrived, quiet)
            elif self._board.quiet_wanted() is not None:
                answer = self._board.answer_held(quiet)
            else:
                return
            keys = self._board.take_display_output()
        # A KEY request's code goes out on the display port before its answer starts,
        # as on a board whose UART sends the code before the control reply.
        self._display_out.put(keys)
        self._control_out.put(answer, not_before=self._display_out.wire_free)

    def _drain(self, port: PtyPort) -> tuple[bytes, bool]:
        """What the port holds (up to DRAIN_READS reads), and whether more is waiting."""
        data = b""
        for _ in range(DRAIN_READS):
            try:
                chunk = port.read()
            except OSError:
                return data, False  # the PTY hung up under us; unplug() is the way to lose it
            data += chunk
            if len(chunk) < READ_CHUNK:
                return data, False
        return data, True

    def _emit_display(self, data: bytes) -> None:
        if not data:
            return
        if self._display.is_open:
            self._display.send(data)
        if self._client is not None:
            try:
                self._client.sendall(data)
            except OSError:
                self._drop_client()

    def _pump_tcp(self, readable: list[int]) -> None:
        if self._listener is not None and self._listener.fileno() in readable:
            with contextlib.suppress(BlockingIOError):
                client, _ = self._listener.accept()
                client.settimeout(CALL_DEADLINE_S)  # a host that stops reading cannot hang us
                self._drop_client()  # one host at a time, as on a serial line
                self._client = client
                return
        if self._client is not None and self._client.fileno() in readable:
            try:
                data = self._client.recv(READ_CHUNK)
            except OSError:
                data = b""
            if data:
                self._display_in.put(data)
            else:
                self._drop_client()

    def _drop_client(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _close_all(self) -> None:
        self._display.close()
        self._control.close()
        self._drop_client()
        if self._listener is not None:
            self._listener.close()
            self._listener = None
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)
        self._wake_r = self._wake_w = -1
        shutil.rmtree(self._dir, ignore_errors=True)
