"""The module store: installed modules, last-known-good and the device's applied state.

Layout of the store directory:

    modules/<sha256>.wasm   content-addressed module files, immutable once written
    state.json              which module is current, which is last-known-good, the applied
                            configuration, the last processed desired version and the
                            highest release counter ever installed

Every file is written as temp file -> write -> fsync -> rename -> fsync of the directory.
An install writes the module file first and `state.json` last: the rename of
`state.json` is the single commit point. A power cut before it leaves the old state
(whose module files are never deleted before the new state is durable); after it, the
new module is already durable. Files no state refers to (an interrupted install) are
removed on the next open. On boot the device asks for `boot_candidates()`: current
first, then last-known-good, each checked against its sha256.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from firmware_host.config import (
    ABI_NAMES,
    MAX_COUNTER,
    choice_field,
    integer_field,
    key_id_field,
    parse_settings,
    sha256_field,
    text_field,
)
from firmware_host.errors import DocumentRejected, NoInstalledModule, StoreCorrupt, StoreError
from firmware_host.files import describe, read_json_file, read_regular_file
from firmware_host.sandbox import DEFAULT_MAX_MODULE_BYTES
from firmware_host.texts import languages

STATE_NAME = "state.json"
MODULES_DIR = "modules"
TMP_PREFIX = ".tmp-"
FORMAT = 1
MAX_STATE_BYTES = 64 * 1024  # a few hundred bytes in use; a cap, so a corrupt file is no hang
MAX_LABEL = 256


def ensure_folder(path: Path, what: str) -> None:
    """`path` as a folder, made with its parents when missing; anything else in its place
    (a file, a symlink loop) is a `StoreError` naming what was found."""
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        found = describe(path) if isinstance(exc, FileExistsError) else exc.strerror
        raise StoreError(f"{path}: expected {what}, found {found}") from None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, data: bytes) -> None:
    """Replace `path` with `data` so that a crash leaves either the old or the new file."""
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}-{secrets.token_hex(4)}")
    try:
        with open(tmp, "xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise StoreError(f"{path}: expected a durable write, found {exc}") from exc


@dataclass(frozen=True)
class ModuleRecord:
    """What is known about an installed module besides its bytes."""

    sha256: str
    abi: str
    version: int | None = None
    release_counter: int | None = None
    key_id: str | None = None
    label: str | None = None
    key_sha256: str | None = None  # the verified signing key itself (trust.key_fingerprint)


@dataclass(frozen=True)
class AppliedConfig:
    """The non-module part of the last applied document, and that document's version."""

    status: str = "enabled"
    language: str = "EN"
    tax: float = 0.0
    version: int | None = None

    @property
    def enabled(self) -> bool:
        """Open for sales; any other status keeps the terminal closed."""
        return self.status == "enabled"


@dataclass(frozen=True)
class StoreState:
    current: ModuleRecord | None = None
    last_known_good: ModuleRecord | None = None
    config: AppliedConfig = field(default_factory=AppliedConfig)
    processed_version: int | None = None
    release_floor: int | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "current": asdict(self.current) if self.current else None,
            "last-known-good": asdict(self.last_known_good) if self.last_known_good else None,
            "config": asdict(self.config),
            "processed-version": self.processed_version,
            "release-floor": self.release_floor,
        }

    @classmethod
    def from_json(cls, data: Any, where: Path) -> StoreState:
        """The state as stored, each value checked as strictly as the document that set
        it: a value no document could have written (a negative floor, an unknown ABI, a
        digest that names no file) is `StoreCorrupt`, never a crash later."""
        section = ""  # the top level
        try:
            if data["format"] != FORMAT:
                raise StoreCorrupt(f"{where}: expected format {FORMAT}, found {data['format']!r}")
            section = "config"
            config = AppliedConfig(**data["config"])
            parse_settings(asdict(config), languages())
            _optional("version", config.version, _version)
            section = "current"
            current = _record(data["current"])
            section = "last-known-good"
            last_known_good = _record(data["last-known-good"])
            section = ""
            return cls(
                current=current,
                last_known_good=last_known_good,
                config=config,
                processed_version=_optional(
                    "processed-version", data["processed-version"], _version
                ),
                release_floor=_optional("release-floor", data["release-floor"], _counter),
            )
        except (KeyError, TypeError) as exc:
            inside = f" in {section}" if section else ""
            raise StoreCorrupt(
                f"{where}: expected the store state schema{inside}, found {exc!r}"
            ) from None
        except DocumentRejected as exc:  # a value no document could have set
            raise StoreCorrupt(f"{where}: {section + ' ' if section else ''}{exc}") from None


def _version(name: str, value: Any) -> int:
    return integer_field(name, value, 1, MAX_COUNTER)


def _counter(name: str, value: Any) -> int:
    return integer_field(name, value, 0, MAX_COUNTER)


def _label(name: str, value: Any) -> str:
    return text_field(name, value, MAX_LABEL)


def _optional(name: str, value: Any, check: Callable[[str, Any], Any]) -> Any:
    return None if value is None else check(name, value)


_RECORD_FIELDS: dict[str, Callable[[str, Any], Any]] = {
    "sha256": sha256_field,
    "abi": lambda name, value: choice_field(name, value, ABI_NAMES),
    "version": _version,
    "release_counter": _counter,
    "key_id": key_id_field,
    "label": _label,
    "key_sha256": sha256_field,
}
_REQUIRED = frozenset({"sha256", "abi"})


def _record(raw: Any) -> ModuleRecord | None:
    """A stored module record, each field checked as a document's (its sha256 names a
    file, so it must be hex); None for none."""
    if not raw:
        return None
    record = ModuleRecord(**raw)
    for name, check in _RECORD_FIELDS.items():
        value = getattr(record, name)
        if value is not None or name in _REQUIRED:
            check(name, value)
    return record


class ModuleStore:
    """A directory holding the installed modules and the applied state, crash-safely."""

    def __init__(self, root: Path, max_module_bytes: int = DEFAULT_MAX_MODULE_BYTES) -> None:
        self.root = root
        self.modules = root / MODULES_DIR
        self.max_module_bytes = max_module_bytes  # a stored module is read up to this cap
        ensure_folder(self.modules, "a module store folder")
        self._state = self._read_state()
        self._collect_garbage()

    @property
    def state(self) -> StoreState:
        return self._state

    def _read_state(self) -> StoreState:
        path = self.root / STATE_NAME
        if not os.path.lexists(path):
            return StoreState()
        data = read_json_file(path, MAX_STATE_BYTES, "store state file", StoreCorrupt)
        return StoreState.from_json(data, path)

    def _write_state(self, state: StoreState) -> None:
        text = json.dumps(state.to_json(), indent=2, sort_keys=True) + "\n"
        atomic_write(self.root / STATE_NAME, text.encode("utf-8"))
        self._state = state

    def _module_path(self, sha256: str) -> Path:
        return self.modules / f"{sha256}.wasm"

    def _collect_garbage(self) -> None:
        """Remove temp files and modules no state refers to (left by an interrupted install)."""
        keep = {r.sha256 for r in (self._state.current, self._state.last_known_good) if r}
        for directory in (self.root, self.modules):
            for path in directory.iterdir():
                stale_tmp = path.name.startswith(TMP_PREFIX)
                orphan = directory == self.modules and path.stem not in keep
                if path.is_file() and (stale_tmp or orphan):
                    path.unlink()

    def install(
        self,
        wasm: bytes,
        record: ModuleRecord,
        *,
        running: ModuleRecord | None,
        config: AppliedConfig,
        processed_version: int | None,
    ) -> None:
        """Make `wasm` current and `running` (what the device runs now) last-known-good."""
        actual = hashlib.sha256(wasm).hexdigest()
        if actual != record.sha256:
            raise StoreCorrupt(f"install: expected module sha256 {record.sha256}, found {actual}")
        path = self._module_path(record.sha256)
        if not path.exists():
            atomic_write(path, wasm)
        keep = (
            running if running and running.sha256 != record.sha256 else self._state.last_known_good
        )
        floors = [c for c in (self._state.release_floor, record.release_counter) if c is not None]
        self._write_state(
            StoreState(
                current=record,
                last_known_good=keep,
                config=config,
                processed_version=processed_version,
                release_floor=max(floors) if floors else None,
            )
        )
        self._collect_garbage()

    def update(
        self,
        *,
        config: AppliedConfig | None = None,
        processed_version: int | None = None,
        current: ModuleRecord | None = None,
    ) -> None:
        """Record a configuration-only change: the settings, the version floor and what is
        known about the running module (a document signing it again names the new key)."""
        state = self._state
        if current is not None:
            state = replace(state, current=current)
        if config is not None:
            state = replace(state, config=config)
        if processed_version is not None:
            state = replace(state, processed_version=processed_version)
        if state != self._state:
            self._write_state(state)

    def read_module(self, record: ModuleRecord) -> bytes:
        """The module's bytes, checked against its recorded sha256."""
        path = self._module_path(record.sha256)
        wasm = read_regular_file(path, self.max_module_bytes, "stored module", StoreCorrupt)
        actual = hashlib.sha256(wasm).hexdigest()
        if actual != record.sha256:
            raise StoreCorrupt(f"{path}: expected sha256 {record.sha256}, found {actual}")
        return wasm

    def boot_candidates(self) -> list[ModuleRecord]:
        """Current first, then last-known-good; raises if nothing was ever installed."""
        found = [r for r in (self._state.current, self._state.last_known_good) if r]
        if not found:
            raise NoInstalledModule(f"{self.root}: expected an installed module, found none")
        return found
