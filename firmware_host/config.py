"""Strict parsing of the desired-state document the cloud sends.

The document is one JSON object in UTF-8 with kebab-case field names:

    {"status": "enabled", "language": "EN", "tax": 0.10, "price-func": "<base64 module>",
     "version": 7, "sha256": "<hex>", "release-counter": 3, "expires": "2026-06-01T00:00:00Z",
     "abi": "current", "key-id": "ops-2026", "canonicalization": "rfc8785",
     "signature": "<base64 Ed25519 signature>"}

The first four fields are the cloud's original document; the rest are the safety fields.
Outside development mode every safety field except `abi` and `canonicalization` is
required (a missing `abi` means the firmware's own, a missing `canonicalization` the
legacy signed form, see signing.py). In development mode (an explicit flag, never read from the
document) the four-field document is accepted as is; safety fields that are present are
still parsed strictly, and a signature that is present must still verify.

Why so strict: the document crosses a trust boundary, so every cap is checked before
any decoding (a huge base64 string is refused before it is decoded), duplicate keys and
non-finite numbers are refused (they would make the signed bytes ambiguous), and unknown
fields are refused rather than ignored. Counters stop at 2^53 - 1, the largest integer a
JSON number holds exactly; text with a lone surrogate (valid in JSON escapes, but not
Unicode) is refused in every field, and `expires` is RFC 3339 only (Python's own ISO
parser takes any character as the date/time separator). Each refusal is a typed
`DocumentRejected` naming the field.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from firmware_host.abi import FirmwareAbi
from firmware_host.canonical import MAX_SAFE_INTEGER, lone_surrogate
from firmware_host.errors import (
    ChecksumMismatch,
    DocumentTooLarge,
    InvalidField,
    MalformedDocument,
)
from firmware_host.runtime import DEFAULT_MAX_MODULE_BYTES
from firmware_host.signing import (
    CANONICALIZATION_FIELD,
    CANONICALIZATION_NAMES,
    SIGNATURE_FIELD,
    canonical_bytes,
)

STATUSES = ("enabled", "disabled")
ABI_NAMES = tuple(abi.value for abi in FirmwareAbi)
MAX_TAX = 1  # the highest tax rate (100 %), for documents and the terminal alike
MAX_COUNTER = MAX_SAFE_INTEGER  # 2^53 - 1: beyond it a JSON number is no longer exact
_SHA256_RE = re.compile(r"[0-9a-f]{64}")
_KEY_ID_RE = re.compile(r"[A-Za-z0-9._-]{1,64}")
# RFC 3339 date-time; the zone is optional here only so its absence gets its own message.
_RFC3339_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\.[0-9]{1,6})?"
    r"(?P<zone>Z|[+-][0-9]{2}:[0-9]{2})?"
)
_SHORT_TEXT = 64


def base64_length(size: int) -> int:
    """Length of the padded base64 text of `size` bytes: the cap checked before decoding."""
    return 4 * ((size + 2) // 3)


def max_document_bytes(max_module_bytes: int) -> int:
    """Whole-document cap: the largest module's base64 plus room for the other fields."""
    return base64_length(max_module_bytes) + 4096


@dataclass(frozen=True)
class DesiredState:
    """A parsed document; `signed_payload` is exactly the bytes the signature covers."""

    status: str
    language: str
    tax: float
    module: bytes
    module_sha256: str
    version: int | None
    release_counter: int | None
    expires: datetime | None
    abi: str | None
    key_id: str | None
    signature: bytes | None
    signed_payload: bytes


def _type_name(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def text_field(field: str, value: Any, max_len: int = _SHORT_TEXT) -> str:
    """Every text field passes here: type, length cap, then Unicode (no lone surrogate)."""
    if not isinstance(value, str):
        raise InvalidField(field, f"expected a string, found {_type_name(value)}")
    if len(value) > max_len:
        raise DocumentTooLarge(
            f"field {field!r}: expected at most {max_len} characters, found {len(value)}"
        )
    index = lone_surrogate(value)
    if index is not None:
        raise InvalidField(
            field,
            f"expected Unicode text, found a lone surrogate U+{ord(value[index]):04X} "
            f"at index {index}",
        )
    return value


def integer_field(field: str, value: Any, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidField(field, f"expected an integer, found {_type_name(value)}")
    if not low <= value <= high:
        raise InvalidField(field, f"expected an integer in {low}..{high}, found {value}")
    return value


def choice_field(field: str, value: Any, choices: Collection[str]) -> str:
    text = text_field(field, value)
    if text not in choices:
        raise InvalidField(field, f"expected one of {sorted(choices)}, found {text!r}")
    return text


def _base64(field: str, value: Any, max_bytes: int) -> bytes:
    text = text_field(field, value, base64_length(max_bytes))
    try:
        return base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InvalidField(
            field, f"expected standard padded base64, found invalid text ({exc})"
        ) from None


def _tax(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InvalidField("tax", f"expected a number, found {_type_name(value)}")
    # -0.0 is refused as RFC 8785's errata asks: it is signed as 0, yet is not 0.
    if not 0.0 <= value <= MAX_TAX or math.copysign(1.0, value) < 0:
        raise InvalidField("tax", f"expected a rate in 0..{MAX_TAX}, found {value}")
    return float(value)


def parse_expires(value: Any) -> datetime:
    """`expires` as a document must carry it: RFC 3339 with a zone (signers check early)."""
    text = text_field("expires", value)
    shape = _RFC3339_RE.fullmatch(text)
    if shape is None:
        raise InvalidField(
            "expires", f"expected an RFC 3339 time like 2027-01-01T00:00:00Z, found {text!r}"
        )
    if shape["zone"] is None:
        raise InvalidField("expires", f"expected a time zone (e.g. 'Z'), found {text!r}")
    try:
        return datetime.fromisoformat(text)
    except ValueError as exc:  # the right shape, but e.g. month 13 or offset +25:00
        raise InvalidField("expires", f"expected a valid time, found {text!r} ({exc})") from None


def sha256_field(field: str, value: Any) -> str:
    text = text_field(field, value)
    if not _SHA256_RE.fullmatch(text):
        raise InvalidField(field, f"expected 64 lowercase hex digits, found {text!r}")
    return text


def key_id_field(field: str, value: Any) -> str:
    text = text_field(field, value)
    if not _KEY_ID_RE.fullmatch(text):
        raise InvalidField(field, f"expected 1-64 of [A-Za-z0-9._-], found {text!r}")
    return text


def _signature(value: Any) -> bytes:
    raw = _base64(SIGNATURE_FIELD, value, 64)  # capped at 88 characters before decoding
    if len(raw) != 64:
        raise InvalidField(SIGNATURE_FIELD, f"expected 64 bytes of Ed25519, found {len(raw)}")
    return raw


# Safety fields (required outside development mode) and optional fields, each with its
# parser; the four base fields need the caller's languages and size cap, so they are
# parsed inline in `parse_fields`.
_SAFETY_FIELDS: dict[str, Callable[[Any], Any]] = {
    "version": lambda v: integer_field("version", v, 1, MAX_COUNTER),
    "sha256": lambda v: sha256_field("sha256", v),
    "release-counter": lambda v: integer_field("release-counter", v, 0, MAX_COUNTER),
    "expires": parse_expires,
    "key-id": lambda v: key_id_field("key-id", v),
    SIGNATURE_FIELD: _signature,
}
_OPTIONAL_FIELDS: dict[str, Callable[[Any], Any]] = {
    "abi": lambda v: choice_field("abi", v, ABI_NAMES),
    CANONICALIZATION_FIELD: lambda v: choice_field(
        CANONICALIZATION_FIELD, v, CANONICALIZATION_NAMES
    ),
}
_BASE_FIELDS = ("status", "language", "tax", "price-func")
KNOWN_FIELDS = (*_BASE_FIELDS, *_SAFETY_FIELDS, *_OPTIONAL_FIELDS)


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise InvalidField(key, "expected each field once, found it twice")
        result[key] = value
    return result


def _no_constant(name: str) -> Any:
    raise MalformedDocument(f"expected finite JSON numbers, found {name}")


def load_object(raw: bytes, max_bytes: int) -> dict[str, Any]:
    """UTF-8 JSON object with unique keys, size-capped before anything is decoded."""
    if len(raw) > max_bytes:
        raise DocumentTooLarge(f"document: expected at most {max_bytes} bytes, found {len(raw)}")
    try:
        text = raw.decode("utf-8")
        data = json.loads(text, object_pairs_hook=_no_duplicates, parse_constant=_no_constant)
    except UnicodeDecodeError as exc:
        raise MalformedDocument(f"document: expected UTF-8, found {exc.reason}") from None
    except json.JSONDecodeError as exc:
        raise MalformedDocument(f"document: expected JSON, found an error: {exc}") from None
    except ValueError as exc:  # e.g. an integer literal longer than Python converts
        raise MalformedDocument(f"document: expected JSON numbers, found {exc}") from None
    except RecursionError:
        raise MalformedDocument(
            "document: expected a flat JSON object, found nesting too deep to parse"
        ) from None
    if not isinstance(data, dict):
        raise MalformedDocument(f"document: expected a JSON object, found {_type_name(data)}")
    return data


def parse_settings(data: Mapping[str, Any], languages: Collection[str]) -> tuple[str, str, float]:
    """`status`, `language` and `tax`: checked alike in a document and in the stored state."""
    return (
        choice_field("status", data["status"], STATUSES),
        choice_field("language", data["language"], languages),
        _tax(data["tax"]),
    )


def parse_document(
    raw: bytes,
    *,
    dev_mode: bool,
    languages: Collection[str],
    max_module_bytes: int = DEFAULT_MAX_MODULE_BYTES,
) -> DesiredState:
    """Parse and check one document; raises a `DocumentRejected` subclass naming the field."""
    data = load_object(raw, max_document_bytes(max_module_bytes))
    return parse_fields(
        data, dev_mode=dev_mode, languages=languages, max_module_bytes=max_module_bytes
    )


def parse_fields(
    data: Mapping[str, Any],
    *,
    dev_mode: bool,
    languages: Collection[str],
    max_module_bytes: int = DEFAULT_MAX_MODULE_BYTES,
) -> DesiredState:
    """The field checks of `parse_document`, for a mapping already loaded."""
    unknown = sorted(set(data) - set(KNOWN_FIELDS))
    if unknown:
        raise InvalidField(unknown[0], f"expected one of {sorted(KNOWN_FIELDS)}, found unknown")
    required = _BASE_FIELDS if dev_mode else (*_BASE_FIELDS, *_SAFETY_FIELDS)
    for field in required:
        if field not in data:
            raise InvalidField(field, "expected it to be present, found it missing")
    status, language, tax = parse_settings(data, languages)
    module = _base64("price-func", data["price-func"], max_module_bytes)
    if len(module) > max_module_bytes:
        raise DocumentTooLarge(
            f"field 'price-func': expected at most {max_module_bytes} bytes, found {len(module)}"
        )
    extra = {
        field: parser(data[field])
        for field, parser in (_SAFETY_FIELDS | _OPTIONAL_FIELDS).items()
        if field in data
    }
    actual_sha256 = hashlib.sha256(module).hexdigest()
    declared = extra.get("sha256")
    if declared is not None and declared != actual_sha256:
        raise ChecksumMismatch(
            "sha256", f"expected the decoded module's {actual_sha256}, found {declared}"
        )
    return DesiredState(
        status=status,
        language=language,
        tax=tax,
        module=module,
        module_sha256=actual_sha256,
        version=extra.get("version"),
        release_counter=extra.get("release-counter"),
        expires=extra.get("expires"),
        abi=extra.get("abi"),
        key_id=extra.get("key-id"),
        signature=extra.get(SIGNATURE_FIELD),
        signed_payload=canonical_bytes(data),
    )
