"""Each committed module, loaded with wasmtime, against its manifest and specification."""

from __future__ import annotations

import hashlib
import itertools
import subprocess
import sys
from typing import Any

import pytest
import wasmtime

import price_modules
from price_modules.build import read_signature
from tests import spec

VERSIONS = price_modules.versions()
# Boundaries and values whose product overflows i32 (46341^2 > 2^31).
COUNTS = [0, 1, 2, 3, 7, 11, 100, 101, 999, 46341, 65536, 2**31 - 1, -1, -(2**31)]
UNIT_PRICES = [0, 1, 10, 33, 101, 999, 46341, 65537, 2**31 - 1, -7]


def _instance(version: str) -> tuple[wasmtime.Store, Any]:
    store = wasmtime.Store()
    module = wasmtime.Module(store.engine, price_modules.wasm_bytes(version))
    instance = wasmtime.Instance(store, module, [])
    return store, instance.exports(store)["price_func"]


def _call(version: str, store: wasmtime.Store, func: Any, count: int, price: int, hour: int) -> Any:
    return func(store, count, price) if version == "v1" else func(store, count, price, hour)


def test_catalogue_lists_the_four_versions() -> None:
    assert VERSIONS == ["v1", "v2", "v3", "v4"]


@pytest.mark.parametrize("version", VERSIONS)
def test_manifest_matches_binary(version: str) -> None:
    record = price_modules.manifest(version)
    wasm = price_modules.wasm_bytes(version)
    assert hashlib.sha256(wasm).hexdigest() == record.sha256
    assert len(wasm) == record.size
    assert read_signature(wasm) == record.signature
    assert not wasmtime.Module(wasmtime.Engine(), wasm).imports


def test_signatures_are_the_specified_ones() -> None:
    sigs = {v: str(price_modules.manifest(v).signature) for v in VERSIONS}
    assert sigs == {
        "v1": "(i32, i32) -> i32",
        "v2": "(i32, i32, i32) -> i32",
        "v3": "(i32, i32, i32) -> i32",
        "v4": "(i32, i32, i32) -> f32",
    }


@pytest.mark.parametrize("version", VERSIONS)
def test_results_follow_specification_over_grid(version: str) -> None:
    store, func = _instance(version)
    mismatches = []
    for hour, count, price in itertools.product(range(24), COUNTS, UNIT_PRICES):
        got = _call(version, store, func, count, price, hour)
        want = spec.expected(version, count, price, hour)
        if got != want:
            mismatches.append((hour, count, price, got, want))
    assert mismatches == []


@pytest.mark.parametrize("version", VERSIONS)
def test_golden_cases_agree_with_specification(version: str) -> None:
    """The manifest's golden cases were written from the spec; hold them to it."""
    record = price_modules.manifest(version)
    assert {g.hour for g in record.golden} == set(range(24))
    for case in record.golden:
        want = spec.expected(version, case.count, case.unit_price, case.hour)
        if 0 <= want <= record.max_price:
            assert case.price == want, case
        else:
            shown = int(want) if float(want).is_integer() else want
            assert case.refusal == f"Invalid price : {shown}", case


def test_overflow_wraps_like_a_release_build() -> None:
    store, func = _instance("v3")
    assert func(store, 65536, 65537, 13) == spec.wrap_i32(65536 * 65537) == 65536
    assert func(store, 2**31 - 1, 2, 13) == -2


def test_unknown_version_is_a_clear_error() -> None:
    with pytest.raises(price_modules.CatalogueError, match="unknown module version 'v9'"):
        price_modules.manifest("v9")


def test_the_catalogue_listing_is_a_table(capsys: pytest.CaptureFixture[str]) -> None:
    from price_modules.__main__ import main

    main()
    lines = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in lines] == price_modules.versions()
    for column in ("price_func", " B  sha256 "):
        assert len({line.index(column) for line in lines}) == 1, column


def test_the_catalogue_listing_on_a_full_disk_exits_2_with_a_line() -> None:
    with open("/dev/full", "w") as full:
        done = subprocess.run(
            [sys.executable, "-m", "price_modules"],
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert done.returncode == 2
    assert done.stderr.strip().endswith("could not write its output: No space left on device")
