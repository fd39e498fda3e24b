"""A qualified module signed into a desired-state document, ready to deploy.

Signs through the rig's one signing path (price_modules/signer.py, as `pos-module sign`
does), which runs a terminal's own acceptance first, so a document that a terminal
would refuse is never written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from firmware_host.abi import FirmwareAbi
from hil.qualify.record import write_atomic
from price_modules.signer import signed_document

DOCUMENT_NAME = "desired-state.json"


@dataclass(frozen=True)
class ReleaseOptions:
    key: Path
    version_number: int
    release_counter: int | None  # None until set from the manifest (cli.counted)
    expires: str
    key_id: str | None = None


def rehearse_release(wasm: bytes, abi: FirmwareAbi, options: ReleaseOptions) -> None:
    """Sign `wasm` in memory as the release will, its module left to the qualification
    to judge: a key that does not load, a key id, version, counter or expiry a terminal
    refuses is named before the run, not after an hour on the boards."""
    _signed(wasm, abi, options, judge_module=False)


def sign_release(wasm: bytes, abi: FirmwareAbi, options: ReleaseOptions, out_dir: Path) -> Path:
    """Write `desired-state.json` for `wasm`; raises the firmware's typed errors."""
    raw = _signed(wasm, abi, options, judge_module=True)
    path = out_dir / DOCUMENT_NAME
    write_atomic(path, raw)
    return path


def _signed(wasm: bytes, abi: FirmwareAbi, options: ReleaseOptions, *, judge_module: bool) -> bytes:
    assert options.release_counter is not None, "set from the manifest before signing"
    raw, _ = signed_document(
        wasm,
        options.key,
        key_id=options.key_id,
        version=options.version_number,
        release_counter=options.release_counter,
        expires=options.expires,
        abi=abi.value,
        now=dt.datetime.now(dt.UTC),
        judge_module=judge_module,
    )
    return raw
