"""Hostile manifests: a version label that walks out of qualification/, text no report
can hold, numbers past i32, golden cases no sale can have, nesting too deep to parse.
Each is a CatalogueError naming the manifest and the field, before anything runs."""

from __future__ import annotations

import copy
import json
import math
from pathlib import Path
from typing import Any

import pytest

import price_modules
from hil.qualify.cli import main as qualify_main
from hil.subject import SubjectError, load_subject
from price_modules.catalogue import (
    ARTIFACT_NAME,
    MANIFEST_NAME,
    CatalogueError,
    parse_manifest,
)
from tests.qualify_modules import HERE as CANDIDATES
from tests.qualify_modules import build_candidate

ROOT = Path(__file__).resolve().parent.parent
V3 = json.loads((price_modules.module_dir("v3") / MANIFEST_NAME).read_text(encoding="utf-8"))
WHERE = "candidate/manifest.json"
LABEL = "expected a label of 1-64 ASCII letters, digits, '.', '_' or '-', not starting with '.'"
NOT_TEXT = "expected text without control characters or lone surrogates"


def changed(**fields: Any) -> dict[str, Any]:
    """v3's manifest with `fields` set; a key `a__b__0__c` reaches into data["a"]["b"][0]."""
    data: dict[str, Any] = copy.deepcopy(V3)
    for dotted, value in fields.items():
        *path, last = (int(k) if k.isdigit() else k for k in dotted.split("__"))
        target: Any = data
        for key in path:
            target = target[key]
        target[last] = value
    return data


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"version": "../../../escaped"}, f"field 'version' {LABEL}, found '../../../escaped'"),
        ({"version": "v3\0"}, f"field 'version' {NOT_TEXT}, found U+0000 at index 2"),
        ({"version": "v\ud800"}, f"field 'version' {NOT_TEXT}, found U+D800 at index 1"),
        ({"version": ".hidden"}, f"field 'version' {LABEL}, found '.hidden'"),
        ({"version": ""}, f"field 'version' {LABEL}, found ''"),
        ({"version": "v" * 65}, f"field 'version' {LABEL}, found '{'v' * 65}'"),
        ({"name": "happy\ud800"}, f"field 'name' {NOT_TEXT}, found U+D800 at index 5"),
        (
            {"description": "red\x1b[31m"},
            f"field 'description' {NOT_TEXT}, found U+001B at index 3",
        ),
        (
            {"description": "x" * 2001},
            "field 'description' expected at most 2000 characters, found 2001",
        ),
        ({"toolchain__flags": {"-O": 3}}, "toolchain: field 'flags' expected list, found dict"),
        ({"toolchain__flags": [["-O"]]}, "field 'flags' expected strings, found list"),
        ({"release_counter": 10**30}, f"field 'release_counter' expected 0..{2**53 - 1}, found"),
        ({"domain__max_count": 10**30}, "domain: field 'max_count' expected 0..2147483647, found"),
        ({"domain__max_count": -1}, "domain: field 'max_count' expected 0..2147483647, found -1"),
        ({"domain__max_unit_price": 2**31}, "field 'max_unit_price' expected 0..2147483647, found"),
        ({"domain__max_price": 2**40}, "domain: field 'max_price' expected 0..2147483647, found"),
        ({"golden__0__hour": 24}, "golden[0]: field 'hour' expected 0..23, found 24"),
        ({"golden__0__hour": -1}, "golden[0]: field 'hour' expected 0..23, found -1"),
        ({"golden__0__count": 10**30}, "golden[0]: field 'count' expected 0..2147483647, found"),
        ({"golden__0__unit_price": -5}, "field 'unit_price' expected 0..2147483647, found -5"),
        ({"golden__0__price": math.inf}, "golden[0]: field 'price' expected a finite number"),
        ({"golden__0__price": 2**40}, "golden[0]: field 'price' expected an i32"),
        (
            {"golden__0__price": None, "golden__0__refusal": "Invalid price : " + "9" * 5000},
            "golden[0]: field 'refusal' expected at most 200 characters, found 5016",
        ),
        ({"export__params": [{"i32": 1}]}, "expected wasm value types"),
    ],
)
def test_a_manifest_field_out_of_range_is_a_catalogue_error_naming_it(
    fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_manifest(changed(**fields), WHERE)
    assert str(caught.value).startswith(WHERE)
    assert message in str(caught.value)


def _candidate(folder: Path, manifest: dict[str, Any] | str) -> Path:
    folder.mkdir(parents=True)
    (folder / ARTIFACT_NAME).write_bytes(price_modules.wasm_bytes("v3"))
    text = manifest if isinstance(manifest, str) else json.dumps(manifest)
    (folder / MANIFEST_NAME).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    "fields",
    [{"version": "../../../escaped"}, {"name": "happy\ud800"}, {"description": "\ud800"}],
    ids=["version walks out", "name with a lone surrogate", "description with one"],
)
def test_pos_qualify_refuses_such_a_candidate_before_writing_anything(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fields: dict[str, Any],
) -> None:
    """The traversal wrote a PASS record outside qualification/; the surrogates crashed
    mkdir or the HTML report after the record was written."""
    candidate = _candidate(tmp_path / "candidate", changed(**fields))
    work = tmp_path / "work" / "deeper"
    work.mkdir(parents=True)
    monkeypatch.chdir(work)
    code = qualify_main([str(candidate), "--no-boards", "--no-progress"])
    assert code == 3, capsys.readouterr()
    assert "pos-qualify: usage error: SubjectError: " in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.rglob("*")) == sorted(
        ["candidate", ARTIFACT_NAME, MANIFEST_NAME, "work", "deeper"]
    )


def test_a_manifest_nested_deeper_than_the_parser_goes_is_typed(tmp_path: Path) -> None:
    from price_modules.catalogue import read_manifest

    deep = '{"golden": ' + "[" * 100_000 + "]" * 100_000 + "}"
    candidate = _candidate(tmp_path / "candidate", deep)
    with pytest.raises(SubjectError, match=r"found RecursionError: maximum recursion depth"):
        load_subject(str(candidate))
    with pytest.raises(CatalogueError) as caught:
        read_manifest(candidate / MANIFEST_NAME)
    assert str(caught.value) == (
        f"{candidate / MANIFEST_NAME}: expected JSON, found nesting too deep to parse"
    )


def test_every_manifest_the_project_holds_still_parses(tmp_path: Path) -> None:
    """The catalogue, the downstream example and the deliberately bad candidates."""
    assert [price_modules.manifest(v).version for v in price_modules.versions()] == [
        "v1",
        "v2",
        "v3",
        "v4",
    ]
    example = ROOT / "examples" / "downstream" / "bulk_discount"
    assert load_subject(str(example)).label == "bulk-1"
    for spec in sorted(CANDIDATES.glob("*.json")):
        folder = build_candidate(spec.stem, tmp_path / spec.stem)
        assert load_subject(str(folder)).label == json.loads(spec.read_text())["version"]
