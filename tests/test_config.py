"""Desired-state parsing: the cloud's example, the safety fields, every strict refusal."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from firmware_host.config import DesiredState, parse_document
from firmware_host.errors import (
    ChecksumMismatch,
    DocumentRejected,
    DocumentTooLarge,
    InvalidField,
    MalformedDocument,
)
from price_modules import wasm_bytes
from tests.documents import Signer, minimal

LANGS = ("EN", "DE", "FR")
V3 = wasm_bytes("v3")


def parse(raw: bytes, *, dev_mode: bool = False, max_module_bytes: int = 64 * 1024) -> DesiredState:
    return parse_document(
        raw, dev_mode=dev_mode, languages=LANGS, max_module_bytes=max_module_bytes
    )


def refusal(
    raw: bytes, kind: type[DocumentRejected], *, dev_mode: bool = True, **kwargs: Any
) -> str:
    with pytest.raises(DocumentRejected) as caught:
        parse(raw, dev_mode=dev_mode, **kwargs)
    assert type(caught.value) is kind
    return str(caught.value)


def test_cloud_example_is_accepted_in_development_mode() -> None:
    raw = (
        b'{"status": "enabled", "language": "EN", "tax": 0.10, "price-func": "'
        + base64.b64encode(V3)
        + b'"}'
    )
    desired = parse(raw, dev_mode=True)
    assert (desired.status, desired.language, desired.tax) == ("enabled", "EN", 0.1)
    assert desired.module == V3
    assert desired.module_sha256 == hashlib.sha256(V3).hexdigest()
    assert (desired.version, desired.release_counter, desired.signature) == (None, None, None)


def test_cloud_example_outside_development_mode_names_the_first_missing_safety_field() -> None:
    message = refusal(minimal(V3), InvalidField, dev_mode=False)
    assert message == "field 'version': expected it to be present, found it missing"


def test_signed_document_parses_every_safety_field(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    desired = parse(signer.document(V3, version=7, release_counter=3, language="FR", tax=0.2))
    assert desired.version == 7
    assert desired.release_counter == 3
    assert desired.expires == datetime(2099, 1, 1, tzinfo=UTC)
    assert (desired.abi, desired.key_id, desired.language, desired.tax) == (
        "current",
        "ops-2026",
        "FR",
        0.2,
    )
    assert desired.signature is not None and len(desired.signature) == 64


def test_signed_payload_ignores_whitespace_and_key_order(tmp_path: Path) -> None:
    fields = Signer(tmp_path).fields(V3, version=1, release_counter=1)
    compact = json.dumps(fields, separators=(",", ":")).encode()
    reordered = json.dumps(dict(reversed(list(fields.items()))), indent=4).encode()
    assert parse(compact).signed_payload == parse(reordered).signed_payload
    assert b'"signature"' not in parse(compact).signed_payload


@pytest.mark.parametrize(
    ("overrides", "kind", "message"),
    [
        (
            {"language": "XX"},
            InvalidField,
            "field 'language': expected one of ['DE', 'EN', 'FR'], found 'XX'",
        ),
        (
            {"status": "paused"},
            InvalidField,
            "field 'status': expected one of ['disabled', 'enabled'], found 'paused'",
        ),
        ({"status": 1}, InvalidField, "field 'status': expected a string, found int"),
        ({"tax": "0.10"}, InvalidField, "field 'tax': expected a number, found str"),
        ({"tax": True}, InvalidField, "field 'tax': expected a number, found bool"),
        ({"tax": 1.5}, InvalidField, "field 'tax': expected a rate in 0..1, found 1.5"),
        ({"tax": -0.1}, InvalidField, "field 'tax': expected a rate in 0..1, found -0.1"),
        ({"price-func": None}, InvalidField, "field 'price-func': expected a string, found null"),
        (
            {"signature": "A" * 89},
            DocumentTooLarge,
            "field 'signature': expected at most 88 characters, found 89",
        ),
        ({"version": "7"}, InvalidField, "field 'version': expected an integer, found str"),
        ({"version": True}, InvalidField, "field 'version': expected an integer, found bool"),
        (
            {"version": 0},
            InvalidField,
            "field 'version': expected an integer in 1..9007199254740991, found 0",
        ),
        (
            {"release-counter": -1},
            InvalidField,
            "field 'release-counter': expected an integer in 0..9007199254740991, found -1",
        ),
        (
            {"expires": "tomorrow"},
            InvalidField,
            "field 'expires': expected an RFC 3339 time like 2027-01-01T00:00:00Z, "
            "found 'tomorrow'",
        ),
        (
            {"expires": "2030-01-01T00:00:00"},
            InvalidField,
            "field 'expires': expected a time zone (e.g. 'Z'), found '2030-01-01T00:00:00'",
        ),
        (
            {"sha256": "ABC"},
            InvalidField,
            "field 'sha256': expected 64 lowercase hex digits, found 'ABC'",
        ),
        (
            {"key-id": "a b"},
            InvalidField,
            "field 'key-id': expected 1-64 of [A-Za-z0-9._-], found 'a b'",
        ),
        (
            {"abi": "next"},
            InvalidField,
            "field 'abi': expected one of ['current', 'launch'], found 'next'",
        ),
        (
            {"signature": "AAAA"},
            InvalidField,
            "field 'signature': expected 64 bytes of Ed25519, found 3",
        ),
        (
            {"colour": "red"},
            InvalidField,
            "field 'colour': expected one of ['abi', 'canonicalization', 'expires', 'key-id', "
            "'language', 'price-func', 'release-counter', 'sha256', 'signature', 'status', "
            "'tax', 'version'], found unknown",
        ),
        (
            {"key-id": "k" * 65},
            DocumentTooLarge,
            "field 'key-id': expected at most 64 characters, found 65",
        ),
    ],
)
def test_each_bad_field_is_refused_naming_it(
    overrides: dict[str, Any], kind: type[DocumentRejected], message: str
) -> None:
    assert refusal(minimal(V3, **overrides), kind) == message


def test_malformed_base64_is_refused_naming_the_field() -> None:
    message = refusal(minimal(V3, **{"price-func": "not base64!"}), InvalidField)
    assert message.startswith("field 'price-func': expected standard padded base64, found ")


def test_unpadded_base64_is_refused() -> None:
    text = base64.b64encode(b"\0asm\x01").decode().rstrip("=")
    message = refusal(minimal(V3, **{"price-func": text}), InvalidField)
    assert message.startswith("field 'price-func': expected standard padded base64")


def test_sha256_that_does_not_match_the_module_is_refused() -> None:
    wrong = hashlib.sha256(b"another module").hexdigest()
    message = refusal(minimal(V3, sha256=wrong), ChecksumMismatch)
    actual = hashlib.sha256(V3).hexdigest()
    assert message == f"field 'sha256': expected the decoded module's {actual}, found {wrong}"


def test_oversize_base64_is_refused_before_it_is_decoded() -> None:
    # 40 characters of base64 carry at most 30 bytes; 44 characters are over that cap.
    raw = minimal(b"x" * 31)
    message = refusal(raw, DocumentTooLarge, max_module_bytes=30)
    assert message == "field 'price-func': expected at most 40 characters, found 44"


def test_decoded_module_over_the_byte_cap_is_refused() -> None:
    message = refusal(minimal(b"x" * 32), DocumentTooLarge, max_module_bytes=31)
    assert message == "field 'price-func': expected at most 31 bytes, found 32"


def test_oversize_document_is_refused_before_json_parsing() -> None:
    raw = b" " * (40 + 4096 + 1)
    message = refusal(raw, DocumentTooLarge, max_module_bytes=30)
    assert message == "document: expected at most 4136 bytes, found 4137"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"\xff{}", "document: expected UTF-8, found invalid start byte"),
        (b"[1, 2]", "document: expected a JSON object, found list"),
        (b'{"tax": NaN}', "expected finite JSON numbers, found NaN"),
    ],
)
def test_malformed_documents(raw: bytes, message: str) -> None:
    assert refusal(raw, MalformedDocument) == message


def test_not_json_is_refused() -> None:
    message = refusal(b'{"status": ', MalformedDocument)
    assert message.startswith("document: expected JSON, found an error: Expecting value")


def test_duplicate_field_is_refused() -> None:
    raw = minimal(V3).replace(b'"tax": 0.1', b'"tax": 0.1, "tax": 0.0')
    assert refusal(raw, InvalidField) == "field 'tax': expected each field once, found it twice"


def test_deeply_nested_json_is_refused_not_a_crash() -> None:
    raw = b'{"status": ' + b"[" * 40_000 + b"]" * 40_000 + b"}"
    assert refusal(raw, MalformedDocument) == (
        "document: expected a flat JSON object, found nesting too deep to parse"
    )


def test_an_absurdly_long_integer_is_refused_not_a_crash() -> None:
    raw = b'{"version": ' + b"9" * 5000 + b"}"
    assert refusal(raw, MalformedDocument).startswith(
        "document: expected JSON numbers, found Exceeds the limit (4300 digits)"
    )


@pytest.mark.parametrize("field", ["status", "language", "price-func", "expires", "key-id"])
def test_a_lone_surrogate_is_refused_in_every_text_field(field: str) -> None:
    """JSON may escape one (\\ud800); it is no Unicode text and has no UTF-8 bytes to sign."""
    value = {"expires": "2099-01-01\ud80000:00:00Z"}.get(field, "x\ud800")
    raw = minimal(V3, **{field: value})  # json.dumps writes it as the escape \ud800
    assert b"\\ud800" in raw
    index = value.index("\ud800")
    assert refusal(raw, InvalidField) == (
        f"field {field!r}: expected Unicode text, found a lone surrogate U+D800 at index {index}"
    )


@pytest.mark.parametrize(
    "text",
    [
        "2099-01-01X00:00:00Z",  # fromisoformat takes any separator character
        "2099-01-01 00:00:00Z",
        "2099-01-01t00:00:00z",
        "2099-01-01T00:00Z",
        "20990101T000000Z",
        "2099-01-01T00:00:00.1234567Z",
        "2099-01-01T00:00:00Z\n",
        "٢٠٩٩-01-01T00:00:00Z",  # Unicode digits
    ],
)
def test_expires_is_rfc_3339_only(text: str) -> None:
    assert refusal(minimal(V3, expires=text), InvalidField) == (
        f"field 'expires': expected an RFC 3339 time like 2027-01-01T00:00:00Z, found {text!r}"
    )


def test_expires_of_the_right_shape_but_no_such_time_is_refused() -> None:
    message = refusal(minimal(V3, expires="2099-13-01T00:00:00Z"), InvalidField)
    expected = "field 'expires': expected a valid time, found '2099-13-01T00:00:00Z'"
    assert message.startswith(expected)


@pytest.mark.parametrize(
    ("text", "moment"),
    [
        ("2099-01-01T00:00:00Z", datetime(2099, 1, 1, tzinfo=UTC)),
        ("2099-01-01T02:00:00.5+02:00", datetime(2099, 1, 1, 0, 0, 0, 500000, tzinfo=UTC)),
    ],
)
def test_rfc_3339_times_are_read_as_instants(text: str, moment: datetime) -> None:
    assert parse(minimal(V3, expires=text), dev_mode=True).expires == moment


def test_negative_zero_tax_is_refused() -> None:
    """RFC 8785 signs -0.0 as 0; its errata asks parsers to refuse it rather than guess."""
    raw = minimal(V3).replace(b'"tax": 0.1', b'"tax": -0.0')
    assert refusal(raw, InvalidField) == "field 'tax': expected a rate in 0..1, found -0.0"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"canonicalization": "c14n"},
            "field 'canonicalization': expected one of ['rfc8785'], found 'c14n'",
        ),
        ({"key-id": "ops\n"}, "field 'key-id': expected 1-64 of [A-Za-z0-9._-], found 'ops\\n'"),
    ],
)
def test_field_values_match_whole_not_by_prefix(overrides: dict[str, Any], message: str) -> None:
    assert refusal(minimal(V3, **overrides), InvalidField) == message
