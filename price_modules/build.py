"""Rebuild price modules from source and verify the committed artifacts.

`python -m price_modules.build --verify` rebuilds into a temporary folder and checks
that each rebuilt module is byte-identical to the committed one, and that each
manifest's sha256, size and export signature match the binary. The signature is read
from the module itself, never taken from the manifest.
`python -m price_modules.build --write` rebuilds in place and records sha256, size and
toolchain in the manifests (a deliberate release step).

Modules are the catalogue's versions (the default: all of them) or folders of another
team's, each holding `lib.rs` and `manifest.json`: `--write path/to/bulk_discount`.
"""

from __future__ import annotations

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
from firmware_host.errors import FirmwareError, StoreError
from firmware_host.exits import ExitCode, UsageParser
from firmware_host.runtime import EXPORT_NAME, export_signature
from firmware_host.store import atomic_write
from price_modules.catalogue import (
    ARTIFACT_NAME,
    MANIFEST_NAME,
    ROOT,
    SOURCE_NAME,
    CatalogueError,
    Manifest,
    dump_manifest,
    manifest,
    module_dir,
    parse_manifest,
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


@dataclass(frozen=True)
class Source:
    """One module to build: its label in messages and its folder (lib.rs, manifest)."""

    label: str
    folder: Path

    @property
    def manifest(self) -> Manifest:
        if self.folder.parent == ROOT:
            return manifest(self.label)
        path = self.folder / MANIFEST_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise BuildError(f"{self.label}: expected a readable {path}, found {exc}") from exc
        try:
            return parse_manifest(data, str(path), self.folder)
        except CatalogueError as exc:
            raise BuildError(str(exc)) from exc


def source(name: str) -> Source:
    """A catalogue version, else a folder holding lib.rs and manifest.json."""
    if name in versions():
        return Source(name, module_dir(name))
    folder = Path(name)
    if not (folder / SOURCE_NAME).is_file():
        raise BuildError(
            f"{name}: expected a catalogue version ({', '.join(versions())}) or a folder "
            f"holding {SOURCE_NAME} and {MANIFEST_NAME}, found neither"
        )
    return Source(folder.name, folder.resolve())


def build_module(toolchain: Toolchain, module: Source, out_dir: Path) -> Path:
    """Compile one module's source to `out_dir/<label>/price_func.wasm`."""
    src_dir = module.folder
    dest = out_dir / module.label / ARTIFACT_NAME
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
        raise BuildError(f"{module.label}: rustc failed:\n{result.stderr}")
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


def verify_version(module: Source, rebuilt: bytes | None) -> list[str]:
    """Every way the committed artifact disagrees with its rebuild or manifest."""
    label, record = module.label, module.manifest
    committed = (module.folder / ARTIFACT_NAME).read_bytes()
    problems = []
    if rebuilt is not None and rebuilt != committed:
        problems.append(
            f"{label}: rebuilt module differs from the committed {ARTIFACT_NAME} "
            f"(rebuilt sha256 {hashlib.sha256(rebuilt).hexdigest()}, committed "
            f"{hashlib.sha256(committed).hexdigest()})"
        )
    digest = hashlib.sha256(committed).hexdigest()
    if digest != record.sha256:
        problems.append(f"{label}: manifest sha256 {record.sha256}, artifact has {digest}")
    if len(committed) != record.size:
        problems.append(f"{label}: manifest size {record.size}, artifact has {len(committed)}")
    try:
        found = read_signature(committed)
    except BuildError as exc:
        problems.append(f"{label}: cannot read price_func signature: {exc}")
    else:
        if found != record.signature:
            problems.append(f"{label}: manifest signature {record.signature}, module has {found}")
    return problems


def verify(selected: list[Source]) -> list[str]:
    toolchain = find_rustc()
    problems: list[str] = []
    with tempfile.TemporaryDirectory(prefix="price-modules-") as tmp:
        for module in selected:
            if module.manifest.rustc != toolchain.version:
                problems.append(
                    f"{module.label}: recorded toolchain {module.manifest.rustc!r}, "
                    f"this machine has {toolchain.version!r}; rebuild may differ"
                )
            rebuilt = build_module(toolchain, module, Path(tmp)).read_bytes()
            problems.extend(verify_version(module, rebuilt))
    return problems


def write(selected: list[Source]) -> None:
    """Rebuild in place and record sha256, size and toolchain in each manifest."""
    toolchain = find_rustc()
    with tempfile.TemporaryDirectory(prefix="price-modules-") as tmp:
        for module in selected:
            wasm = build_module(toolchain, module, Path(tmp)).read_bytes()
            path = module.folder / MANIFEST_NAME
            data = json.loads(path.read_text(encoding="utf-8"))
            data["sha256"] = hashlib.sha256(wasm).hexdigest()
            data["size"] = len(wasm)
            data["toolchain"] = {"rustc": toolchain.version, "target": TARGET, "flags": list(FLAGS)}
            try:
                atomic_write(module.folder / ARTIFACT_NAME, wasm)
                atomic_write(path, dump_manifest(data).encode())
            except StoreError as exc:
                raise BuildError(f"{module.label}: {exc}") from exc
    manifest.cache_clear()


def main(argv: list[str] | None = None) -> int:
    parser = UsageParser(description=__doc__.splitlines()[0] if __doc__ else None)
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--verify", action="store_true", help="rebuild in a temp folder, compare")
    mode.add_argument("--write", action="store_true", help="rebuild in place, update manifests")
    parser.add_argument(
        "modules", nargs="*", help="catalogue versions or module folders (default: the catalogue)"
    )
    args = parser.parse_args(argv)
    try:
        selected = [source(name) for name in args.modules or versions()]
        if args.write:
            write(selected)
            print(f"built {', '.join(m.label for m in selected)}")
            return ExitCode.OK
        problems = verify(selected)
    except BuildError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return ExitCode.RIG
    for problem in problems:
        print(f"FAIL {problem}", file=sys.stderr)
    if problems:
        return ExitCode.REFUSED
    for module in selected:
        print(f"ok   {module.label}: rebuilt identical to committed artifact, manifest matches")
    return ExitCode.OK


if __name__ == "__main__":
    sys.exit(main())
