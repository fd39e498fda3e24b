"""The terminal's local clock: the hour that time-of-day pricing depends on.

The default looks `datetime.now` up at call time, so freezegun (tests) and an injected
clock (simulator, HIL) control the hour without the firmware knowing about either.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

Clock = Callable[[], _dt.datetime]


def local_now() -> _dt.datetime:
    """Local wall-clock time, as the terminal's shop sees it."""
    return _dt.datetime.now()


def fixed(moment: _dt.datetime) -> Clock:
    """A clock stopped at `moment`: for simulators and replaying a journaled sale."""
    return lambda: moment


def hour(clock: Clock = local_now) -> int:
    return clock().hour
