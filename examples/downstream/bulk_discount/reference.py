"""What bulk_discount must compute, written from its description, not from its source:
10% off from 10 items, 20% off from 100 items, at any hour.

The rig calls `price(count, unit_price, hour)` for every sale it checks; arithmetic is
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
