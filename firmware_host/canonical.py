"""RFC 8785 JSON Canonicalization Scheme (JCS): the bytes a document signature covers.

Why our own and not a package: this module runs on the terminal, which may import only
the standard library, wasmtime, cryptography and pyserial. It is small because JSON
values of a parsed document are few kinds, and each rule is the RFC's:

- no whitespace; literals `null`, `true`, `false`;
- strings: `"` and `\\` escaped, U+0008/09/0A/0C/0D as `\\b \\t \\n \\f \\r`, other
  controls below U+0020 as `\\u00xx` (lowercase hex), everything else as UTF-8 as is;
  a lone surrogate has no UTF-8 form and is refused;
- numbers: IEEE 754 doubles written as ECMAScript's Number::toString writes them
  (shortest round-trip digits, exponent form outside 1e-7 < |x| < 1e21, `-0` as `0`);
  integers beyond 2^53 - 1 in magnitude, NaN and infinities are refused;
- objects: members sorted by the UTF-16 code units of their names (big-endian UTF-16
  bytes compare in that order), names unique (the parser already refuses duplicates).

A signer in any language with a JCS library reproduces these bytes exactly.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import Any

from firmware_host.errors import NotCanonical

MAX_SAFE_INTEGER = 2**53 - 1
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\t": "\\t", "\n": "\\n", "\f": "\\f"}
_ESCAPES["\r"] = "\\r"
_ESCAPES.update({chr(c): f"\\u{c:04x}" for c in range(0x20) if chr(c) not in _ESCAPES})
_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def lone_surrogate(text: str) -> int | None:
    """Index of the first lone surrogate in `text` (no UTF-8 form), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return exc.start
    return None


def _string(text: str) -> str:
    index = lone_surrogate(text)
    if index is not None:
        raise NotCanonical(
            f"canonical form: expected Unicode text, found a lone surrogate "
            f"U+{ord(text[index]):04X} at index {index}"
        )
    return '"' + _NEEDS_ESCAPE.sub(lambda m: _ESCAPES[m.group(0)], text) + '"'


def _integer(value: int) -> str:
    if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
        raise NotCanonical(
            f"canonical form: expected an integer within +-{MAX_SAFE_INTEGER} (exact as a "
            f"JSON number), found {value}"
        )
    return str(value)


def _number(value: float) -> str:
    """ECMAScript Number::toString (ECMA-262 7.1.12.1) of a finite double."""
    if not math.isfinite(value):
        raise NotCanonical(f"canonical form: expected a finite number, found {value}")
    if value == 0:
        return "0"  # -0 too
    sign = "-" if value < 0 else ""
    # repr gives the shortest digits that round-trip; ECMAScript names them s (k digits)
    # and n, with value = 0.s * 10**n.
    mantissa, _, exponent = repr(abs(value)).partition("e")
    whole, _, fraction = mantissa.partition(".")
    significant = (whole + fraction).lstrip("0")
    n = len(whole) + int(exponent or 0) - (len(whole + fraction) - len(significant))
    digits = significant.rstrip("0")
    k = len(digits)
    if k <= n <= 21:
        text = digits + "0" * (n - k)
    elif 0 < n <= 21:
        text = f"{digits[:n]}.{digits[n:]}"
    elif -6 < n <= 0:
        text = "0." + "0" * -n + digits
    else:
        fraction_part = f".{digits[1:]}" if k > 1 else ""
        text = f"{digits[0]}{fraction_part}e{n - 1:+d}"
    return sign + text


def _value(value: Any) -> str:
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return _integer(value)
    if isinstance(value, float):
        return _number(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, Mapping):
        return _object(value)
    if isinstance(value, list | tuple):
        return "[" + ",".join(_value(item) for item in value) + "]"
    raise NotCanonical(f"canonical form: expected a JSON value, found {type(value).__name__}")


def _utf16_key(name: str) -> bytes:
    return name.encode("utf-16-be", "surrogatepass")


def _object(members: Mapping[Any, Any]) -> str:
    names = list(members)
    for name in names:
        if not isinstance(name, str):
            raise NotCanonical(
                f"canonical form: expected member names that are strings, found "
                f"{type(name).__name__}"
            )
    ordered = sorted(names, key=_utf16_key)
    return "{" + ",".join(f"{_string(n)}:{_value(members[n])}" for n in ordered) + "}"


def canonicalize(value: Any) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of a JSON value; `NotCanonical` if it has none."""
    return _value(value).encode("utf-8")
