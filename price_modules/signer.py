"""A module signed into a desired-state document, only if a terminal would take it.

The one signing path of the rig: `pos-module sign` and a qualification's release (on
PASS) both come here. Everything a terminal checks that needs no terminal (size cap,
magic, compile, imports, export against the firmware's ABI, policy fields, RFC 3339
expiry, counters) runs before anything is signed, and the signed bytes are parsed again
as a terminal receives them, whole-document cap included.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from firmware_host.acceptance import check_unsigned
from firmware_host.config import parse_document
from firmware_host.runtime import Limits
from firmware_host.signing import (
    PRIVATE_SUFFIX,
    encode_document,
    load_private_key,
    module_fields,
    sign_fields,
)
from firmware_host.texts import languages


def signed_document(
    wasm: bytes,
    key_path: Path,
    *,
    key_id: str | None,
    version: int,
    release_counter: int,
    expires: str,
    abi: str,
    now: datetime,
    settings: dict[str, Any] | None = None,
    limits: Limits | None = None,
    judge_module: bool = True,
) -> tuple[bytes, dict[str, Any]]:
    """The document's bytes and fields; raises the firmware's typed refusal otherwise.
    `key_id` defaults to the key file's name without `.key`. `judge_module` False signs
    whatever the module is (see check_unsigned): a rehearsal, never a release."""
    limits = limits or Limits()
    key = load_private_key(key_path)
    fields = module_fields(
        wasm,
        version=version,
        release_counter=release_counter,
        expires=expires,
        abi=abi,
        **(settings or {}),
    )
    check_unsigned(fields, languages=languages(), now=now, limits=limits, judge_module=judge_module)
    document = sign_fields(fields, key, key_id or key_path.name.removesuffix(PRIVATE_SUFFIX))
    raw = encode_document(document)
    parse_document(
        raw, dev_mode=False, languages=languages(), max_module_bytes=limits.max_module_bytes
    )
    return raw, document
