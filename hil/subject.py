"""The module under test: a catalogue version or a candidate on disk, with its claims.

A candidate is a `.wasm` file with `manifest.json` beside it, or a folder holding
`price_func.wasm` and `manifest.json`. Its manifest is parsed as strictly as the
catalogue's, so a qualification never runs against a half-read claim. What the suite
expects of a module comes from its manifest (signature, golden cases) and from the
written specification of the rule it names (hil/reference.py), never from running it.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import price_modules
from firmware_host.abi import FirmwareAbi
from firmware_host.errors import FirmwareError
from firmware_host.files import read_regular_file
from hil.reference import PriceRule, rule_of
from hil.reference_process import SpecificationError
from price_modules.catalogue import (
    ARTIFACT_NAME,
    MANIFEST_NAME,
    MAX_MANIFEST_BYTES,
    CatalogueError,
    Manifest,
    parse_manifest,
)
from price_modules.specification import ReferenceFile

# A candidate is read whole before the checks judge it (one over the firmware's 64 KiB
# module cap fails `abi` as a terminal would refuse it); this only bounds the read.
MAX_CANDIDATE_BYTES = 16 * 1024 * 1024
MAX_REFERENCE_BYTES = 1024 * 1024  # a reference file is source code a person wrote


class SubjectError(FirmwareError):
    """A `--module` value names neither a catalogue version nor a readable candidate."""


@dataclass(frozen=True)
class Subject:
    """One module the suite runs: `label` names it in test ids."""

    label: str
    source: str
    wasm: bytes
    manifest: Manifest
    manifest_text: str = ""  # as read, for a candidate: what a snapshot of it holds

    @property
    def in_catalogue(self) -> bool:
        return self.source in price_modules.versions()

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.wasm).hexdigest()

    @cached_property
    def rule(self) -> PriceRule | None:
        """The rule the manifest declares (price table or reference file), or None."""
        return rule_of(self.manifest)

    def accepted_by(self, abi: FirmwareAbi) -> bool:
        """The manifest's claimed signature decides what the firmware must do."""
        return self.manifest.signature == abi.signature


def catalogue_subject(version: str) -> Subject:
    try:
        return Subject(
            version,
            version,
            price_modules.wasm_bytes(version),
            price_modules.manifest(version),
        )
    except CatalogueError as exc:
        raise SubjectError(str(exc)) from exc


def _candidate_files(path: Path) -> tuple[Path, Path]:
    if path.is_dir():
        return path / ARTIFACT_NAME, path / MANIFEST_NAME
    return path, path.with_name(MANIFEST_NAME)


def candidate_subject(path: Path) -> Subject:
    """A module on disk; its label is its manifest's version, which must not be a
    catalogue version's unless it is that version's bytes (a copied manifest would
    otherwise name another module v3 in every test id and record)."""
    wasm_file, manifest_file = _candidate_files(path)
    try:
        wasm = read_regular_file(wasm_file, MAX_CANDIDATE_BYTES, "module", SubjectError)
        raw = read_regular_file(manifest_file, MAX_MANIFEST_BYTES, MANIFEST_NAME, SubjectError)
        text = raw.decode("utf-8")
        data = json.loads(text)
    except (SubjectError, ValueError, RecursionError) as exc:
        hint = (
            f" (pos-module init {wasm_file} writes a skeleton to fill in)"
            if wasm_file.is_file() and not manifest_file.exists()
            else ""
        )
        raise SubjectError(
            f"module {path}: expected {wasm_file.name} with {MANIFEST_NAME} beside it, "
            f"found {type(exc).__name__}: {exc}{hint}"
        ) from None
    try:
        manifest = parse_manifest(data, str(manifest_file), manifest_file.parent.resolve())
    except CatalogueError as exc:
        raise SubjectError(str(exc)) from exc
    # Absolute, so a suite started in another working folder finds the same file.
    subject = Subject(manifest.version, str(path.resolve()), wasm, manifest, text)
    _own_label(subject, manifest_file)
    spec = manifest.specification
    if isinstance(spec, ReferenceFile):  # its child process would read a device forever
        read_regular_file(spec.path, MAX_REFERENCE_BYTES, "reference file", SubjectError)
    try:  # a reference file that does not load is named now, not mid-run
        rule_of(manifest)
    except SpecificationError as exc:
        raise SubjectError(str(exc)) from exc
    return subject


def _own_label(subject: Subject, manifest_file: Path) -> None:
    """Compared without case: V3 in a record reads as the catalogue's v3."""
    same = [v for v in price_modules.versions() if v.casefold() == subject.label.casefold()]
    if not same:
        return
    theirs = hashlib.sha256(price_modules.wasm_bytes(same[0])).hexdigest()
    if theirs != subject.sha256:
        raise SubjectError(
            f"{manifest_file}: field 'version' expected a label of this module's own, found "
            f"{subject.label!r}, the catalogue's {same[0]} (sha256 {theirs[:12]}...), "
            f"while this module's sha256 is {subject.sha256[:12]}..."
        )


def snapshot(subject: Subject, dest: Path) -> Subject:
    """The candidate as it was read, copied into `dest` and loaded from there: the
    qualification's every check and its HIL suite then judge the same bytes, whatever
    happens to the submitted files meanwhile. A reference file is copied as it is now
    (it stands alone: it is run by itself, without its folder on the path)."""
    spec = subject.manifest.specification
    files = {ARTIFACT_NAME: subject.wasm, MANIFEST_NAME: subject.manifest_text.encode("utf-8")}
    if isinstance(spec, ReferenceFile):
        files[spec.path.name] = read_regular_file(
            spec.path, MAX_REFERENCE_BYTES, "reference file", SubjectError
        )
    try:
        dest.mkdir(parents=True, exist_ok=True)
        for name, data in files.items():
            (dest / name).write_bytes(data)
    except OSError as exc:  # the record folder's disk or permissions: the machine's
        raise SubjectError(
            f"{dest}: expected to copy the candidate into the record folder, found "
            f"{exc.strerror or exc}"
        ) from None
    return candidate_subject(dest)


def load_subject(name: str) -> Subject:
    """`v3` from the catalogue, else a path to a candidate file or folder."""
    if name in price_modules.versions():
        return catalogue_subject(name)
    path = Path(name)
    if not path.exists():
        raise SubjectError(
            f"module {name!r}: expected a catalogue version ({', '.join(price_modules.versions())})"
            " or a path to a candidate .wasm or folder, found neither"
        )
    return candidate_subject(path)


def load_subjects(names: list[str]) -> list[Subject]:
    """The selected modules (all catalogue versions when none); labels must be unique."""
    subjects = [load_subject(n) for n in names or price_modules.versions()]
    labels = [s.label for s in subjects]
    clashes = sorted({label for label in labels if labels.count(label) > 1})
    if clashes:
        raise SubjectError(
            f"modules: expected distinct manifest versions to name tests, found {clashes} twice"
        )
    return subjects


def newest_catalogue(matches: Callable[[Subject], bool]) -> Subject | None:
    """The newest catalogue version for which `matches` holds, if any."""
    for version in reversed(price_modules.versions()):
        subject = catalogue_subject(version)
        if matches(subject):
            return subject
    return None


def fallback_module(abi: FirmwareAbi, exclude_sha256: str) -> Subject | None:
    """The newest catalogue module the firmware accepts: what keeps running when a
    refused module is offered, and the other side of a hot swap."""
    return newest_catalogue(
        lambda s: s.accepted_by(abi) and s.sha256 != exclude_sha256 and s.rule is not None
    )
