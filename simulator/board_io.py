"""The virtual board's I/O parts: a PTY pair that behaves like a plugged-in serial
device, and a pacer that holds bytes for their wire time at the configured baud rate."""

from __future__ import annotations

import contextlib
import os
import shutil
import time
import tty
from collections import deque
from collections.abc import Callable

BITS_PER_BYTE = 10  # start + 8 data + stop (8N1)
MAX_BAUDRATE = 4_000_000  # the fastest UART of a fixture board: pos-board and rig files
READ_CHUNK = 256


def now() -> float:
    """Real monotonic time: freezegun patches time.monotonic, not clock_gettime."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)


def wire_time(byte_count: int, baudrate: int) -> float:
    """Seconds a UART needs for byte_count bytes at baudrate (8N1)."""
    return byte_count * BITS_PER_BYTE / baudrate


class WirePacer:
    """Holds bytes until the wire would have delivered them (no holding when unpaced).

    One pacer per direction of a wire: bytes queue behind the ones still on it, so a
    burst arrives at the baud rate, and each chunk is released when its last byte
    would have arrived.
    """

    def __init__(self, baudrate: int, paced: bool, clock: Callable[[], float] = now) -> None:
        self.byte_time = wire_time(1, baudrate) if paced else 0.0
        self.clock = clock
        self.queue: deque[tuple[float, bytes]] = deque()
        self.wire_free = 0.0
        self.released_at = clock()  # when the last released byte arrived
        self.carried = 0  # bytes put on this wire since it was made

    def put(self, data: bytes, not_before: float = 0.0) -> None:
        """Queue `data` behind what is on the wire, starting no earlier than
        `not_before` (a reply that must follow bytes on another wire)."""
        if data:
            self.carried += len(data)
            start = max(self.clock(), self.wire_free, not_before)
            self.wire_free = start + len(data) * self.byte_time
            self.queue.append((self.wire_free, data))

    def take_due(self) -> bytes:
        out = b""
        due = self.clock()
        while self.queue and self.queue[0][0] <= due:
            self.released_at, chunk = self.queue.popleft()
            out += chunk
        return out

    def next_due(self) -> float | None:
        return self.queue[0][0] if self.queue else None

    def clear(self) -> None:
        self.queue.clear()


def link_target(slave: int) -> str:
    """What a board's path points at: this process's handle on the PTY's slave.

    Not /dev/pts/N: the kernel hands a freed N to the next PTY opened, so a link to it
    left by a killed board (SIGKILL runs no cleanup) would reach another board. The
    /proc/<pid>/fd/<fd> link opens the same device while this process holds it, and
    vanishes with the process, so a stale path fails to open (no such file).
    """
    return f"/proc/{os.getpid()}/fd/{slave}"


BOARD_DIR_PREFIX = "pos-board-"
PORT_NAMES = ("display", "control")


def _owner_gone(link: str) -> bool:
    """Whether a board path's link names the fd of a process that no longer exists."""
    try:
        target = os.readlink(link)
    except OSError:
        return False
    parts = target.split("/")  # "", "proc", pid, "fd", fd
    if len(parts) != 5 or parts[1] != "proc" or parts[3] != "fd" or not parts[2].isdigit():
        return False
    return not os.path.exists(f"/proc/{parts[2]}")


def sweep_dead_boards(folder: str) -> list[str]:
    """Remove the path folders that killed boards left in `folder`; returns them.

    A folder is a dead board's only if it holds nothing but board paths and each links
    to the fd of a process that is gone; anything else is left alone.
    """
    removed = []
    for name in sorted(os.listdir(folder)):
        path = os.path.join(folder, name)
        if not name.startswith(BOARD_DIR_PREFIX) or os.path.islink(path):
            continue
        try:
            entries = os.listdir(path)
        except OSError:
            continue
        links = [os.path.join(path, entry) for entry in entries]
        if not entries or not all(entry in PORT_NAMES for entry in entries):
            continue
        if all(os.path.islink(link) and _owner_gone(link) for link in links):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed


class PtyPort:
    """One PTY pair in raw mode; the slave stays open here so the master never hangs up."""

    def __init__(self, link: str) -> None:
        self.link = link
        self.master = -1
        self.slave = -1
        self.device = ""
        self.pending_out = b""
        self.open()

    def open(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        os.set_blocking(self.master, False)
        self.device = os.ttyname(self.slave)
        temp_link = self.link + ".new"
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_link)
        os.symlink(link_target(self.slave), temp_link)
        os.replace(temp_link, self.link)

    @property
    def is_open(self) -> bool:
        return self.master >= 0

    def close(self) -> None:
        """Hang up: the host's open handle now fails as on a pulled USB cable.

        The path goes first: once the slave's fd number is free, another board in this
        process may get it, and the path must not lead there even for a moment.
        """
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.link)
        for fd in (self.master, self.slave):
            if fd >= 0:
                os.close(fd)
        self.master = self.slave = -1
        self.pending_out = b""

    def read(self) -> bytes:
        try:
            return os.read(self.master, READ_CHUNK)
        except (BlockingIOError, InterruptedError):
            return b""

    def send(self, data: bytes) -> None:
        """Queue and write what the PTY takes now; the rest waits for writability."""
        self.pending_out += data
        self.flush()

    def flush(self) -> None:
        if not self.pending_out or not self.is_open:
            return
        try:
            written = os.write(self.master, self.pending_out)
        except (BlockingIOError, InterruptedError):
            return
        self.pending_out = self.pending_out[written:]
