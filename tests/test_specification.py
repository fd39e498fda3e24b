"""Declared specifications: the price tables of the built-in manifests say what the
hand-written rules say, malformed tables and reference files are refused with what was
expected, and a team's reference file is the rule of its module."""

from __future__ import annotations

import json
import shutil
from itertools import product
from pathlib import Path
from typing import Any

import pytest

import price_modules
from hil.reference import rule_of
from hil.reference_process import SpecificationError
from hil.subject import SubjectError, candidate_subject
from price_modules.catalogue import CatalogueError, parse_manifest
from price_modules.specification import PriceTable
from tests import spec

COUNTS = (0, 1, 2, 3, 99, 100, 101, 201, 999, 46341, 65536, 2**31 - 1)
UNITS = (0, 1, 7, 10, 50, 101, 999, 65537)


@pytest.mark.parametrize("version", ["v1", "v2", "v3", "v4"])
def test_each_built_in_table_is_its_written_rule(version: str) -> None:
    rule = rule_of(price_modules.manifest(version))
    assert rule is not None
    assert isinstance(price_modules.manifest(version).specification, PriceTable)
    for hour, count, unit in product(range(24), COUNTS, UNITS):
        assert rule(count, unit, hour) == spec.expected(version, count, unit, hour), (
            version, hour, count, unit,
        )  # fmt: skip


def manifest_with(specification: Any, params: int = 3) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(
        (price_modules.module_dir("v3") / "manifest.json").read_text("utf-8")
    )
    data["export"]["params"] = ["i32"] * params
    data["specification"] = specification
    return data


@pytest.mark.parametrize(
    ("specification", "params", "message"),
    [
        ({"price_table": [{"hours": [0, 22], "multiplier": 1}]}, 3, "hours [23] missing"),
        (
            {"price_table": [{"hours": [0, 12], "multiplier": 1}, {"hours": [12, 23],
             "multiplier": 1}]},
            3,
            "and [12] twice",
        ),
        ({"price_table": [{"hours": [0, 24], "multiplier": 1}]}, 3, "within 0..23"),
        ({"price_table": [{"hours": [0, 23], "multiplier": -1}]}, 3, "multiplier expected"),
        ({"price_table": [{"hours": [0, 23], "multiplier": True}]}, 3, "multiplier expected"),
        ({"price_table": [{"hours": [0, 23]}]}, 3, "expected {'hours'"),
        (
            {"price_table": [{"hours": [0, 11], "multiplier": 0.5}, {"hours": [12, 23],
             "multiplier": 1}]},
            2,
            "one multiplier for the whole day",
        ),
        ({"price_table": [], "reference": "r.py"}, 3, "exactly one of"),
        ({"reference": "../elsewhere/r.py"}, 3, "a .py file beside the manifest"),
        ({"formula": "c*u"}, 3, "exactly one of"),
    ],
)  # fmt: skip
def test_a_malformed_specification_says_what_was_expected(
    specification: Any, params: int, message: str, tmp_path: Path
) -> None:
    with pytest.raises(CatalogueError) as caught:
        parse_manifest(manifest_with(specification, params), "m.json", tmp_path)
    assert message in str(caught.value) and "m.json specification" in str(caught.value)


def candidate(tmp_path: Path, reference: str) -> Path:
    folder = tmp_path / "team"
    shutil.copytree(price_modules.module_dir("v3"), folder)
    data = json.loads((folder / "manifest.json").read_text("utf-8"))
    data["specification"] = {"reference": "reference.py"}
    (folder / "manifest.json").write_text(json.dumps(data))
    (folder / "reference.py").write_text(reference)
    return folder


def test_a_reference_file_is_the_rule_of_its_module(tmp_path: Path) -> None:
    subject = candidate(tmp_path, "def price(count, unit_price, hour):\n    return count * 2\n")
    rule = candidate_subject(subject).rule
    assert rule is not None and rule(21, 5, 13) == 42


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def price(:\n", "expected a reference that loads, found SyntaxError"),
        ("import no_such_module_here\n", "found ModuleNotFoundError"),
        ("PRICE = 3\n", "expected a function price(count, unit_price, hour), found none"),
    ],
)
def test_a_reference_that_does_not_load_is_named_when_the_module_is(
    tmp_path: Path, source: str, message: str
) -> None:
    with pytest.raises(SubjectError, match=r"reference\.py") as caught:
        candidate_subject(candidate(tmp_path, source))
    assert message in str(caught.value)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("return 1.5", "expected int, found 1.5"),
        ("return True", "expected a number, found True"),
        ("return 1 // 0", "raised ZeroDivisionError"),
    ],
)
def test_a_reference_that_answers_no_price_is_a_typed_error(
    tmp_path: Path, body: str, message: str
) -> None:
    folder = candidate(tmp_path, f"def price(count, unit_price, hour):\n    {body}\n")
    rule = candidate_subject(folder).rule
    assert rule is not None
    with pytest.raises(SpecificationError, match=r"reference\.py: price\(2, 10, 13\)") as caught:
        rule(2, 10, 13)
    assert message in str(caught.value)


HOSTILE = {
    "exits_on_load": ("import sys\nsys.exit(0)\n", "found SystemExit"),
    "exits_in_price": (
        "import sys\ndef price(count, unit_price, hour):\n    sys.exit(0)\n",
        "price(2, 10, 13) raised SystemExit",
    ),
    "dies_in_price": (
        "import os\ndef price(count, unit_price, hour):\n    os._exit(3)\n",
        "found the process ended (exit 3)",
    ),
    "interrupts": (
        "def price(count, unit_price, hour):\n    raise KeyboardInterrupt\n",
        "price(2, 10, 13) raised KeyboardInterrupt",
    ),
    "hangs": (
        "def price(count, unit_price, hour):\n    while True:\n        pass\n",
        "expected an answer within 0.501 s, found none",  # 0.5 s and 1 ms for its case
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_reference_is_a_typed_error_in_a_process_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    monkeypatch.setattr("hil.reference_process.ANSWER_DEADLINE_S", 0.5)
    source, message = HOSTILE[name]
    folder = candidate(tmp_path, source)
    with pytest.raises((SpecificationError, SubjectError)) as caught:
        rule = candidate_subject(folder).rule
        assert rule is not None
        rule(2, 10, 13)
    assert message in str(caught.value)


FORGER = """
import sys
print("{\\"ok\\": [1]}")  # noise on stdout must not become an answer
for name in list(sys.modules):
    if name.startswith("hil"):
        setattr(sys.modules[name], "verdict", lambda checks: "PASS")
def price(count, unit_price, hour):
    return 0
"""


def test_a_reference_cannot_reach_the_rig_that_asks_it(tmp_path: Path) -> None:
    """The file runs in its own process: what it patches there, or prints, changes
    nothing in the qualifier; the rig sees only its answers."""
    from hil.qualify import verdict

    rule = candidate_subject(candidate(tmp_path, FORGER)).rule
    assert rule is not None and rule(2, 10, 13) == 0
    assert verdict.verdict.__module__ == "hil.qualify.verdict"
