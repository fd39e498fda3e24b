"""The firmware's RFC 8785 code against the `rfc8785` package, on generated JSON values.

Both must write the same bytes, or both refuse (lone surrogates, non-finite numbers,
integers past 2^53 - 1); and a canonical form parsed back is its own canonical form.
"""

from __future__ import annotations

import json
from typing import Any

import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from firmware_host.canonical import canonicalize
from firmware_host.errors import NotCanonical
from tests.props import json_values, share

values = json_values | st.floats() | st.dictionaries(st.text(), json_values, max_size=6)


@given(value=values)
@example(value={"\U0001f600": 1, "\ufb33": 2, "\u20ac": 3, "\r": 4, "\ud800": 5})
@example(value=[5e-324, 1e21, 1e-7, 9007199254740991, -0.0, 333333333.33333329])
@share(0.03)
def test_the_firmware_writes_what_the_reference_writes(value: Any) -> None:
    try:
        reference = rfc8785.dumps(value)
    # The reference sorts member names before it checks them: a lone surrogate in a name
    # comes out of it as UnicodeEncodeError rather than its CanonicalizationError.
    except (rfc8785.CanonicalizationError, UnicodeEncodeError):
        try:
            canonicalize(value)
        except NotCanonical:
            return
        raise AssertionError(f"the reference refuses {value!r}, the firmware does not") from None
    assert canonicalize(value) == reference


@given(value=json_values)
@share(0.02)
def test_a_canonical_form_is_its_own_canonical_form(value: Any) -> None:
    """Read back as JCS reads numbers (doubles: 2.0**53 is written 9007199254740992)."""
    try:
        once = canonicalize(value)
    except NotCanonical:
        return
    assert canonicalize(json.loads(once, parse_int=float)) == once
