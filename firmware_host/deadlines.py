"""The clock every I/O deadline is measured with.

CLOCK_MONOTONIC through `time.clock_gettime`, which freezegun leaves alone: tests freeze
the wall clock and `time.monotonic` for the pricing logic, and a deadline on a serial
port or a child process must still expire in real time. A module of its own, so a
deadline can be kept without importing pyserial.
"""

from __future__ import annotations

import time


def now() -> float:
    """Real monotonic seconds, unaffected by freezegun."""
    return time.clock_gettime(time.CLOCK_MONOTONIC)
