"""The declared sweep grids: which (count, unit price) pairs every hour is swept with.

The default grid is small enough for `pytest hil/` on virtual boards in CI and still
holds every boundary: 0, 1, the guard edges 100/101 (at full price and, through
201/202 items, at half price), a half-price rounding case, and a pair whose product
overflows i32 (65536 x 65536 wraps to exactly 0, a price the guard would accept if the
firmware let it through). The full grid is for qualification and real boards.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import product

# Every hour of the day, as the terminal's clock gives it to price_func.
HOURS_OF_DAY = range(24)

DEFAULT_PAIRS: tuple[tuple[int, int], ...] = (
    (0, 999),
    (1, 0),
    (1, 10),
    (3, 7),
    (1, 100),
    (1, 101),
    (201, 1),
    (202, 1),
    (65536, 65536),
)

_FULL_COUNTS = (0, 1, 2, 3, 10, 11, 99, 100, 101, 200, 201, 202, 203, 999, 1000)
_FULL_UNIT_PRICES = (0, 1, 7, 10, 50, 99, 100, 101, 999, 1000)
# Products past I32_MAX: wraps to 0, to a negative price, and the widest typeable entry.
_OVERFLOW_PAIRS = ((65536, 65536), (46341, 46341), (999_999_999, 999_999_999))


@dataclass(frozen=True)
class Grid:
    """A named set of sale inputs, each swept at every hour in `hours`."""

    name: str
    pairs: tuple[tuple[int, int], ...]
    hours: tuple[int, ...] = tuple(HOURS_OF_DAY)

    def __len__(self) -> int:
        return len(self.pairs) * len(self.hours)


DEFAULT_GRID = Grid("default", DEFAULT_PAIRS)
FULL_GRID = Grid("full", tuple(product(_FULL_COUNTS, _FULL_UNIT_PRICES)) + _OVERFLOW_PAIRS)


def grid_for(full: bool) -> Grid:
    return FULL_GRID if full else DEFAULT_GRID
