"""`python -m price_modules.build --verify` on a copy of the catalogue, really rebuilt."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import price_modules
from price_modules.build import BuildError, find_rustc

PACKAGE = Path(price_modules.__file__).resolve().parent


def _verify(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "price_modules.build", "--verify"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
    )


@pytest.fixture
def catalogue_copy(tmp_path: Path) -> Path:
    shutil.copytree(
        PACKAGE, tmp_path / "price_modules", ignore=shutil.ignore_patterns("__pycache__")
    )
    return tmp_path


def test_rebuild_is_identical(catalogue_copy: Path) -> None:
    result = _verify(catalogue_copy)
    assert result.returncode == 0, result.stderr
    for version in price_modules.versions():
        assert f"ok   {version}: rebuilt identical" in result.stdout


def test_one_changed_byte_fails_naming_the_module(catalogue_copy: Path) -> None:
    artifact = catalogue_copy / "price_modules" / "v3" / "price_func.wasm"
    data = bytearray(artifact.read_bytes())
    data[-1] ^= 0x01
    artifact.write_bytes(bytes(data))
    result = _verify(catalogue_copy)
    assert result.returncode == 1
    assert "FAIL v3: rebuilt module differs from the committed price_func.wasm" in result.stderr
    assert "FAIL v3: manifest sha256" in result.stderr
    assert "v1" not in result.stderr and "v2" not in result.stderr


def test_missing_toolchain_names_the_packages(tmp_path: Path) -> None:
    rustc = tmp_path / "rustc"
    rustc.write_text("#!/bin/sh\necho /nonexistent-sysroot\n")
    rustc.chmod(0o755)
    with pytest.raises(BuildError) as info:
        find_rustc([str(rustc)])
    assert "libstd-rust-dev-wasm32" in str(info.value)
    assert "rustc" in str(info.value)
