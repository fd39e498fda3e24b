"""The module store: atomic installs, last-known-good, and a power cut at every step."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from firmware_host.errors import NoInstalledModule, StoreCorrupt
from firmware_host.store import AppliedConfig, ModuleRecord, ModuleStore, StoreState
from price_modules import wasm_bytes

V1, V2, V3 = (wasm_bytes(v) for v in ("v1", "v2", "v3"))


def record(wasm: bytes, counter: int) -> ModuleRecord:
    return ModuleRecord(hashlib.sha256(wasm).hexdigest(), "current", counter, counter)


def install(store: ModuleStore, wasm: bytes, counter: int) -> ModuleRecord:
    rec = record(wasm, counter)
    store.install(
        wasm,
        rec,
        running=store.state.current,
        config=AppliedConfig(language="DE", version=counter),
        processed_version=counter,
    )
    return rec


def test_an_empty_store_has_no_module(tmp_path: Path) -> None:
    with pytest.raises(NoInstalledModule) as caught:
        ModuleStore(tmp_path).boot_candidates()
    assert str(caught.value) == f"{tmp_path}: expected an installed module, found none"


def test_install_survives_reopening(tmp_path: Path) -> None:
    rec = install(ModuleStore(tmp_path), V2, 2)
    reopened = ModuleStore(tmp_path)
    assert reopened.boot_candidates() == [rec]
    assert reopened.read_module(rec) == V2
    assert reopened.state.config == AppliedConfig(language="DE", version=2)
    assert (reopened.state.processed_version, reopened.state.release_floor) == (2, 2)


def test_the_previous_module_becomes_last_known_good_and_older_ones_go(tmp_path: Path) -> None:
    store = ModuleStore(tmp_path)
    first = install(store, V1, 1)
    second = install(store, V2, 2)
    assert store.boot_candidates() == [second, first]
    third = install(store, V3, 3)
    assert store.boot_candidates() == [third, second]
    assert sorted(p.name for p in store.modules.iterdir()) == sorted(
        f"{r.sha256}.wasm" for r in (second, third)
    )


def test_release_floor_never_goes_down(tmp_path: Path) -> None:
    store = ModuleStore(tmp_path)
    install(store, V3, 7)
    install(store, V2, 3)  # the policy refuses this; the store still keeps the highest
    assert store.state.release_floor == 7


def test_a_corrupt_module_file_is_detected(tmp_path: Path) -> None:
    store = ModuleStore(tmp_path)
    rec = install(store, V3, 3)
    path = store.modules / f"{rec.sha256}.wasm"
    path.write_bytes(V3[:-1])
    actual = hashlib.sha256(V3[:-1]).hexdigest()
    with pytest.raises(StoreCorrupt) as caught:
        store.read_module(rec)
    assert str(caught.value) == f"{path}: expected sha256 {rec.sha256}, found {actual}"


def test_install_refuses_bytes_that_do_not_match_the_record(tmp_path: Path) -> None:
    store = ModuleStore(tmp_path)
    with pytest.raises(StoreCorrupt) as caught:
        store.install(V2, record(V3, 1), running=None, config=AppliedConfig(), processed_version=1)
    assert str(caught.value) == (
        f"install: expected module sha256 {record(V3, 1).sha256}, "
        f"found {hashlib.sha256(V2).hexdigest()}"
    )
    assert store.state.current is None


def test_corrupt_state_file_is_a_clear_error(tmp_path: Path) -> None:
    ModuleStore(tmp_path)
    (tmp_path / "state.json").write_text("{")
    with pytest.raises(StoreCorrupt) as caught:
        ModuleStore(tmp_path)
    assert str(caught.value).startswith(f"{tmp_path / 'state.json'}: expected JSON, found")


@pytest.mark.parametrize(
    ("config", "found"),
    [
        (
            {"language": "XX"},
            "field 'language': expected one of ['DE', 'EN', 'ES', 'FR'], found 'XX'",
        ),
        ({"tax": 5}, "field 'tax': expected a rate in 0..1, found 5"),
        (
            {"status": "open"},
            "field 'status': expected one of ['disabled', 'enabled'], found 'open'",
        ),
    ],
)
def test_a_stored_configuration_no_document_could_carry_is_corrupt(
    tmp_path: Path, config: dict[str, Any], found: str
) -> None:
    ModuleStore(tmp_path)
    state = StoreState(config=AppliedConfig(**config)).to_json()
    (tmp_path / "state.json").write_text(json.dumps(state))
    with pytest.raises(StoreCorrupt) as caught:
        ModuleStore(tmp_path)
    assert str(caught.value) == f"{tmp_path / 'state.json'}: config {found}"


def test_only_the_enabled_status_opens_for_sales() -> None:
    assert AppliedConfig().enabled
    assert not AppliedConfig(status="disabled").enabled


def test_update_records_a_processed_version_and_configuration(tmp_path: Path) -> None:
    store = ModuleStore(tmp_path)
    install(store, V3, 3)
    store.update(processed_version=9, config=AppliedConfig(status="disabled"))
    reopened = ModuleStore(tmp_path).state
    assert (reopened.processed_version, reopened.config.status) == (9, "disabled")


class PowerCut(BaseException):
    """Not an OSError: nothing in the store may catch it, as nothing survives a power cut."""


@pytest.fixture
def cut_power_at(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int], list[str]]]:
    """Make the n-th durable-I/O call (fsync, rename, unlink) of the store cut the power."""
    calls: list[str] = []
    limit = [10**9]

    def wrap(name: str) -> None:
        real = getattr(os, name)

        def step(*args: Any, **kwargs: Any) -> Any:
            if len(calls) >= limit[0]:
                raise PowerCut(name)
            calls.append(name)
            return real(*args, **kwargs)

        monkeypatch.setattr(os, name, step)

    for name in ("fsync", "replace", "unlink"):
        wrap(name)

    def arm(n: int) -> list[str]:
        calls.clear()
        limit[0] = n
        return calls

    yield arm


def test_a_power_cut_at_every_step_of_an_install_boots_old_or_new(
    tmp_path: Path, cut_power_at: Callable[[int], list[str]]
) -> None:
    """Steps: module (fsync, rename, fsync dir), state (same), clean-up of the old module."""
    step = 0
    outcomes: set[str] = set()
    while True:
        folder = tmp_path / f"cut-{step}"
        cut_power_at(10**9)
        store = ModuleStore(folder)
        old_first = install(store, V1, 1)
        old = install(store, V2, 2)
        calls = cut_power_at(step)
        try:
            install(store, V3, 3)
            finished = True
        except PowerCut:
            finished = False
        seen = list(calls)
        cut_power_at(10**9)
        booted = ModuleStore(folder)
        current = booted.boot_candidates()[0]
        assert booted.read_module(current) in (V2, V3)
        expected = (
            [record(V3, 3), old] if current.sha256 == record(V3, 3).sha256 else [old, old_first]
        )
        assert booted.boot_candidates() == expected
        assert not [p for p in folder.rglob(".tmp-*")], "temporary files survive a reboot"
        outcomes.add("new" if current == record(V3, 3) else "old")
        if finished:
            break
        step += 1
    assert seen == ["fsync", "replace", "fsync", "fsync", "replace", "fsync", "unlink"]
    assert outcomes == {"old", "new"}
