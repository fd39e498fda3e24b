"""The built-in modules' rules, written by hand from their descriptions, independently
of the Rust sources and of the price tables in their manifests.

The unit tests compare the built modules, and the manifests' declared tables, with these
functions: a module or a table that drifts from what v1-v4 are meant to do fails here,
even if the other one was changed to match it.
"""

from __future__ import annotations

import math
import struct
from collections.abc import Callable

I32_MIN, I32_MAX = -(2**31), 2**31 - 1


def wrap_i32(value: int) -> int:
    """count * unit_price as a Rust release build computes it: wrapping at 32 bits."""
    return (value - I32_MIN) % 2**32 + I32_MIN


def to_f32(value: float) -> float:
    """Rust's `as f32`: round to the nearest single-precision float."""
    result: float = struct.unpack("<f", struct.pack("<f", float(value)))[0]
    return result


def f32_to_i32(value: float) -> int:
    """Rust's `as i32` from a float: truncate toward zero, saturate, NaN to 0."""
    if math.isnan(value):
        return 0
    return max(I32_MIN, min(I32_MAX, math.trunc(value)))


def _half(price: int) -> int:
    return f32_to_i32(to_f32(price) * 0.5)


def v1(count: int, unit_price: int) -> int:
    """Launch: count x unit price."""
    return wrap_i32(count * unit_price)


def v2(count: int, unit_price: int, hour: int) -> int:
    """Off-peak: full price when 11 < hour < 24, else half."""
    price = wrap_i32(count * unit_price)
    return price if 11 < hour < 24 else _half(price)


def v3(count: int, unit_price: int, hour: int) -> int:
    """Happy hour: full price when 11 < hour < 14 or 16 < hour < 24, else half."""
    price = wrap_i32(count * unit_price)
    return price if 11 < hour < 14 or 16 < hour < 24 else _half(price)


def v4(count: int, unit_price: int, hour: int) -> float:
    """The v3 rule returning f32."""
    price = to_f32(wrap_i32(count * unit_price))
    return price if 11 < hour < 14 or 16 < hour < 24 else to_f32(price * 0.5)


SPECS: dict[str, Callable[..., float]] = {"v1": v1, "v2": v2, "v3": v3, "v4": v4}


def expected(version: str, count: int, unit_price: int, hour: int) -> float:
    """The specified result of `version` whatever its arity (v1 ignores the hour)."""
    if version == "v1":
        return v1(count, unit_price)
    return SPECS[version](count, unit_price, hour)
