"""The watched folder: which files are taken when (pure), and the app applying documents
dropped into a real folder."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from price_modules import wasm_bytes
from simulator.watch import FolderScan, FolderWatch, list_folder
from tests.documents import Signer
from tests.sim_support import WAIT_S, run, sim_app, wait_until


def test_a_file_is_taken_once_it_stops_changing() -> None:
    scan = FolderScan()
    assert scan.update({"a.json": (1, 10)}) == []  # just appeared: may still be copying
    assert scan.update({"a.json": (2, 20)}) == []  # still growing
    assert scan.update({"a.json": (2, 20)}) == ["a.json"]
    assert scan.update({"a.json": (2, 20)}) == []  # taken once
    assert scan.update({"a.json": (3, 20)}) == []  # rewritten...
    assert scan.update({"a.json": (3, 20)}) == ["a.json"]  # ...taken again when settled


def test_a_removed_file_dropped_in_again_is_new() -> None:
    scan = FolderScan()
    scan.update({"a.json": (1, 10)})
    assert scan.update({"a.json": (1, 10), "b.json": (1, 5)}) == ["a.json"]
    assert scan.update({"b.json": (1, 5)}) == ["b.json"]
    scan.update({"a.json": (1, 10), "b.json": (1, 5)})
    assert scan.update({"a.json": (1, 10), "b.json": (1, 5)}) == ["a.json"]


def test_only_visible_json_files_are_listed(tmp_path: Path) -> None:
    for name in ("doc.json", ".doc.json", "doc.json.part", "notes.txt"):
        (tmp_path / name).write_text("{}")
    (tmp_path / "dir.json").mkdir()
    assert sorted(list_folder(tmp_path)) == ["doc.json"]


def test_documents_dropped_into_the_folder_are_applied(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "keys")
    incoming = tmp_path / "incoming"
    v2 = wasm_bytes("v2")
    app = sim_app(13, trust_dir=tmp_path / "keys", watch=incoming)

    def logged(*parts: str) -> bool:
        return any(all(p in line for p in parts) for line in app.event_log.entries)

    async def scenario(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: logged("watching"), "the watch to start")
        staged = tmp_path / "v2.json.tmp"
        staged.write_bytes(signer.document(v2, version=7, release_counter=2))
        os.replace(staged, incoming / "v2.json")  # dropped in whole, as a device receives it
        await wait_until(pilot, lambda: logged("watch", "v2.json applied"), "v2 applied")
        rows = dict(app.module_panel.rows)
        assert rows["sha256"] + rows[""] == hashlib.sha256(v2).hexdigest()
        (incoming / "junk.json").write_text('{"status": ')
        await wait_until(pilot, lambda: logged("junk.json refused"), "the junk refused")
        assert dict(app.module_panel.rows)["module"].startswith("v2")

    run(app, scenario)


def test_a_document_that_made_the_callback_raise_does_not_stop_the_watch(tmp_path: Path) -> None:
    """A stand-in for a device bug: the failure is reported and the next file still applied."""
    taken: list[str] = []
    statuses: list[str] = []
    second = threading.Event()

    def on_document(path: Path) -> None:
        taken.append(path.name)
        if path.name == "a.json":
            raise UnicodeEncodeError("utf-8", "\ud800", 0, 1, "surrogates not allowed")
        second.set()

    watch = FolderWatch(tmp_path, on_document=on_document, on_status=statuses.append, interval=0.01)
    watch.start()
    try:
        (tmp_path / "a.json").write_text("{}")
        (tmp_path / "b.json").write_text("{}")
        assert second.wait(WAIT_S), f"b.json not handed over; taken {taken}, status {statuses}"
    finally:
        watch.stop()
    assert taken == ["a.json", "b.json"]
    assert (
        "a.json: expected an answer, found UnicodeEncodeError: 'utf-8' codec can't encode "
        "character '\\ud800' in position 0: surrogates not allowed"
    ) in statuses


def test_a_lone_surrogate_in_a_dropped_document_is_refused_and_the_next_applied(
    tmp_path: Path,
) -> None:
    """It used to raise UnicodeEncodeError in the device and kill the watch thread."""
    signer = Signer(tmp_path / "keys")
    incoming = tmp_path / "incoming"
    app = sim_app(13, trust_dir=tmp_path / "keys", watch=incoming)
    fields = signer.fields(wasm_bytes("v2"), version=7, release_counter=2)
    fields["expires"] = "2099-01-01\ud80000:00:00+00:00"

    def logged(*parts: str) -> bool:
        return any(all(p in line for p in parts) for line in app.event_log.entries)

    async def scenario(pilot: Pilot[Any]) -> None:
        await wait_until(pilot, lambda: logged("watching"), "the watch to start")
        (incoming / "bad.json").write_text(json.dumps(fields))  # ASCII: "\ud800" escaped
        await wait_until(pilot, lambda: logged("bad.json refused"), "the surrogate refused")
        assert logged("lone surrogate U+D800")
        staged = tmp_path / "v2.json.tmp"
        staged.write_bytes(signer.document(wasm_bytes("v2"), version=7, release_counter=2))
        os.replace(staged, incoming / "v2.json")
        await wait_until(pilot, lambda: logged("watch", "v2.json applied"), "v2 applied")

    run(app, scenario)
