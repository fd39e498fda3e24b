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
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from firmware_host.config import parse_settings
from firmware_host.errors import DocumentRejected, NoInstalledModule, StoreCorrupt, StoreError
from firmware_host.texts import languages

STATE_NAME = "state.json"
MODULES_DIR = "modules"
TMP_PREFIX = ".tmp-"
FORMAT = 1


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
        try:
            if data["format"] != FORMAT:
                raise StoreCorrupt(f"{where}: expected format {FORMAT}, found {data['format']!r}")
            current, lkg = data["current"], data["last-known-good"]
            config = AppliedConfig(**data["config"])
            parse_settings(asdict(config), languages())
            return cls(
                current=ModuleRecord(**current) if current else None,
                last_known_good=ModuleRecord(**lkg) if lkg else None,
                config=config,
                processed_version=data["processed-version"],
                release_floor=data["release-floor"],
            )
        except (KeyError, TypeError) as exc:
            raise StoreCorrupt(f"{where}: expected the store state schema, found {exc!r}") from None
        except DocumentRejected as exc:  # a configuration no document could have applied
            raise StoreCorrupt(f"{where}: config {exc}") from None


class ModuleStore:
    """A directory holding the installed modules and the applied state, crash-safely."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.modules = root / MODULES_DIR
        self.modules.mkdir(parents=True, exist_ok=True)
        self._state = self._read_state()
        self._collect_garbage()

    @property
    def state(self) -> StoreState:
        return self._state

    def _read_state(self) -> StoreState:
        path = self.root / STATE_NAME
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return StoreState()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreCorrupt(f"{path}: expected JSON, found an error: {exc}") from None
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
        try:
            wasm = path.read_bytes()
        except OSError as exc:
            raise StoreCorrupt(f"{path}: expected a stored module, found {exc.strerror}") from None
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
