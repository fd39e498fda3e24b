"""Shared pieces of the property tests (tests/test_props_*.py): budgets and strategies.

`share(f)` gives a test a fraction of the loaded profile's examples (conftest.py), so a
test that compiles modules or writes to disk runs fewer examples than a pure parser
without any test naming absolute numbers. The strategies reach what a hostile or a
careless sender produces: any Unicode including lone surrogates, integers far past
64 bits, non-finite floats, and JSON that is almost a valid document.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import settings
from hypothesis import strategies as st

from firmware_host.config import KNOWN_FIELDS


def share(fraction: float) -> settings:
    """This test's part of the profile's example budget."""
    current = settings()
    return settings(current, max_examples=max(10, round(current.max_examples * fraction)))


# Any code point, lone surrogates included (Hypothesis leaves them out by default).
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
# Integers around every boundary the firmware has: i32, 2^53, i64 and far past them.
edges = [2**31, 2**53, 2**63, 2**64]
big_integers = st.one_of(
    st.integers(),
    st.sampled_from([e + d for e in edges for d in (-1, 0, 1)] + [-(e + 1) for e in edges]),
    st.integers(min_value=-(10**400), max_value=10**400),
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    big_integers,
    st.floats(allow_nan=False, allow_infinity=False),
    any_text,
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(any_text, inner, max_size=4),
    max_leaves=8,
)


def encode(value: Any, *, ascii_only: bool) -> bytes:
    """JSON bytes as a sender might write them; lone surrogates as escapes or raw bytes."""
    return json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass")


# A document's fields (and others) with any JSON values: near misses of a real document.
document_like = st.dictionaries(st.sampled_from(KNOWN_FIELDS) | any_text, json_values, max_size=12)


def edited(raw: bytes, script: bytes) -> bytes:
    """`raw` edited by a script of 4-byte steps: operation, position (2 bytes), byte.

    One binary draw drives every edit, so the fuzz run spends its time in the parser
    rather than in drawing many small values.
    """
    out = bytearray(raw)
    for step in range(0, len(script) - 3, 4):
        op, high, low, byte = script[step : step + 4]
        at = ((high << 8) | low) % (len(out) + 1)
        if op % 3 == 0 and at < len(out):
            out[at] = byte
        elif op % 3 == 1:
            out.insert(at, byte)
        elif at < len(out):
            del out[at]
    return bytes(out)
