"""RFC 8785 canonical form: the RFC's own examples, byte for byte.

The expected bytes are the RFC's (section 3.2.2, section 3.2.3 and the number samples
of Appendix B), not outputs of the code under test; tests/test_props_canonical.py
compares with the `rfc8785` package on generated values.
"""

from __future__ import annotations

import json
import struct

import pytest

from firmware_host.canonical import canonicalize
from firmware_host.errors import NotCanonical


def test_the_rfc_example_of_section_3_2_2() -> None:
    parsed = json.loads(
        '{"numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001],'
        ' "string": "\\u20ac$\\u000F\\u000aA\'\\u0042\\u0022\\u005c\\\\\\"\\/",'
        ' "literals": [null, true, false]}'
    )
    expected = (
        '{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],'
        '"string":"\u20ac$\\u000f\\nA\'B\\"\\\\\\\\\\"/"}'
    )
    assert canonicalize(parsed) == expected.encode("utf-8")


def test_the_rfc_sorting_example_of_section_3_2_3() -> None:
    """Member names sort by UTF-16 code units: the emoji's surrogates come before U+FB33."""
    parsed = json.loads(
        '{"\\u20ac": "Euro Sign", "\\r": "Carriage Return", '
        '"\\ufb33": "Hebrew Letter Dalet With Dagesh", "1": "One", '
        '"\\ud83d\\ude00": "Emoji: Grinning Face", "\\u0080": "Control", '
        '"\\u00f6": "Latin Small Letter O With Diaeresis"}'
    )
    values = list(json.loads(canonicalize(parsed)).values())
    assert values == [
        "Carriage Return",
        "One",
        "Control",
        "Latin Small Letter O With Diaeresis",
        "Euro Sign",
        "Emoji: Grinning Face",
        "Hebrew Letter Dalet With Dagesh",
    ]


# RFC 8785 Appendix B: IEEE 754 bit patterns and the text ECMAScript writes for them.
APPENDIX_B = [
    ("0000000000000000", "0"),
    ("8000000000000000", "0"),
    ("0000000000000001", "5e-324"),
    ("8000000000000001", "-5e-324"),
    ("7fefffffffffffff", "1.7976931348623157e+308"),
    ("ffefffffffffffff", "-1.7976931348623157e+308"),
    ("4340000000000000", "9007199254740992"),
    ("c340000000000000", "-9007199254740992"),
    ("4430000000000000", "295147905179352830000"),
    ("44b52d02c7e14af5", "9.999999999999997e+22"),
    ("44b52d02c7e14af6", "1e+23"),
    ("44b52d02c7e14af7", "1.0000000000000001e+23"),
    ("444b1ae4d6e2ef4e", "999999999999999700000"),
    ("444b1ae4d6e2ef4f", "999999999999999900000"),
    ("444b1ae4d6e2ef50", "1e+21"),
    ("3eb0c6f7a0b5ed8c", "9.999999999999997e-7"),
    ("3eb0c6f7a0b5ed8d", "0.000001"),
    ("41b3de4355555553", "333333333.3333332"),
    ("41b3de4355555554", "333333333.33333325"),
    ("41b3de4355555555", "333333333.3333333"),
    ("41b3de4355555556", "333333333.3333334"),
    ("41b3de4355555557", "333333333.33333343"),
    ("becbf647612f3696", "-0.0000033333333333333333"),
    ("43143ff3c1cb0959", "1424953923781206.2"),
]


def double(bits: str) -> float:
    value: float = struct.unpack(">d", bytes.fromhex(bits))[0]
    return value


@pytest.mark.parametrize(("bits", "text"), APPENDIX_B)
def test_the_rfc_number_samples_of_appendix_b(bits: str, text: str) -> None:
    assert canonicalize(double(bits)) == text.encode("ascii")


@pytest.mark.parametrize("bits", ["7fffffffffffffff", "7ff0000000000000"])
def test_nan_and_infinity_have_no_canonical_form(bits: str) -> None:
    with pytest.raises(NotCanonical) as caught:
        canonicalize(double(bits))
    assert str(caught.value).startswith("canonical form: expected a finite number, found ")


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (
            "a\udc00",
            "canonical form: expected Unicode text, found a lone surrogate U+DC00 at index 1",
        ),
        (
            {"\ud800": 1},
            "canonical form: expected Unicode text, found a lone surrogate U+D800 at index 0",
        ),
        (
            2**53,
            "canonical form: expected an integer within +-9007199254740991 (exact as a JSON "
            "number), found 9007199254740992",
        ),
        (b"raw", "canonical form: expected a JSON value, found bytes"),
        ({1: 2}, "canonical form: expected member names that are strings, found int"),
    ],
)
def test_values_without_a_canonical_form_are_refused(value: object, message: str) -> None:
    with pytest.raises(NotCanonical) as caught:
        canonicalize(value)
    assert str(caught.value) == message


def test_integers_and_equal_floats_share_one_form() -> None:
    """0 vs 0.0 and 1e-07 vs 1e-7 differed in the legacy form; in JCS they cannot."""
    assert canonicalize({"tax": 0.0}) == canonicalize({"tax": 0}) == b'{"tax":0}'
    assert canonicalize(1e-07) == b"1e-7"
    assert canonicalize(2**53 - 1) == b"9007199254740991"
    assert canonicalize(-(2**53) + 1) == b"-9007199254740991"
