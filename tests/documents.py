"""Builders for desired-state documents used across the device tests.

They go through the same public signing API as `pos-module sign`, so a test document
is what an operator would produce.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from firmware_host.signing import (
    encode_document,
    generate_keypair,
    load_private_key,
    module_fields,
    sign_fields,
)
from firmware_host.trust import TrustStore

FAR_FUTURE = "2099-01-01T00:00:00+00:00"
KEY_ID = "ops-2026"


class Signer:
    """A key pair in a temporary folder and the trust store that accepts it."""

    def __init__(self, folder: Path, key_id: str = KEY_ID) -> None:
        self.pair = generate_keypair(folder, key_id)
        self.key_id = key_id
        self.key: Ed25519PrivateKey = load_private_key(self.pair.private_path)
        self.trust = TrustStore.load(folder)

    def fields(
        self,
        wasm: bytes,
        *,
        version: int,
        release_counter: int,
        expires: str = FAR_FUTURE,
        **overrides: Any,
    ) -> dict[str, Any]:
        """The signed document as a dict (tamper with it to test verification)."""
        unsigned = module_fields(
            wasm, version=version, release_counter=release_counter, expires=expires
        )
        unsigned.update(overrides)
        return sign_fields(unsigned, self.key, self.key_id)

    def document(self, wasm: bytes, **kwargs: Any) -> bytes:
        return encode_document(self.fields(wasm, **kwargs))


def minimal(wasm: bytes, **overrides: Any) -> bytes:
    """The cloud's four-field example document (accepted only in development mode)."""
    fields: dict[str, Any] = {
        "status": "enabled",
        "language": "EN",
        "tax": 0.10,
        "price-func": base64.b64encode(wasm).decode("ascii"),
    }
    fields.update(overrides)
    return json.dumps(fields).encode("utf-8")
