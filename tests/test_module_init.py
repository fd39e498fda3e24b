"""`pos-module init`: a team's own module gets the skeleton of its manifest, from the
binary, and learns what is left for it to write; a skeleton alone never qualifies."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
import wasmtime

from hil.qualify import main as qualify
from price_modules import cli
from price_modules.catalogue import parse_manifest

ROOT = Path(__file__).resolve().parent.parent
BULK = ROOT / "examples" / "downstream" / "bulk_discount" / "price_func.wasm"


def init(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = cli.main(["init", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_the_skeleton_says_what_the_binary_says_and_what_is_left(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wasm = tmp_path / "team" / "bulk.wasm"
    wasm.parent.mkdir()
    shutil.copy(BULK, wasm)
    code, out, _ = init(capsys, str(wasm))
    assert code == 0
    manifest_file = wasm.with_name("manifest.json")
    data = json.loads(manifest_file.read_text())
    parsed = parse_manifest(data, "m", manifest_file.parent)
    assert (parsed.name, parsed.version) == ("bulk", "bulk")
    assert parsed.sha256 == hashlib.sha256(BULK.read_bytes()).hexdigest()
    assert parsed.size == len(BULK.read_bytes())
    assert str(parsed.signature) == "(i32, i32, i32) -> i32"
    assert parsed.specification is None and parsed.golden == ()
    required, record_only = out.split("to fill in before pos-qualify can pass it:")[1].split(
        "and for the record:"
    )
    assert [line.split(":")[0].strip() for line in required.strip().splitlines()] == [
        "specification", "golden",
    ]  # fmt: skip
    assert "description" in record_only and "toolchain" in record_only
    assert "domain: written as what a terminal takes" in record_only
    assert parsed.max_count == parsed.max_unit_price == 999 and parsed.max_price == 100


def test_a_skeleton_alone_fails_qualification_naming_what_is_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "team"
    folder.mkdir()
    shutil.copy(BULK, folder / "price_func.wasm")
    assert init(capsys, str(folder / "price_func.wasm"), "--label", "bulk-0")[0] == 0
    out = tmp_path / "out"
    assert qualify([str(folder), "--no-boards", "--out", str(out), "--no-progress"]) == 1
    checks = {c["name"]: c for c in json.loads((out / "record.json").read_text())["checks"]}
    assert checks["claims"]["outcome"] == "PASS"
    assert checks["golden"]["observed"] == "not run: the manifest declares no golden cases"
    assert checks["specification"]["observed"].startswith("not run: the manifest declares no")
    assert {checks[n]["outcome"] for n in ("golden", "specification")} == {"FAIL"}


def test_a_module_without_a_manifest_is_pointed_at_init(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shutil.copy(BULK, tmp_path / "price_func.wasm")
    assert qualify([str(tmp_path), "--no-boards", "--no-progress"]) == 3
    err = capsys.readouterr().err
    assert f"(pos-module init {tmp_path / 'price_func.wasm'} writes a skeleton to fill in)" in err


def test_an_existing_manifest_is_never_overwritten(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wasm = tmp_path / "price_func.wasm"
    shutil.copy(BULK, wasm)
    (tmp_path / "manifest.json").write_text("{ours}")
    code, _, err = init(capsys, str(wasm))
    assert code == 3 and "UsageProblem" in err and "never overwrites" in err
    assert (tmp_path / "manifest.json").read_text() == "{ours}"


@pytest.mark.parametrize(
    ("content", "code", "error"),
    [
        (None, 2, "FileProblem"),
        (b"(module)", 1, "NotWasm"),
        (bytes(wasmtime.wat2wasm('(module (func (export "other")))')), 1, "MissingExport"),
    ],
)
def test_what_is_no_module_is_refused_with_the_firmwares_words(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, code: int, error: str
) -> None:
    wasm = tmp_path / "m.wasm"
    if content is not None:
        wasm.write_bytes(content)
    got, _, err = init(capsys, str(wasm))
    assert got == code and err.startswith(f"{error}: ")
    assert not (tmp_path / "manifest.json").exists()
