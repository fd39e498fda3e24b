"""Ed25519 signing, key files and the trust store: what passes and what is refused."""

from __future__ import annotations

import base64
import errno
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import rfc8785

from firmware_host.config import DesiredState, parse_fields
from firmware_host.errors import (
    BadSignature,
    InvalidField,
    KeyFileError,
    SignatureRejected,
    UnknownKey,
    UnsignedDocument,
)
from firmware_host.signing import canonical_bytes, generate_keypair, load_private_key
from firmware_host.trust import TrustStore, authenticate
from price_modules import wasm_bytes
from tests.documents import KEY_ID, Signer

V3 = wasm_bytes("v3")
LANGS = ("EN", "DE", "FR")


def desired(fields: dict[str, Any], *, dev_mode: bool = False) -> DesiredState:
    return parse_fields(fields, dev_mode=dev_mode, languages=LANGS)


def refusal(fields: dict[str, Any], trust: TrustStore, *, dev_mode: bool = False) -> Exception:
    with pytest.raises(SignatureRejected) as caught:
        authenticate(desired(fields, dev_mode=dev_mode), trust, dev_mode=dev_mode)
    return caught.value


def test_keygen_writes_a_private_key_only_its_owner_can_read(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path / "keys", "ops-2026")
    assert pair.private_path.name == "ops-2026.key"
    assert pair.public_path.name == "ops-2026.pub"
    assert stat.S_IMODE(pair.private_path.stat().st_mode) == 0o600
    assert pair.private_path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY-----")
    assert pair.public_path.read_bytes().startswith(b"-----BEGIN PUBLIC KEY-----")


def test_keygen_never_overwrites_a_key(tmp_path: Path) -> None:
    generate_keypair(tmp_path, "ops")
    with pytest.raises(KeyFileError) as caught:
        generate_keypair(tmp_path, "ops")
    assert str(caught.value) == (
        f"{tmp_path / 'ops.key'}: expected no existing file, found one (not overwritten)"
    )


def test_keygen_refuses_an_existing_public_key_before_writing_the_private_one(
    tmp_path: Path,
) -> None:
    (tmp_path / "ops.pub").write_bytes(b"someone else's key")
    with pytest.raises(KeyFileError) as caught:
        generate_keypair(tmp_path, "ops")
    assert str(caught.value) == (
        f"{tmp_path / 'ops.pub'}: expected no existing file, found one (not overwritten)"
    )
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ops.pub"]  # no orphan ops.key


@pytest.mark.parametrize(("out", "found"), [("file", "a file"), ("file/keys", "Not a directory")])
def test_keygen_into_a_path_that_is_no_folder_is_a_key_file_error(
    tmp_path: Path, out: str, found: str
) -> None:
    (tmp_path / "file").write_text("not a folder")
    with pytest.raises(KeyFileError) as caught:
        generate_keypair(tmp_path / out, "ops")
    assert str(caught.value) == f"{tmp_path / out}: expected a folder for key files, found {found}"


def test_keygen_that_cannot_write_the_public_key_leaves_no_private_key(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A full disk cannot be produced for real here: the second fsync reports one."""
    real_fsync, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        if len(calls) == 2:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    with pytest.raises(KeyFileError) as caught:
        generate_keypair(tmp_path, "ops")
    assert str(caught.value) == (
        f"{tmp_path / 'ops.pub'}: expected the key written, found No space left on device"
    )
    assert list(tmp_path.iterdir()) == []


def test_default_key_id_is_derived_from_the_public_key(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path)
    assert pair.key_id.startswith("ed25519-") and len(pair.key_id) == len("ed25519-") + 16


def test_a_signed_document_verifies_against_the_trust_store(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    authenticate(
        desired(signer.fields(V3, version=1, release_counter=1)), signer.trust, dev_mode=False
    )


def test_the_signature_covers_the_rfc8785_form_of_every_other_field(tmp_path: Path) -> None:
    fields = Signer(tmp_path).fields(V3, version=1, release_counter=1, tax=0.0)
    assert fields["canonicalization"] == "rfc8785"
    signed = {k: v for k, v in fields.items() if k != "signature"}
    assert canonical_bytes(fields) == rfc8785.dumps(signed)  # the reference implementation
    assert b'"tax":0,' in canonical_bytes(fields)  # 0.0 is 0, as any JCS signer writes it


def test_a_document_without_the_field_is_verified_in_the_legacy_form(tmp_path: Path) -> None:
    """Signed before `canonicalization` existed: still verifies during the transition."""
    signer = Signer(tmp_path)
    fields = signer.fields(V3, version=1, release_counter=1, tax=0.0)
    del fields["canonicalization"], fields["signature"]
    legacy = json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()
    assert b'"tax":0.0,' in legacy
    fields["signature"] = base64.b64encode(signer.key.sign(legacy)).decode()
    authenticate(desired(fields), signer.trust, dev_mode=False)


def test_stripping_the_field_from_a_new_document_breaks_its_signature(tmp_path: Path) -> None:
    """No downgrade: the field is signed, so the legacy bytes differ from what was signed."""
    signer = Signer(tmp_path)
    fields = signer.fields(V3, version=1, release_counter=1)
    del fields["canonicalization"]
    assert type(refusal(fields, signer.trust)) is BadSignature


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("tax", 0.5),
        ("release-counter", 99),
        ("expires", "2098-01-01T00:00:00+00:00"),
        ("status", "disabled"),
    ],
)
def test_changing_any_signed_field_breaks_the_signature(
    tmp_path: Path, field: str, value: Any
) -> None:
    signer = Signer(tmp_path)
    fields = signer.fields(V3, version=1, release_counter=1)
    fields[field] = value
    error = refusal(fields, signer.trust)
    assert type(error) is BadSignature
    assert str(error) == (
        "signature: expected a valid Ed25519 signature by 'ops-2026' over the canonical "
        "document, found one that does not verify"
    )


def test_a_signature_by_an_untrusted_key_with_a_trusted_id_is_refused(tmp_path: Path) -> None:
    trusted = Signer(tmp_path / "trusted")
    impostor = Signer(tmp_path / "impostor")  # same key id, different key
    error = refusal(impostor.fields(V3, version=1, release_counter=1), trusted.trust)
    assert type(error) is BadSignature


def test_unknown_key_id_is_refused(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "keys", key_id="rogue")
    trust = TrustStore.load(Signer(tmp_path / "trust").pair.public_path.parent)
    error = refusal(signer.fields(V3, version=1, release_counter=1), trust)
    assert type(error) is UnknownKey
    assert (
        str(error) == "signature: expected a key id in the trust store ['ops-2026'], found 'rogue'"
    )


def test_unsigned_document_is_refused_outside_development_mode(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    fields = signer.fields(V3, version=1, release_counter=1)
    del fields["signature"]
    with pytest.raises(InvalidField) as caught:
        desired(fields)
    assert str(caught.value) == "field 'signature': expected it to be present, found it missing"
    state = desired(fields, dev_mode=True)
    with pytest.raises(UnsignedDocument) as unsigned:
        authenticate(state, signer.trust, dev_mode=False)
    assert str(unsigned.value) == (
        "signature: expected an Ed25519 signature (unsigned documents need development mode),"
        " found none"
    )


def test_development_mode_accepts_unsigned_but_not_wrongly_signed(tmp_path: Path) -> None:
    signer = Signer(tmp_path)
    fields = signer.fields(V3, version=1, release_counter=1)
    unsigned = {k: v for k, v in fields.items() if k != "signature"}
    authenticate(desired(unsigned, dev_mode=True), TrustStore(), dev_mode=True)
    fields["tax"] = 0.3
    assert type(refusal(fields, signer.trust, dev_mode=True)) is BadSignature


def test_trust_store_loads_every_public_key_file(tmp_path: Path) -> None:
    generate_keypair(tmp_path, "a")
    generate_keypair(tmp_path, "b")
    assert TrustStore.load(tmp_path).key_ids == ["a", "b"]
    assert TrustStore.load(tmp_path / "absent").key_ids == []


def test_a_file_that_is_not_a_key_is_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "junk.pub").write_text("not a key")
    with pytest.raises(KeyFileError) as caught:
        TrustStore.load(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'junk.pub'}: expected a PEM public key")
    with pytest.raises(KeyFileError) as missing:
        load_private_key(tmp_path / "absent.key")
    assert str(missing.value) == (
        f"{tmp_path / 'absent.key'}: expected a readable key file, found No such file or directory"
    )


def test_a_public_key_is_not_accepted_as_private_key(tmp_path: Path) -> None:
    pair = generate_keypair(tmp_path, KEY_ID)
    with pytest.raises(KeyFileError) as caught:
        load_private_key(pair.public_path)
    assert str(caught.value).startswith(
        f"{pair.public_path}: expected an unencrypted PEM private key, found "
    )
