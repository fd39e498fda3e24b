"""Every case of the declared domain against the specification: a module right on the
grid and its golden cases but wrong anywhere else fails, wherever that is; a correct
module passes whatever discount its table declares."""

from __future__ import annotations

import hashlib
import json
import shutil
from itertools import product
from pathlib import Path

import pytest
import wasmtime

import price_modules
from firmware_host.abi import FirmwareAbi
from hil.exhaustive import Domain
from hil.exhaustive.conformance import conformance, spec_plane, table_plane
from hil.grid import grid_for
from hil.qualify import main as qualify
from hil.qualify.checks import check_claims
from hil.qualify.context import Context
from hil.qualify.exhaustive_checks import check_exhaustive
from hil.qualify.progress import SilentReporter
from hil.qualify.results import CheckResult, Outcome
from hil.reference_process import SpecificationError
from hil.subject import candidate_subject, catalogue_subject
from price_modules.specification import Period, PriceTable

# v3's rule, but 1 for five items at five each, at every hour: on no grid, in no golden case.
BACKDOOR = """(module
  (func (export "price_func") (param $c i32) (param $u i32) (param $h i32) (result i32)
    (local $p i32)
    (if (i32.and (i32.eq (local.get $c) (i32.const 5)) (i32.eq (local.get $u) (i32.const 5)))
      (then (return (i32.const 1))))
    (local.set $p (i32.mul (local.get $c) (local.get $u)))
    (if (result i32)
        (i32.or
          (i32.and (i32.gt_s (local.get $h) (i32.const 11))
                   (i32.lt_s (local.get $h) (i32.const 14)))
          (i32.and (i32.gt_s (local.get $h) (i32.const 16))
                   (i32.lt_s (local.get $h) (i32.const 24))))
      (then (local.get $p))
      (else (i32.trunc_sat_f32_s
              (f32.mul (f32.convert_i32_s (local.get $p)) (f32.const 0.5)))))))"""

# A tenth of count x unit price, all day: (price as f32 * 0.1) as i32.
TENTH = """(module
  (func (export "price_func") (param $c i32) (param $u i32) (param $h i32) (result i32)
    (i32.trunc_sat_f32_s (f32.mul (f32.convert_i32_s (i32.mul (local.get $c) (local.get $u)))
                                  (f32.const 0.1)))))"""


def candidate(tmp_path: Path, wat: str, **manifest_changes: object) -> Path:
    folder = tmp_path / "candidate"
    shutil.copytree(price_modules.module_dir("v3"), folder)
    wasm = bytes(wasmtime.wat2wasm(wat))
    (folder / "price_func.wasm").write_bytes(wasm)
    data = json.loads((folder / "manifest.json").read_text())
    data.update(sha256=hashlib.sha256(wasm).hexdigest(), size=len(wasm), version="cand")
    data.update(manifest_changes)
    (folder / "manifest.json").write_text(json.dumps(data))
    return folder


def exhaustive(folder: Path) -> CheckResult:
    subject = candidate_subject(folder)
    ctx = Context(subject, FirmwareAbi.CURRENT, grid_for(False), None)
    return check_exhaustive(ctx, SilentReporter())


def test_a_module_wrong_only_off_the_grid_fails_naming_every_hour(tmp_path: Path) -> None:
    result = exhaustive(candidate(tmp_path, BACKDOOR))
    assert result.outcome is Outcome.FAIL
    differ = result.details["conformance"]["differ"]
    assert differ["cases"] == 24
    assert [(e["hour"], e["count"], e["unit_price"], e["result"]) for e in differ["examples"]] == [
        (h, 5, 5, 1) for h in range(10)
    ]
    assert result.cases[0].expected == "12 (the specification)"


def test_a_correct_module_with_a_deep_discount_is_no_wrap(tmp_path: Path) -> None:
    """The wrap finding allows what the table allows: a tenth of 202 is 20, not a wrap."""
    table = {"price_table": [{"hours": [0, 23], "multiplier": 0.1}]}
    result = exhaustive(candidate(tmp_path, TENTH, specification=table, golden=[
        {"hour": 13, "count": 1, "unit_price": 202, "price": 20},
    ]))  # fmt: skip
    assert result.outcome is Outcome.PASS, result.observed


@pytest.mark.parametrize("multiplier", [1.0, 0.5, 0.1, 0.9, 1.5])
@pytest.mark.parametrize("result", ["i32", "f32"])
def test_the_table_in_numpy_is_the_table_case_by_case(multiplier: float, result: str) -> None:
    table = PriceTable((Period(0, 11, multiplier), Period(12, 23, 1.0)))
    counts, units = range(0, 70000, 4999), range(0, 70000, 6007)
    for hour in (3, 13):
        plane = table_plane(table, result)(hour, counts, units)
        for (i, c), (j, u) in product(enumerate(counts), enumerate(units)):
            assert plane[i, j] == table.price(c, u, hour, result), (hour, c, u)


def test_a_reference_whose_plane_and_price_disagree_is_refused(tmp_path: Path) -> None:
    folder = candidate(tmp_path, BACKDOOR, specification={"reference": "reference.py"})
    (folder / "reference.py").write_text(
        "def price(count, unit_price, hour):\n    return count * unit_price\n"
        "def price_plane(counts, unit_prices, hour):\n"
        "    return counts[:, None] * unit_prices[None, :] + 1\n"
    )
    subject = candidate_subject(folder)
    expected = spec_plane(subject.manifest)
    assert expected is not None
    with pytest.raises(SpecificationError, match="price_plane and price disagree"):
        conformance(subject.wasm, Domain(range(1), range(3), range(3)), expected)


def test_a_domain_narrower_than_what_a_terminal_takes_fails_the_claims(tmp_path: Path) -> None:
    """A module that traps above 300 items hides it behind a declared max_count of 202:
    the terminal still sells 301..999 items, so the claim is the module's fault."""
    domain = {"max_count": 202, "max_unit_price": 999, "max_price": 100}
    subject = candidate_subject(candidate(tmp_path, BACKDOOR, domain=domain))
    ctx = Context(subject, FirmwareAbi.CURRENT, grid_for(False), None)
    result = check_claims(ctx, SilentReporter())
    assert result.outcome is Outcome.FAIL
    assert [(c.case_id, c.observed) for c in result.cases] == [
        ("domain", "counts 0..202, unit prices 0..999")
    ]
    assert "at least what a terminal takes: counts 0..999, unit prices 0..999" in (
        result.cases[0].expected
    )


@pytest.mark.parametrize("max_price", [50, 200])
def test_a_max_price_other_than_the_terminals_guard_fails_the_claims(
    tmp_path: Path, max_price: int
) -> None:
    """The terminal refuses every price above 100: a manifest declaring 200 would have
    the checks pass a 101 the terminal refuses, one declaring 50 refuse a 60 it shows."""
    domain = {"max_count": 999, "max_unit_price": 999, "max_price": max_price}
    subject = candidate_subject(candidate(tmp_path, BACKDOOR, domain=domain))
    ctx = Context(subject, FirmwareAbi.CURRENT, grid_for(False), None)
    result = check_claims(ctx, SilentReporter())
    assert result.outcome is Outcome.FAIL
    assert [(c.case_id, c.expected, c.observed) for c in result.cases] == [
        (
            "max_price",
            "100, the terminal's guard (it refuses prices outside 0..100)",
            str(max_price),
        )
    ]


def test_golden_cases_are_priced_under_the_terminals_guard_not_the_manifests(
    tmp_path: Path,
) -> None:
    """A module and specification that agree on a tenth of every sale, and a golden case
    expecting 101 from a manifest that claims a guard at 200: the firmware in process
    refuses 101 as a terminal would, so the qualification fails, boards or not."""
    domain = {"max_count": 999, "max_unit_price": 999, "max_price": 200}
    folder = candidate(tmp_path, TENTH, domain=domain)
    data = json.loads((folder / "manifest.json").read_text())
    data["specification"] = {"price_table": [{"hours": [0, 23], "multiplier": 0.1}]}
    data["golden"] = [{"hour": 12, "count": 101, "unit_price": 10, "price": 101}]
    (folder / "manifest.json").write_text(json.dumps(data))
    out = tmp_path / "out"
    assert qualify([str(folder), "--no-boards", "--out", str(out), "--no-progress"]) == 1
    record = json.loads((out / "record.json").read_text())
    checks = {c["name"]: c for c in record["checks"]}
    assert checks["claims"]["outcome"] == "FAIL"
    assert checks["golden"]["outcome"] == "FAIL"
    assert checks["golden"]["cases"][0]["observed"] == "Invalid price : 101"


def test_a_domain_beyond_what_a_terminal_takes_expects_the_terminals_input_refusal(
    tmp_path: Path,
) -> None:
    """v3 declared for counts and unit prices up to 1000: the full grid's edge case
    count 1000 is a sale the terminal refuses as input, and that is what is expected of
    it; the exhaustive sweep still covers the whole declared domain."""
    wasm = price_modules.wasm_bytes("v3")
    folder = tmp_path / "wide"
    shutil.copytree(price_modules.module_dir("v3"), folder)
    data = json.loads((folder / "manifest.json").read_text())
    data |= {"version": "wide", "domain": {**data["domain"], "max_count": 1000,
                                           "max_unit_price": 1000}}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(data))
    assert hashlib.sha256(wasm).hexdigest() == data["sha256"]
    out = tmp_path / "out"
    argv = [str(folder), "--full-grid", "--no-boards", "--out", str(out), "--no-progress"]
    assert qualify(argv) == 0
    record = json.loads((out / "record.json").read_text())
    checks = {c["name"]: c for c in record["checks"]}
    assert checks["exhaustive"]["limits"]["domain"]["cases"] == 24 * 1001 * 1001


def test_a_sweep_past_its_deadline_is_an_error_not_a_hang() -> None:
    """A module slow only where the calibration did not look: the sweeps stop at their
    deadline (twice the budget, set by the qualification) and prove nothing."""
    subject = catalogue_subject("v3")
    ctx = Context(subject, FirmwareAbi.CURRENT, grid_for(False), None, sweep_deadline=0.0)
    result = check_exhaustive(ctx, SilentReporter())
    assert result.outcome is Outcome.ERROR
    assert result.observed.startswith(
        "SweepTimeout: expected the sweep to finish by its deadline (twice the sweep budget)"
    )
