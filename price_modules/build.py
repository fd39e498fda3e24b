"""Rebuild every price module from source and verify the committed artifacts.

`python -m price_modules.build --verify` rebuilds into a temporary folder and checks
that each rebuilt module is byte-identical to the committed one, and that each
manifest's sha256, size and export signature match the binary. The signature is read
from the module itself with wasmtime, never taken from the manifest.
`python -m price_modules.build --write` rebuilds in place and records sha256, size and
toolchain in the manifests (a deliberate release step).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from firmware_host.abi import Signature
from firmware_host.errors import FirmwareError
from firmware_host.runtime import EXPORT_NAME, export_signature
from price_modules.catalogue import (
    ARTIFACT_NAME,
    MANIFEST_NAME,
    SOURCE_NAME,
    dump_manifest,
    manifest,
    module_dir,
    versions,
)

TARGET = "wasm32-unknown-unknown"
FLAGS = (
    "--edition=2021",
    "--crate-type=cdylib",
    f"--target={TARGET}",
    "-Copt-level=3",
    "-Cpanic=abort",
    "-Cdebuginfo=0",
    "-Cstrip=symbols",
)
MISSING_TARGET_HELP = (
    f"no rustc with the {TARGET} target was found. Install Debian's 'rustc' and "
    "'libstd-rust-dev-wasm32' packages (apt-get install rustc libstd-rust-dev-wasm32), "
    f"run 'rustup target add {TARGET}', or point WASM_RUSTC at a rustc that has it."
)


class BuildError(Exception):
    """A module could not be built, or a rebuilt module differs from its record."""


@dataclass(frozen=True)
class Toolchain:
    rustc: Path
    version: str


def _candidates() -> Iterable[str]:
    if env := os.environ.get("WASM_RUSTC"):
        yield env
    if found := shutil.which("rustc"):
        yield found
    # Debian's rustc, which has the target when libstd-rust-dev-wasm32 is installed.
    yield "/usr/bin/rustc"


def _has_target(rustc: str) -> bool:
    try:
        sysroot = subprocess.run(
            [rustc, "--print", "sysroot"], capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return False
    return (Path(sysroot) / "lib" / "rustlib" / TARGET / "lib").is_dir()


def find_rustc(candidates: Iterable[str] | None = None) -> Toolchain:
    """The first rustc that can build wasm32, or a BuildError naming the packages."""
    for candidate in dict.fromkeys(_candidates() if candidates is None else candidates):
        if _has_target(candidate):
            version = subprocess.run(
                [candidate, "--version"], capture_output=True, text=True, timeout=30, check=True
            ).stdout.strip()
            return Toolchain(Path(candidate), version)
    raise BuildError(MISSING_TARGET_HELP)


def build_module(toolchain: Toolchain, version: str, out_dir: Path) -> Path:
    """Compile one version's source to `out_dir/<version>/price_func.wasm`."""
    src_dir = module_dir(version)
    dest = out_dir / version / ARTIFACT_NAME
    dest.parent.mkdir(parents=True, exist_ok=True)
    # Run from the source folder with relative paths so no build path enters the binary.
    result = subprocess.run(
        [str(toolchain.rustc), *FLAGS, SOURCE_NAME, "-o", str(dest.resolve())],
        cwd=src_dir,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise BuildError(f"{version}: rustc failed:\n{result.stderr}")
    return dest


def read_signature(wasm: bytes) -> Signature:
    """The export's function type, read from the binary by the firmware's own reader."""
    try:
        signature = export_signature(wasm)
    except FirmwareError as exc:
        raise BuildError(f"{type(exc).__name__}: {exc}") from exc
    if signature is None:
        raise BuildError(f"expected a function export named {EXPORT_NAME!r}, found none")
    return signature


def verify_version(version: str, rebuilt: bytes | None) -> list[str]:
    """Every way the committed artifact disagrees with its rebuild or manifest."""
    record = manifest(version)
    committed = (module_dir(version) / ARTIFACT_NAME).read_bytes()
    problems = []
    if rebuilt is not None and rebuilt != committed:
        problems.append(
            f"{version}: rebuilt module differs from the committed {ARTIFACT_NAME} "
            f"(rebuilt sha256 {hashlib.sha256(rebuilt).hexdigest()}, committed "
            f"{hashlib.sha256(committed).hexdigest()})"
        )
    digest = hashlib.sha256(committed).hexdigest()
    if digest != record.sha256:
        problems.append(f"{version}: manifest sha256 {record.sha256}, artifact has {digest}")
    if len(committed) != record.size:
        problems.append(f"{version}: manifest size {record.size}, artifact has {len(committed)}")
    try:
        found = read_signature(committed)
    except BuildError as exc:
        problems.append(f"{version}: cannot read price_func signature: {exc}")
    else:
        if found != record.signature:
            problems.append(f"{version}: manifest signature {record.signature}, module has {found}")
    return problems


def verify(selected: list[str]) -> list[str]:
    toolchain = find_rustc()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="price-modules-") as tmp:
        for version in selected:
            if manifest(version).rustc != toolchain.version:
                problems.append(
                    f"{version}: recorded toolchain {manifest(version).rustc!r}, "
                    f"this machine has {toolchain.version!r}; rebuild may differ"
                )
            rebuilt = build_module(toolchain, version, Path(tmp)).read_bytes()
            problems.extend(verify_version(version, rebuilt))
    return problems


def write(selected: list[str]) -> None:
    """Rebuild in place and record sha256, size and toolchain in each manifest."""
    toolchain = find_rustc()
    with tempfile.TemporaryDirectory(prefix="price-modules-") as tmp:
        for version in selected:
            wasm = build_module(toolchain, version, Path(tmp)).read_bytes()
            path = module_dir(version) / MANIFEST_NAME
            data = json.loads(path.read_text(encoding="utf-8"))
            data["sha256"] = hashlib.sha256(wasm).hexdigest()
            data["size"] = len(wasm)
            data["toolchain"] = {"rustc": toolchain.version, "target": TARGET, "flags": list(FLAGS)}
            _atomic_write(module_dir(version) / ARTIFACT_NAME, wasm)
            _atomic_write(path, dump_manifest(data).encode())
    manifest.cache_clear()


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--verify", action="store_true", help="rebuild in a temp folder, compare")
    mode.add_argument("--write", action="store_true", help="rebuild in place, update manifests")
    parser.add_argument("versions", nargs="*", help="versions (default: all)")
    args = parser.parse_args(argv)
    selected = args.versions or versions()
    try:
        if args.write:
            write(selected)
            print(f"built {', '.join(selected)}")
            return 0
        problems = verify(selected)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if problems:
        return 1
    for version in selected:
        print(f"ok   {version}: rebuilt identical to committed artifact, manifest matches")
    return 0


if __name__ == "__main__":
    sys.exit(main())
