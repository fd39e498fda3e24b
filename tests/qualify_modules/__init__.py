"""Deliberately bad price modules for qualification tests, written in WAT.

Each `<name>.wat` is built into a candidate folder (`price_func.wasm` + `manifest.json`)
whose manifest is v3's, golden cases included, with the name, version and description
of `<name>.json`, its `extra_golden` cases (written from the v3 specification)
appended and its optional `domain` fields in place of v3's; sha256 and size are those
of the built bytes, as a release build records them.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import wasmtime

import price_modules
from price_modules.catalogue import ARTIFACT_NAME, MANIFEST_NAME, dump_manifest

HERE = Path(__file__).resolve().parent
RETURNS_150 = "happy_hour_150"
WRAPS_INTO_RANGE = "happy_hour_wrap"
WRAPS_AT_LARGE_COUNTS = "happy_hour_wrap_wide"
START_TRAPS = "happy_hour_start_trap"
DATA_BEYOND_MEMORY_CAP = "happy_hour_data_beyond_cap"
TABLE_OVER_CAP = "happy_hour_table_over_cap"
FRESH_INSTANCE_LIE = "happy_hour_fresh_lie"


def build_candidate(name: str, dest: Path) -> Path:
    """Build module `name` into the folder `dest` and return it."""
    wasm = bytes(wasmtime.wat2wasm((HERE / f"{name}.wat").read_text(encoding="utf-8")))
    base = json.loads((price_modules.module_dir("v3") / MANIFEST_NAME).read_text("utf-8"))
    claims = json.loads((HERE / f"{name}.json").read_text(encoding="utf-8"))
    manifest = {
        **base,
        "name": claims["name"],
        "version": claims["version"],
        "description": claims["description"],
        "sha256": hashlib.sha256(wasm).hexdigest(),
        "size": len(wasm),
        "toolchain": {"rustc": "none (WAT)", "target": "wasm32-unknown-unknown", "flags": []},
        "domain": {**base["domain"], **claims.get("domain", {})},
        "golden": base["golden"] + claims["extra_golden"],
    }
    dest.mkdir(parents=True, exist_ok=True)
    (dest / ARTIFACT_NAME).write_bytes(wasm)
    (dest / MANIFEST_NAME).write_text(dump_manifest(manifest), encoding="utf-8")
    return dest
