"""The module specifications, shared with the HIL suite (hil/reference.py holds them)."""

from hil.reference import (
    I32_MAX,
    I32_MIN,
    SPECS,
    expected,
    f32_to_i32,
    to_f32,
    v1,
    v2,
    v3,
    v4,
    wrap_i32,
)

__all__ = [
    "I32_MAX",
    "I32_MIN",
    "SPECS",
    "expected",
    "f32_to_i32",
    "to_f32",
    "v1",
    "v2",
    "v3",
    "v4",
    "wrap_i32",
]
