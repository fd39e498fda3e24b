"""The exhaustive and deployed checks of a qualification: honest verdicts.

A module the firmware refuses (at any stage: instantiation with a trapping start
function, a memory or a table over the cap) is a FAIL with the firmware's cause, in
a record, never a crash of the rig; a wrap-around the declared domain reaches is found
however large that domain is. Expectations come from the firmware's own refusal of the
same bytes and from the rule each WAT module documents, never from the checks.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from firmware_host.abi import FirmwareAbi
from firmware_host.errors import InstantiationFailed
from firmware_host.runtime import PriceModule
from hil.grid import grid_for
from hil.qualify import main
from hil.qualify.context import Context
from hil.qualify.exhaustive_checks import check_deployed, check_exhaustive
from hil.qualify.progress import SilentReporter
from hil.qualify.results import Outcome
from hil.subject import candidate_subject, catalogue_subject
from tests.qualify_modules import (
    DATA_BEYOND_MEMORY_CAP,
    FRESH_INSTANCE_LIE,
    START_TRAPS,
    TABLE_OVER_CAP,
    WRAPS_AT_LARGE_COUNTS,
    build_candidate,
)

REFUSED = [START_TRAPS, DATA_BEYOND_MEMORY_CAP, TABLE_OVER_CAP]
CAUSES = {
    START_TRAPS: "trapped at instantiation: expected no trap, found: "
    "wasm `unreachable` instruction executed",
    DATA_BEYOND_MEMORY_CAP: "memory minimum size of 33 pages exceeds memory limits",
    TABLE_OVER_CAP: "table minimum size of 1025 elements exceeds table limits",
}


def _context(name: str, tmp_path: Path, deployed: str | None = "v2") -> Context:
    subject = candidate_subject(build_candidate(name, tmp_path / name))
    return Context(
        subject,
        FirmwareAbi.CURRENT,
        grid_for(False),
        None if deployed is None else catalogue_subject(deployed),
    )


@pytest.mark.parametrize("name", REFUSED)
def test_the_firmware_refuses_each_candidate_for_its_cause(name: str, tmp_path: Path) -> None:
    wasm = candidate_subject(build_candidate(name, tmp_path / name)).wasm
    with pytest.raises(InstantiationFailed) as caught:
        PriceModule.load(wasm)
    assert CAUSES[name] in str(caught.value)


@pytest.mark.parametrize("name", REFUSED)
@pytest.mark.parametrize("check", [check_exhaustive, check_deployed])
def test_a_refused_module_fails_with_the_firmware_cause(
    name: str, check: Any, tmp_path: Path
) -> None:
    ctx = _context(name, tmp_path)
    with pytest.raises(InstantiationFailed) as caught:
        PriceModule.load(ctx.subject.wasm)
    result = check(ctx, SilentReporter())
    assert result.outcome is Outcome.FAIL
    assert result.failed == 1 and result.errors == 0
    assert result.observed == (
        f"refused by the current firmware: InstantiationFailed: {caught.value}"
    )
    assert "fuel" not in result.observed


@pytest.mark.parametrize("name", REFUSED)
def test_a_refused_module_fails_the_deployed_check_without_a_deployed_version(
    name: str, tmp_path: Path
) -> None:
    result = check_deployed(_context(name, tmp_path, deployed=None), SilentReporter())
    assert result.outcome is Outcome.FAIL and CAUSES[name] in result.observed


@pytest.mark.parametrize("name", REFUSED)
def test_pos_qualify_fails_a_refused_module_with_a_record(name: str, tmp_path: Path) -> None:
    candidate = build_candidate(name, tmp_path / "candidate")
    out = tmp_path / "out"
    assert main([str(candidate), "--no-boards", "--out", str(out), "--no-progress"]) == 1
    record = json.loads((out / "record.json").read_text("utf-8"))
    assert record["outcome"] == "FAIL"
    checks = {c["name"]: c for c in record["checks"]}
    for check in ("abi", "exhaustive", "deployed"):
        assert checks[check]["outcome"] == "FAIL", check
        assert CAUSES[name] in checks[check]["observed"] or CAUSES[name] in str(
            checks[check]["cases"]
        )


def _wrap_i32(values: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    return ((values + 2**31) % 2**32 - 2**31).astype(np.int64)


def _wide_rule_wraps(max_count: int, max_unit: int, max_price: int) -> tuple[int, list[Any]]:
    """Wrapped-into-range cases of happy_hour_wrap_wide.wat, from its documented rule:
    ((count * unit) << 11) >> 11 in i32, halved (toward zero) outside the full hours."""
    counts = np.arange(max_count + 1, dtype=np.int64)[:, None]
    units = np.arange(max_unit + 1, dtype=np.int64)[None, :]
    product = counts * units
    fixed = _wrap_i32(_wrap_i32(product) << 11) >> 11
    half = np.trunc(fixed.astype(np.float32) * np.float32(0.5)).astype(np.int64)
    total, first = 0, []
    for hour in range(24):
        full = 11 < hour < 14 or 16 < hour < 24
        price = fixed if full else half
        wrapped = (price >= 0) & (price <= max_price) & (product >= 2 * max_price + 2)
        total += int(np.count_nonzero(wrapped))
        rows, cols = np.nonzero(wrapped)
        first += [(hour, int(c), int(u), int(price[c, u])) for c, u in zip(rows, cols, strict=True)]
    return total, first[:10]


def test_a_wrap_at_counts_beyond_999_is_found_over_the_declared_9999(tmp_path: Path) -> None:
    ctx = _context(WRAPS_AT_LARGE_COUNTS, tmp_path)
    manifest = ctx.subject.manifest
    assert (manifest.max_count, manifest.max_unit_price) == (9999, 999)
    total, first = _wide_rule_wraps(manifest.max_count, manifest.max_unit_price, 100)
    assert total > 0 and all(count > 2000 for _, count, _, _ in first)
    result = check_exhaustive(ctx, SilentReporter())
    assert result.outcome is Outcome.FAIL
    assert result.details["domain"]["cases"] == 24 * 10_000 * 1_000
    assert result.details["wrap_into_range"]["cases"] == total
    # Each wrapped case also differs from the specification, which refuses it.
    assert result.failed == total + result.details["conformance"]["differ"]["cases"]
    examples = result.details["wrap_into_range"]["examples"]
    assert [(e["hour"], e["count"], e["unit_price"], e["result"]) for e in examples] == first


def test_a_module_that_lies_only_on_a_fresh_instance_is_never_a_pass(tmp_path: Path) -> None:
    """A terminal prices 5 x 5 on a fresh instance and shows 0; a sweep reusing one
    instance saw 25 and passed it, and so did the whole qualification. The sweep now
    refuses code that keeps state: the rig cannot prove it, an ERROR."""
    candidate = build_candidate(FRESH_INSTANCE_LIE, tmp_path / "candidate")
    assert PriceModule.load(candidate_subject(candidate).wasm).call(5, 5, 13) == 0
    out = tmp_path / "out"
    assert main([str(candidate), "--no-boards", "--out", str(out), "--no-progress"]) == 2
    record = json.loads((out / "record.json").read_text())
    checks = {c["name"]: c for c in record["checks"]}
    assert checks["golden"]["outcome"] == checks["specification"]["outcome"] == "PASS"
    assert checks["exhaustive"]["outcome"] == "ERROR"
    assert "found global.set in function 0" in checks["exhaustive"]["observed"]
    assert record["outcome"] == "ERROR"
