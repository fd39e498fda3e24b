"""Read-only access to the committed module versions and their manifests.

The manifests are data written from each module's specification; the catalogue only
parses them strictly, so a typo in a manifest is an error here rather than a silent
wrong expectation in a qualification.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from firmware_host.abi import I32_MAX, I32_MIN, Signature
from firmware_host.canonical import MAX_SAFE_INTEGER
from firmware_host.files import read_json_file
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
# A version label names the record's folder and the tests: a safe file name, ASCII only.
_LABEL_RE = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,63}")
MAX_TEXT = 200  # a name, a toolchain string, a flag, a refusal
MAX_DESCRIPTION = 2000
MAX_MANIFEST_BYTES = 1024 * 1024  # 168 golden cases take some 12 kB
HOURS = range(24)
_NOT_TEXT = frozenset({"Cc", "Cs"})  # control characters, lone surrogates


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


def _checked_text(value: str, key: str, where: str, max_len: int) -> str:
    """Text a report, a record or a folder name can hold: bounded, no control character,
    no lone surrogate (which has no UTF-8 form)."""
    if len(value) > max_len:
        raise CatalogueError(
            f"{where}: field {key!r} expected at most {max_len} characters, found {len(value)}"
        )
    bad = next((i for i, c in enumerate(value) if unicodedata.category(c) in _NOT_TEXT), None)
    if bad is not None:
        raise CatalogueError(
            f"{where}: field {key!r} expected text without control characters or lone "
            f"surrogates, found U+{ord(value[bad]):04X} at index {bad}"
        )
    return value


def _text(data: dict[str, Any], key: str, where: str, max_len: int = MAX_TEXT) -> str:
    return _checked_text(_field(data, key, str, where), key, where, max_len)


def _label(data: dict[str, Any], where: str) -> str:
    """The version label: it names the record's folder (qualification/<label>-...)."""
    label = _text(data, "version", where)
    if not _LABEL_RE.fullmatch(label):
        raise CatalogueError(
            f"{where}: field 'version' expected a label of 1-64 ASCII letters, digits, '.', "
            f"'_' or '-', not starting with '.', found {label!r}"
        )
    return label


def _integer(data: dict[str, Any], key: str, where: str, low: int, high: int) -> int:
    value: int = _field(data, key, int, where)
    if not low <= value <= high:
        raise CatalogueError(f"{where}: field {key!r} expected {low}..{high}, found {value}")
    return value


def _texts(values: list[Any], key: str, where: str) -> tuple[str, ...]:
    for value in values:
        if not isinstance(value, str):
            raise CatalogueError(
                f"{where}: field {key!r} expected strings, found {type(value).__name__}"
            )
        _checked_text(value, key, where, MAX_TEXT)
    return tuple(values)


def _valtypes(values: list[Any], where: str) -> tuple[str, ...]:
    bad = [v for v in values if not isinstance(v, str) or v not in _VALTYPES]
    if bad:
        raise CatalogueError(f"{where}: expected wasm value types {sorted(_VALTYPES)}, found {bad}")
    return tuple(values)


def _price(raw: dict[str, Any], where: str) -> int | float:
    """An i32 price, or a finite float (an f32 module's)."""
    price = raw["price"]
    if isinstance(price, bool) or not isinstance(price, int | float):
        raise CatalogueError(f"{where}: field 'price' expected a number, found {price!r}")
    if isinstance(price, int) and not I32_MIN <= price <= I32_MAX:
        raise CatalogueError(
            f"{where}: field 'price' expected an i32 ({I32_MIN}..{I32_MAX}), found {price}"
        )
    if isinstance(price, float) and not math.isfinite(price):
        raise CatalogueError(f"{where}: field 'price' expected a finite number, found {price}")
    return price


def _golden(raw: Any, where: str) -> GoldenCase:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: expected an object, found {type(raw).__name__}")
    hour = _integer(raw, "hour", where, HOURS.start, HOURS.stop - 1)
    count = _integer(raw, "count", where, 0, I32_MAX)
    unit_price = _integer(raw, "unit_price", where, 0, I32_MAX)
    has_price, has_refusal = raw.get("price") is not None, raw.get("refusal") is not None
    if has_price == has_refusal:
        raise CatalogueError(f"{where}: expected exactly one of 'price' or 'refusal'")
    price = _price(raw, where) if has_price else None
    refusal = _text(raw, "refusal", where) if has_refusal else None
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
    params = _valtypes(_field(export, "params", list, f"{where} export"), where)
    return Manifest(
        name=_text(data, "name", where),
        version=_label(data, where),
        description=_text(data, "description", where, MAX_DESCRIPTION),
        signature=Signature(
            params, _valtypes(_field(export, "results", list, f"{where} export"), where)
        ),
        sha256=_text(data, "sha256", where),
        size=_integer(data, "size", where, 0, I32_MAX),
        release_counter=_integer(data, "release_counter", where, 0, MAX_SAFE_INTEGER),
        rustc=_text(toolchain, "rustc", f"{where} toolchain"),
        target=_text(toolchain, "target", f"{where} toolchain"),
        flags=_texts(_field(toolchain, "flags", list, f"{where} toolchain"), "flags", where),
        max_count=_integer(domain, "max_count", f"{where} domain", 0, I32_MAX),
        max_unit_price=_integer(domain, "max_unit_price", f"{where} domain", 0, I32_MAX),
        max_price=_integer(domain, "max_price", f"{where} domain", 0, I32_MAX),
        golden=tuple(_golden(g, f"{where} golden[{i}]") for i, g in enumerate(golden)),
        specification=_specification(data, where, folder, len(params)),
    )


def read_manifest(path: Path) -> Any:
    """A manifest file's JSON: a regular file of at most MAX_MANIFEST_BYTES in UTF-8;
    anything else (a FIFO, nesting too deep to parse) is a CatalogueError naming it."""
    return read_json_file(path, MAX_MANIFEST_BYTES, "manifest", CatalogueError)


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
    data = read_manifest(path)
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
