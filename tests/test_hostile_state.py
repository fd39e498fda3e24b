"""A hostile state folder: a file or a symlink loop where the folder should be, a
state.json that is a folder, values no document could have written, a journal that is
no database. The firmware says what it expected (StoreError, StoreCorrupt,
JournalError) and the commands exit 2: the machine could not do its part."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from firmware_host import cli_firmware
from firmware_host.device import Device
from firmware_host.errors import StoreCorrupt, StoreError
from firmware_host.exits import ExitCode
from firmware_host.store import STATE_NAME, ModuleStore
from price_modules.catalogue import wasm_path
from simulator.__main__ import main as sim_main


def _loop(path: Path) -> None:
    path.symlink_to(path.with_name(path.name + "-back"))
    path.with_name(path.name + "-back").symlink_to(path)


@pytest.mark.parametrize(
    ("make", "found"),
    [(lambda p: p.write_text("x"), "a regular file"), (_loop, "a symlink loop")],
    ids=["a file", "a symlink loop"],
)
def test_a_state_dir_that_cannot_be_a_folder_is_a_store_error(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    make: Callable[[Path], object],
    found: str,
) -> None:
    """FileExistsError escaped both commands (exit 4)."""
    state = tmp_path / "state"
    make(state)
    message = f"{state}: expected a state folder, found {found}"
    with pytest.raises(StoreError, match=f"^{message}$"):
        Device(state)
    assert cli_firmware.main(["report", "--state-dir", str(state)]) == ExitCode.RIG
    assert capsys.readouterr().err == f"StoreError: {message}\n"
    assert sim_main(["--state-dir", str(state)]) == ExitCode.USAGE
    assert capsys.readouterr().err == f"pos-sim: usage error: StoreError: {message}\n"


@pytest.mark.parametrize(
    ("make", "found"),
    [
        (lambda p: p.mkdir(), "expected a store state file (a regular file), found a folder"),
        (_loop, "expected a readable store state file, found a symlink loop"),
    ],
    ids=["a folder", "a symlink loop"],
)
def test_a_state_json_that_is_no_file_is_corrupt(
    tmp_path: Path, make: Callable[[Path], object], found: str
) -> None:
    state_json = tmp_path / STATE_NAME
    make(state_json)
    with pytest.raises(StoreCorrupt) as caught:
        ModuleStore(tmp_path)
    assert str(caught.value) == f"{state_json}: {found}"


@pytest.fixture
def stored(tmp_path: Path) -> Path:
    """A state folder whose store holds v3, installed in development mode."""
    with Device(tmp_path, dev_mode=True) as device:
        assert device.load_module(wasm_path("v3").read_bytes(), label="v3").accepted
    return tmp_path


def _edit(state_json: Path, edit: Callable[[dict[str, Any]], None]) -> None:
    data = json.loads(state_json.read_text(encoding="utf-8"))
    edit(data)
    state_json.write_text(json.dumps(data), encoding="utf-8")  # "\ud800" as its escape


def _set(section: str | None, key: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def edit(data: dict[str, Any]) -> None:
        (data[section] if section else data)[key] = value

    return edit


MAX = 2**53 - 1


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (
            _set(None, "release-floor", -1),
            f"field 'release-floor': expected an integer in 0..{MAX}, found -1",
        ),
        (
            _set(None, "processed-version", 10**400),
            f"field 'processed-version': expected an integer in 1..{MAX}, found 1000",
        ),
        (
            _set(None, "processed-version", "7"),
            "field 'processed-version': expected an integer, found str",
        ),
        (
            _set("current", "abi", "nope"),
            "current field 'abi': expected one of ['current', 'launch'], found 'nope'",
        ),
        (
            _set("current", "sha256", "\ud800"),
            "current field 'sha256': expected Unicode text, found a lone surrogate U+D800 "
            "at index 0",
        ),
        (
            _set("current", "sha256", "../../etc/passwd"),
            "current field 'sha256': expected 64 lowercase hex digits, found '../../etc/passwd'",
        ),
        (
            _set("current", "release_counter", -3),
            f"current field 'release_counter': expected an integer in 0..{MAX}, found -3",
        ),
        (
            _set("current", "key_id", "a/b"),
            "current field 'key_id': expected 1-64 of [A-Za-z0-9._-], found 'a/b'",
        ),
        (
            _set("config", "version", 0),
            f"config field 'version': expected an integer in 1..{MAX}, found 0",
        ),
    ],
)
def test_a_stored_value_no_document_could_have_written_is_corrupt(
    stored: Path, edit: Callable[[dict[str, Any]], None], message: str
) -> None:
    """Each was accepted silently, or crashed later (a lone surrogate in the sha256 that
    names the module's file raised UnicodeEncodeError)."""
    state_json = stored / "store" / STATE_NAME
    _edit(state_json, edit)
    with pytest.raises(StoreCorrupt) as caught:
        Device(stored, dev_mode=True)
    assert str(caught.value).startswith(f"{state_json}: {message}")


def test_a_journal_that_is_no_database_is_the_machines_not_a_refusal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "journal.sqlite3").write_bytes(b"not a database, " * 100)
    assert cli_firmware.main(["report", "--state-dir", str(tmp_path)]) == ExitCode.RIG
    assert capsys.readouterr().err == (
        f"JournalError: {tmp_path / 'journal.sqlite3'}: expected a writable SQLite journal, "
        "found file is not a database\n"
    )
