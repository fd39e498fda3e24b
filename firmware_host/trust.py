"""The device's trust store: key id -> Ed25519 public key, and document authentication.

A trust store is a directory of `<key-id>.pub` PEM files (what `pos-module keygen`
writes), so provisioning a device is copying public keys, and revoking one is deleting
its file. Revocation reaches back: a module installed from a document signed by a key
the store no longer holds (same id with another key counts as gone) is not run in
production mode (`vouch_for`, checked at boot). Authentication is separate from
parsing so the parser stays pure and the order of checks is the one in
docs/architecture.md: parse, then verify, then policy.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from firmware_host.config import DesiredState
from firmware_host.errors import (
    BadSignature,
    InvalidField,
    UnknownKey,
    UnsignedDocument,
    UntrustedModule,
)
from firmware_host.signing import PUBLIC_SUFFIX, key_fingerprint, load_public_key
from firmware_host.store import ModuleRecord


class TrustStore:
    """Public keys the device accepts signatures from."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey] | None = None) -> None:
        self._keys = dict(keys or {})

    @classmethod
    def load(cls, directory: Path) -> TrustStore:
        """Every `*.pub` file in `directory`; a missing directory is an empty store."""
        if not directory.is_dir():
            return cls()
        return cls(
            {
                path.stem: load_public_key(path)
                for path in sorted(directory.glob(f"*{PUBLIC_SUFFIX}"))
            }
        )

    @property
    def key_ids(self) -> list[str]:
        return sorted(self._keys)

    def fingerprint(self, key_id: str) -> str | None:
        """sha256 of the trusted key named `key_id`, or None if there is none."""
        key = self._keys.get(key_id)
        return key_fingerprint(key) if key is not None else None

    def vouch_for(self, record: ModuleRecord) -> None:
        """Raise `UntrustedModule` unless a key held now vouches for the stored module.

        A record without a fingerprint (installed before fingerprints were recorded) is
        vouched for by its key id alone; that id was verified when it was installed.
        """
        reason = None
        held = self.fingerprint(record.key_id) if record.key_id else None
        if record.key_id is None:
            reason = (
                "a module installed from a signed document, found one installed unsigned in "
                "development mode"
            )
        elif held is None:
            reason = (
                f"a module signed by a key in the trust store {self.key_ids}, found one "
                f"signed by {record.key_id!r}, which the store no longer holds"
            )
        elif record.key_sha256 is not None and record.key_sha256 != held:
            reason = (
                f"a module signed by a key in the trust store, found one signed by an "
                f"earlier key named {record.key_id!r} (sha256 {record.key_sha256}, the store "
                f"now holds {held})"
            )
        if reason is not None:
            raise UntrustedModule(f"module {record.sha256}: expected {reason}")

    def verify(self, key_id: str, signature: bytes, payload: bytes) -> None:
        """Raise unless `signature` is `key_id`'s Ed25519 signature of `payload`."""
        key = self._keys.get(key_id)
        if key is None:
            raise UnknownKey(
                f"signature: expected a key id in the trust store {self.key_ids}, found {key_id!r}"
            )
        try:
            key.verify(signature, payload)
        except InvalidSignature:
            raise BadSignature(
                f"signature: expected a valid Ed25519 signature by {key_id!r} over the "
                "canonical document, found one that does not verify"
            ) from None


def authenticate(desired: DesiredState, trust: TrustStore, *, dev_mode: bool) -> None:
    """Verify the document's signature; only development mode lets an unsigned one through."""
    if desired.signature is None:
        if dev_mode:
            return
        raise UnsignedDocument(
            "signature: expected an Ed25519 signature (unsigned documents need development "
            "mode), found none"
        )
    if desired.key_id is None:
        raise InvalidField("key-id", "expected the id of the signing key, found it missing")
    trust.verify(desired.key_id, desired.signature, desired.signed_payload)
