"""The terminal's local clock: the hour that time-of-day pricing depends on.

The default looks `datetime.now` up at call time, so freezegun (tests) and an injected
clock (simulator, HIL) control the hour without the firmware knowing about either.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable

from firmware_host.errors import InvalidInput

Clock = Callable[[], _dt.datetime]


def local_now() -> _dt.datetime:
    """Local wall-clock time, as the terminal's shop sees it."""
    return _dt.datetime.now()


def fixed(moment: _dt.datetime) -> Clock:
    """A clock stopped at `moment`: for simulators and replaying a journaled sale."""
    return lambda: moment


def hour(clock: Clock = local_now) -> int:
    return clock().hour


class AdjustableClock:
    """A clock the operator can set, kept as an offset from a base clock.

    An offset keeps the clock running after it is set, as a shop clock does, and with no
    offset it is the base itself (freezegun, or an injected clock), so setting the hour
    to try off-peak or happy-hour pricing never stops time.
    """

    def __init__(self, base: Clock = local_now) -> None:
        self.base = base
        self.offset = _dt.timedelta(0)

    def __call__(self) -> _dt.datetime:
        return self.base() + self.offset

    @property
    def adjusted(self) -> bool:
        return self.offset != _dt.timedelta(0)

    def set_hour(self, hour: int) -> None:
        """Move to `hour` of the same day, keeping minutes and seconds."""
        if isinstance(hour, bool) or not 0 <= hour <= 23:
            raise InvalidInput("hour", 0, 23, hour)
        self.offset += _dt.timedelta(hours=hour - self().hour)

    def step(self, hours: int) -> None:
        self.offset += _dt.timedelta(hours=hours)

    def follow_base(self) -> None:
        """Drop the adjustment: the clock is the base clock again."""
        self.offset = _dt.timedelta(0)
