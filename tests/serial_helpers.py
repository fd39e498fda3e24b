"""Real PTY pairs for host-side serial tests, read with deadlines (no tests here)."""

from __future__ import annotations

import os
import select
import time
import tty
from collections.abc import Iterator
from contextlib import contextmanager, suppress


@contextmanager
def pty_pair() -> Iterator[tuple[int, str]]:
    """(master fd, slave path): the test plays the board on the master side."""
    master, slave = os.openpty()
    tty.setraw(master)
    path = os.ttyname(slave)
    try:
        yield master, path
    finally:
        for fd in (master, slave):
            with suppress(OSError):
                os.close(fd)


def read_exactly(fd: int, count: int, timeout: float = 2.0) -> bytes:
    """`count` bytes from fd, or AssertionError with what came by the deadline."""
    deadline = time.clock_gettime(time.CLOCK_MONOTONIC) + timeout
    data = b""
    while len(data) < count:
        left = deadline - time.clock_gettime(time.CLOCK_MONOTONIC)
        ready, _, _ = select.select([fd], [], [], max(0.0, left))
        if not ready:
            raise AssertionError(f"expected {count} bytes within {timeout} s, got {data!r}")
        data += os.read(fd, count - len(data))
    return data
