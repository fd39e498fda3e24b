"""Read-only access to the committed module versions and their manifests.

The manifests are data written from each module's specification; the catalogue only
parses them strictly, so a typo in a manifest is an error here rather than a silent
wrong expectation in a qualification.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from firmware_host.abi import Signature
from price_modules.specification import (
    Specification,
    SpecificationError,
    parse_specification,
)

ROOT = Path(__file__).resolve().parent
MANIFEST_NAME = "manifest.json"
ARTIFACT_NAME = "price_func.wasm"
SOURCE_NAME = "lib.rs"
_VERSION_RE = re.compile(r"^v[0-9]+$")
_VALTYPES = frozenset({"i32", "i64", "f32", "f64"})


class CatalogueError(Exception):
    """A module version is unknown or its manifest is malformed."""


@dataclass(frozen=True)
class GoldenCase:
    """One expected outcome, written from the specification: a price or a refusal."""

    hour: int
    count: int
    unit_price: int
    price: int | float | None
    refusal: str | None

    @property
    def case_id(self) -> str:
        return f"h{self.hour:02d}-c{self.count}-p{self.unit_price}"


@dataclass(frozen=True)
class Manifest:
    """What a module version claims to be; the build verifies every claim."""

    name: str
    version: str
    description: str
    signature: Signature
    sha256: str
    size: int
    release_counter: int
    rustc: str
    target: str
    flags: tuple[str, ...]
    max_count: int
    max_unit_price: int
    max_price: int
    golden: tuple[GoldenCase, ...]
    specification: Specification | None = None


def _field(data: dict[str, Any], key: str, kind: type, where: str) -> Any:
    if key not in data:
        raise CatalogueError(f"{where}: missing field {key!r}")
    value = data[key]
    if (kind is int and isinstance(value, bool)) or not isinstance(value, kind):
        raise CatalogueError(
            f"{where}: field {key!r} expected {kind.__name__}, found {type(value).__name__}"
        )
    return value


def _valtypes(values: list[Any], where: str) -> tuple[str, ...]:
    bad = [v for v in values if v not in _VALTYPES]
    if bad:
        raise CatalogueError(f"{where}: expected wasm value types {sorted(_VALTYPES)}, found {bad}")
    return tuple(values)


def _golden(raw: dict[str, Any], where: str) -> GoldenCase:
    hour = _field(raw, "hour", int, where)
    count = _field(raw, "count", int, where)
    unit_price = _field(raw, "unit_price", int, where)
    price = raw.get("price")
    refusal = raw.get("refusal")
    if (price is None) == (refusal is None):
        raise CatalogueError(f"{where}: expected exactly one of 'price' or 'refusal'")
    if price is not None and (isinstance(price, bool) or not isinstance(price, int | float)):
        raise CatalogueError(f"{where}: 'price' expected a number, found {price!r}")
    if refusal is not None and not isinstance(refusal, str):
        raise CatalogueError(f"{where}: 'refusal' expected a string, found {refusal!r}")
    return GoldenCase(hour, count, unit_price, price, refusal)


def _specification(data: dict[str, Any], where: str, folder: Path | None, params: int) -> Any:
    if "specification" not in data:
        return None
    try:
        return parse_specification(
            data["specification"], f"{where} specification", folder, params == 3
        )
    except SpecificationError as exc:
        raise CatalogueError(str(exc)) from exc


def parse_manifest(data: Any, where: str, folder: Path | None = None) -> Manifest:
    """Validate a manifest document; `where` names it in every error, `folder` is where
    it lies (a reference specification is a file beside it)."""
    if not isinstance(data, dict):
        raise CatalogueError(f"{where}: expected a JSON object, found {type(data).__name__}")
    export = _field(data, "export", dict, where)
    toolchain = _field(data, "toolchain", dict, where)
    domain = _field(data, "domain", dict, where)
    golden = _field(data, "golden", list, where)
    return Manifest(
        name=_field(data, "name", str, where),
        version=_field(data, "version", str, where),
        description=_field(data, "description", str, where),
        signature=Signature(
            _valtypes(_field(export, "params", list, f"{where} export"), where),
            _valtypes(_field(export, "results", list, f"{where} export"), where),
        ),
        sha256=_field(data, "sha256", str, where),
        size=_field(data, "size", int, where),
        release_counter=_field(data, "release_counter", int, where),
        rustc=_field(toolchain, "rustc", str, f"{where} toolchain"),
        target=_field(toolchain, "target", str, f"{where} toolchain"),
        flags=tuple(_field(toolchain, "flags", list, f"{where} toolchain")),
        max_count=_field(domain, "max_count", int, f"{where} domain"),
        max_unit_price=_field(domain, "max_unit_price", int, f"{where} domain"),
        max_price=_field(domain, "max_price", int, f"{where} domain"),
        golden=tuple(_golden(g, f"{where} golden[{i}]") for i, g in enumerate(golden)),
        specification=_specification(data, where, folder, len(export.get("params", []))),
    )


def _rows(rows: list[Any], indent: str) -> str:
    """One JSON object a line: golden cases and price table rows read as a table."""
    return ",\n".join(indent + json.dumps(row) for row in rows)


def _list(key: str, rows: list[Any], indent: str) -> str:
    """`"key": [...]` with a row a line, or `[]` when there is none."""
    if not rows:
        return f'{indent}"{key}": []'
    return f'{indent}"{key}": [\n{_rows(rows, indent + "  ")}\n{indent}]'


def dump_manifest(data: dict[str, Any]) -> str:
    """Manifest JSON with one golden case (and one price table row) a line, so reviews
    read them as tables."""
    head = {k: v for k, v in data.items() if k not in ("specification", "golden")}
    text = json.dumps(head, indent=2)[:-2]
    spec = data.get("specification")
    if isinstance(spec, dict) and isinstance(spec.get("price_table"), list):
        table = _list("price_table", spec["price_table"], "    ")
        text += f',\n  "specification": {{\n{table}\n  }}'
    elif spec is not None:
        text += ',\n  "specification": ' + json.dumps(spec)
    return f"{text},\n{_list('golden', data.get('golden', []), '  ')}\n}}\n"


def versions() -> list[str]:
    """All module versions in the catalogue, in release order (v1, v2, ..., v10)."""
    found = [p.name for p in ROOT.iterdir() if _VERSION_RE.match(p.name) and p.is_dir()]
    return sorted(found, key=lambda v: int(v[1:]))


def module_dir(version: str) -> Path:
    if version not in versions():
        raise CatalogueError(f"unknown module version {version!r}; expected one of {versions()}")
    return ROOT / version


@cache
def manifest(version: str) -> Manifest:
    path = module_dir(version) / MANIFEST_NAME
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CatalogueError(f"{version} manifest: invalid JSON: {exc}") from exc
    parsed = parse_manifest(data, f"{version} manifest", path.parent)
    if parsed.version != version:
        raise CatalogueError(
            f"{version} manifest: field 'version' expected {version!r}, found {parsed.version!r}"
        )
    return parsed


def wasm_path(version: str) -> Path:
    return module_dir(version) / ARTIFACT_NAME


def wasm_bytes(version: str) -> bytes:
    return wasm_path(version).read_bytes()
