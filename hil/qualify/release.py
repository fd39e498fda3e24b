"""A qualified module signed into a desired-state document, ready to deploy.

Uses the firmware's own signing API and then parses the result with the firmware's own
strict parser, so a document that a terminal would refuse is never written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from firmware_host.abi import FirmwareAbi
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
from hil.qualify.record import write_atomic

DOCUMENT_NAME = "desired-state.json"


@dataclass(frozen=True)
class ReleaseOptions:
    key: Path
    version_number: int
    release_counter: int
    expires: str
    key_id: str | None = None


def sign_release(wasm: bytes, abi: FirmwareAbi, options: ReleaseOptions, out_dir: Path) -> Path:
    """Write `desired-state.json` for `wasm`; raises the firmware's typed errors."""
    key = load_private_key(options.key)
    fields = module_fields(
        wasm,
        version=options.version_number,
        release_counter=options.release_counter,
        expires=options.expires,
        abi=abi.value,
    )
    key_id = options.key_id or options.key.name.removesuffix(PRIVATE_SUFFIX)
    raw = encode_document(sign_fields(fields, key, key_id))
    parse_document(
        raw, dev_mode=False, languages=languages(), max_module_bytes=Limits().max_module_bytes
    )
    path = out_dir / DOCUMENT_NAME
    write_atomic(path, raw)
    return path
