"""Ed25519 signing of desired-state documents, and the key files it needs.

What is signed: every field of the document except `signature`, in the canonical form
the document's `canonicalization` field names:

- `"rfc8785"` (what `sign_fields` writes): the JSON Canonicalization Scheme of RFC 8785
  (see canonical.py), which a signer in any language reproduces with a JCS library;
- absent (documents signed before that field existed): the legacy form - Python's
  `json.dumps` with sorted keys, `,`/`:` separators and UTF-8. It is verified during the
  transition only (README: when it is dropped) and never written any more.

The field is itself signed, so stripping it from a new document changes the signed
bytes and breaks the signature: a document cannot be downgraded to the legacy form.
Signer and verifier both encode the *parsed* fields, so whitespace and key order in
transit never break a signature, while any change of a value does.

Key files: a private key is PKCS#8 PEM, unencrypted, written with mode 0600 (a signing
host keeps it in its own secret storage); a public key is SubjectPublicKeyInfo PEM,
named `<key-id>.pub` so a directory of them is a trust store.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from firmware_host.canonical import canonicalize
from firmware_host.errors import InvalidField, KeyFileError, NotCanonical
from firmware_host.files import read_regular_file

SIGNATURE_FIELD = "signature"
CANONICALIZATION_FIELD = "canonicalization"
RFC8785 = "rfc8785"
PRIVATE_SUFFIX = ".key"
PUBLIC_SUFFIX = ".pub"
# An Ed25519 PEM file is about 120 bytes; the cap leaves room for an RSA-4096 key, so
# one given by mistake is named as the wrong kind of key rather than as too large.
MAX_KEY_FILE_BYTES = 8 * 1024


def _legacy_bytes(fields: Mapping[str, Any]) -> bytes:
    """The form documents were signed in before `canonicalization` existed."""
    text = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise NotCanonical(
            f"canonical form: expected Unicode text, found a lone surrogate at index {exc.start}"
        ) from None


# The value of the `canonicalization` field -> how the signed bytes are made; None is
# a document without the field (the legacy form, accepted during the transition).
CANONICALIZATIONS: dict[str | None, Callable[[Mapping[str, Any]], bytes]] = {
    RFC8785: canonicalize,
    None: _legacy_bytes,
}
CANONICALIZATION_NAMES = tuple(name for name in CANONICALIZATIONS if name is not None)


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """The exact bytes a signature covers: every field but `signature`, canonically."""
    signed = {k: v for k, v in fields.items() if k != SIGNATURE_FIELD}
    name = signed.get(CANONICALIZATION_FIELD)
    encode = CANONICALIZATIONS.get(name) if name is None or isinstance(name, str) else None
    if encode is None:
        raise InvalidField(
            CANONICALIZATION_FIELD,
            f"expected one of {list(CANONICALIZATION_NAMES)}, found {name!r}",
        )
    return encode(signed)


def key_fingerprint(public_key: Ed25519PublicKey) -> str:
    """sha256 of the raw public key: names the key itself, whatever its file is called."""
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def default_key_id(public_key: Ed25519PublicKey) -> str:
    """A stable id derived from the key itself, for when the operator does not name one."""
    return "ed25519-" + key_fingerprint(public_key)[:16]


@dataclass(frozen=True)
class KeyPair:
    key_id: str
    private_path: Path
    public_path: Path


def _existing(path: Path) -> KeyFileError:
    return KeyFileError(f"{path}: expected no existing file, found one (not overwritten)")


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Create `path` with `mode` from the start, so a secret is never briefly world-readable."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except FileExistsError:
        raise _existing(path) from None
    except OSError as exc:
        raise KeyFileError(f"{path}: expected a new key file, found {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except OSError as exc:
        path.unlink(missing_ok=True)  # a half-written key would block the next keygen
        raise KeyFileError(f"{path}: expected the key written, found {exc.strerror}") from None


def _key_folder(out_dir: Path) -> None:
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise KeyFileError(f"{out_dir}: expected a folder for key files, found a file") from None
    except OSError as exc:
        raise KeyFileError(
            f"{out_dir}: expected a folder for key files, found {exc.strerror}"
        ) from None


def generate_keypair(out_dir: Path, key_id: str | None = None) -> KeyPair:
    """Create `<key-id>.key` (0600) and `<key-id>.pub` in `out_dir`; never overwrites.

    Both names are checked before either file is written, and a failure to write the
    public key removes the private one: a refusal leaves no orphan private key behind.
    """
    private_key = Ed25519PrivateKey.generate()
    key_id = key_id or default_key_id(private_key.public_key())
    _key_folder(out_dir)
    pair = KeyPair(
        key_id, out_dir / f"{key_id}{PRIVATE_SUFFIX}", out_dir / f"{key_id}{PUBLIC_SUFFIX}"
    )
    for path in (pair.private_path, pair.public_path):
        if os.path.lexists(path):
            raise _existing(path)
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _write_new(pair.private_path, private_pem, 0o600)
    try:
        _write_new(pair.public_path, public_pem, 0o644)
    except KeyFileError:
        pair.private_path.unlink(missing_ok=True)
        raise
    return pair


def _read(path: Path) -> bytes:
    return read_regular_file(path, MAX_KEY_FILE_BYTES, "key file", KeyFileError)


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(_read(path), password=None)
    except (ValueError, TypeError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(
            f"{path}: expected an unencrypted PEM private key, found {exc}"
        ) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise KeyFileError(f"{path}: expected an Ed25519 private key, found {type(key).__name__}")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(_read(path))
    except (ValueError, UnsupportedAlgorithm) as exc:
        raise KeyFileError(f"{path}: expected a PEM public key, found {exc}") from None
    if not isinstance(key, Ed25519PublicKey):
        raise KeyFileError(f"{path}: expected an Ed25519 public key, found {type(key).__name__}")
    return key


def sign_fields(
    fields: Mapping[str, Any], private_key: Ed25519PrivateKey, key_id: str
) -> dict[str, Any]:
    """The document with `key-id`, `canonicalization` (RFC 8785) and `signature` set."""
    document = {k: v for k, v in fields.items() if k != SIGNATURE_FIELD}
    document["key-id"] = key_id
    document[CANONICALIZATION_FIELD] = RFC8785
    signature = private_key.sign(canonical_bytes(document))
    document[SIGNATURE_FIELD] = base64.b64encode(signature).decode("ascii")
    return document


def module_fields(
    wasm: bytes,
    *,
    version: int,
    release_counter: int,
    expires: str,
    status: str = "enabled",
    language: str = "EN",
    tax: float = 0.0,
    abi: str = "current",
) -> dict[str, Any]:
    """The unsigned fields of a desired-state document carrying `wasm`."""
    return {
        "status": status,
        "language": language,
        "tax": tax,
        "price-func": base64.b64encode(wasm).decode("ascii"),
        "version": version,
        "sha256": hashlib.sha256(wasm).hexdigest(),
        "release-counter": release_counter,
        "expires": expires,
        "abi": abi,
    }


def encode_document(document: Mapping[str, Any]) -> bytes:
    """The bytes sent to a device (readable, not canonical: the device re-canonicalises)."""
    return (json.dumps(document, indent=2, ensure_ascii=False) + "\n").encode("utf-8")
