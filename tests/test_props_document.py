"""Properties of the document path: parse, verify and policy answer any input with the
project's own refusals, and no change to a signed document survives verification.

A foreign exception (UnicodeEncodeError, OverflowError, ValueError, ...) escaping any
of these calls fails the test; so does a changed document that still verifies.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import rfc8785
from hypothesis import example, given
from hypothesis import strategies as st

from firmware_host import policy
from firmware_host.config import KNOWN_FIELDS, MAX_COUNTER, STATUSES, parse_document
from firmware_host.errors import (
    DocumentRejected,
    PolicyViolation,
    SignatureRejected,
)
from firmware_host.signing import SIGNATURE_FIELD, canonical_bytes, encode_document
from firmware_host.texts import languages
from firmware_host.trust import TrustStore, authenticate
from price_modules import wasm_bytes
from tests.documents import Signer
from tests.props import any_text, document_like, edited, encode, json_values, share

NOW = datetime(2026, 1, 1, 13, tzinfo=UTC)
FRESH = policy.Installed(None, None, None, "current")
LANGS = languages()


@pytest.fixture(scope="module")
def signer(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Signer]:
    yield Signer(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="module")
def signed(signer: Signer) -> dict[str, Any]:
    """A valid signed document (v3) that the properties take apart."""
    return signer.fields(wasm_bytes("v3"), version=6, release_counter=3, language="FR", tax=0.1)


def accept(raw: bytes, trust: TrustStore, *, dev_mode: bool) -> None:
    """The device's acceptance up to the module: parse, signature, policy."""
    desired = parse_document(raw, dev_mode=dev_mode, languages=LANGS)
    authenticate(desired, trust, dev_mode=dev_mode)
    policy.check(desired, FRESH, NOW)


def refused_or_accepted(raw: bytes, trust: TrustStore, *, dev_mode: bool) -> bool:
    """True if accepted; a `DocumentRejected` is a refusal; anything else fails the test."""
    try:
        accept(raw, trust, dev_mode=dev_mode)
    except DocumentRejected:
        return False
    return True


@given(raw=st.binary(max_size=600), dev_mode=st.booleans())
@share(1)
def test_any_bytes_are_refused_with_a_typed_error(raw: bytes, dev_mode: bool) -> None:
    refused_or_accepted(raw, TrustStore(), dev_mode=dev_mode)


@given(fields=document_like, ascii_only=st.booleans(), dev_mode=st.booleans())
@share(0.02)
def test_any_json_with_document_fields_is_refused_with_a_typed_error(
    signer: Signer, fields: dict[str, Any], ascii_only: bool, dev_mode: bool
) -> None:
    raw = encode(fields, ascii_only=ascii_only)
    if refused_or_accepted(raw, signer.trust, dev_mode=dev_mode):
        assert dev_mode or SIGNATURE_FIELD in fields  # production accepts only signed


edits = st.one_of(
    st.tuples(st.just("set"), st.sampled_from(KNOWN_FIELDS), json_values),
    st.tuples(st.just("drop"), st.sampled_from(KNOWN_FIELDS), st.none()),
    st.tuples(st.just("set"), any_text, json_values),
)


@given(changes=st.lists(edits, min_size=1, max_size=3), ascii_only=st.booleans())
@share(0.03)
def test_a_changed_signed_document_never_verifies_unless_its_signed_bytes_are_equal(
    signer: Signer,
    signed: dict[str, Any],
    changes: list[tuple[str, str, Any]],
    ascii_only: bool,
) -> None:
    fields = dict(signed)
    for action, name, value in changes:
        if action == "drop":
            fields.pop(name, None)
        else:
            fields[name] = value
    raw = encode(fields, ascii_only=ascii_only)
    if refused_or_accepted(raw, signer.trust, dev_mode=False):
        assert canonical_bytes(fields) == canonical_bytes(signed)


@given(script=st.binary(min_size=4, max_size=24))
@share(1)
def test_bytes_changed_in_a_signed_document_never_verify_unless_only_layout_changed(
    signer: Signer, signed: dict[str, Any], script: bytes
) -> None:
    raw = edited(encode_document(signed), script)
    if refused_or_accepted(raw, signer.trust, dev_mode=False):
        assert canonical_bytes(json.loads(raw)) == canonical_bytes(signed)


TEXT_FIELDS = [name for name in KNOWN_FIELDS if name not in ("tax", "version", "release-counter")]


@given(
    name=st.sampled_from(TEXT_FIELDS),
    at=st.integers(0, 100),
    char=st.characters(categories=["Cs"]) | st.characters(exclude_categories=()),
    replace=st.booleans(),
    ascii_only=st.booleans(),
    dev_mode=st.booleans(),
)
@example(name="expires", at=10, char="\ud800", replace=True, ascii_only=True, dev_mode=False)
@share(0.1)
def test_one_character_changed_in_a_signed_text_field_is_refused_with_a_typed_error(
    signer: Signer,
    signed: dict[str, Any],
    name: str,
    at: int,
    char: str,
    replace: bool,
    ascii_only: bool,
    dev_mode: bool,
) -> None:
    """Near misses of valid values, e.g. a lone surrogate as the date/time separator."""
    text = signed[name]
    at %= len(text) + 1
    fields = dict(signed) | {name: text[:at] + char + text[at + replace :]}
    raw = encode(fields, ascii_only=ascii_only)
    if refused_or_accepted(raw, signer.trust, dev_mode=dev_mode):
        assert canonical_bytes(fields) == canonical_bytes(signed)


zones = [UTC, *(timezone(timedelta(hours=h)) for h in (-12, -5, 1, 14))]
rfc3339 = st.datetimes(
    min_value=datetime(2026, 1, 2),
    max_value=datetime(9999, 12, 30),
    timezones=st.sampled_from(zones),
).map(lambda moment: moment.isoformat(timespec="microseconds"))


@given(
    status=st.sampled_from(STATUSES),
    language=st.sampled_from(LANGS),
    tax=st.floats(0, 1) | st.integers(0, 1),
    version=st.integers(1, MAX_COUNTER),
    counter=st.integers(0, MAX_COUNTER),
    expires=rfc3339,
)
@share(0.03)
def test_any_valid_document_signs_parses_and_verifies_to_the_same_values(
    signer: Signer,
    status: str,
    language: str,
    tax: float,
    version: int,
    counter: int,
    expires: str,
) -> None:
    fields = signer.fields(
        wasm_bytes("v3"),
        version=version,
        release_counter=counter,
        expires=expires,
        status=status,
        language=language,
        tax=tax,
    )
    desired = parse_document(encode_document(fields), dev_mode=False, languages=LANGS)
    authenticate(desired, signer.trust, dev_mode=False)
    assert (desired.status, desired.language, desired.tax) == (status, language, tax)
    assert (desired.version, desired.release_counter) == (version, counter)
    assert desired.expires == datetime.fromisoformat(expires)
    unsigned = {k: v for k, v in fields.items() if k != SIGNATURE_FIELD}
    assert desired.signed_payload == rfc8785.dumps(unsigned)  # what any JCS signer makes


@given(fields=document_like)
@share(0.01)
def test_policy_refuses_with_policy_violations_only(signer: Signer, fields: dict[str, Any]) -> None:
    try:
        desired = parse_document(encode(fields, ascii_only=True), dev_mode=True, languages=LANGS)
    except DocumentRejected:
        return
    steps = policy.Steps(version=3, release_counter=2)
    for installed in (FRESH, policy.Installed("0" * 64, 5, 9, "launch", steps)):
        with contextlib.suppress(PolicyViolation):
            policy.check(desired, installed, NOW)
    with contextlib.suppress(SignatureRejected, DocumentRejected):
        authenticate(desired, signer.trust, dev_mode=False)
