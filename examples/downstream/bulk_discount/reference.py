"""What bulk_discount must compute, written from its description, not from its source:
10% off from 10 items, 20% off from 100 items, at any hour.

The rig calls `price(count, unit_price, hour)` for each sale it checks, and
`price_plane` for whole planes of the declared domain (every count by every unit price
at one hour: 24 million cases in all; one Python call per case would take half a
minute), checking the two against each other on a sample of each plane. Arithmetic is
the module's: count x unit price wraps around at 32 bits, and integer division
truncates toward zero.
"""

I32_MIN = -(2**31)


def wrap_i32(value: int) -> int:
    return (value - I32_MIN) % 2**32 + I32_MIN


def truncating_div(value: int, divisor: int) -> int:
    quotient = abs(value) // divisor
    return quotient if value >= 0 else -quotient


def price(count: int, unit_price: int, hour: int) -> int:
    total = wrap_i32(count * unit_price)
    if count >= 100:
        return total - truncating_div(total, 5)
    if count >= 10:
        return total - truncating_div(total, 10)
    return total


def price_plane(counts, unit_prices, hour):
    """`price` for every count (rows) by every unit price (columns), in numpy."""
    total = counts[:, None] * unit_prices[None, :]
    total = (total - I32_MIN) % 2**32 + I32_MIN

    def truncating(divisor):
        return (abs(total) // divisor) * ((total > 0) * 2 - 1) * (total != 0)

    by_count = counts[:, None]
    return (
        total
        - (by_count >= 100) * truncating(5)
        - ((by_count >= 10) & (by_count < 100)) * truncating(10)
    )
