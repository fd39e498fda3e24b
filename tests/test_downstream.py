"""examples/downstream as another team runs it: copied out of this repository, with the
rig installed from its wheel (the `hil` extra) into a fresh venv, and nothing else.

Its own HIL tests pass through the installed plugin with none skipped; with a board that
is not there they end in errors; its module rebuilds byte for byte with the rig's build
tool and qualifies with pos-qualify from that folder.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.venvs import ROOT, run

EXAMPLE = ROOT / "examples" / "downstream"


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    copy = tmp_path_factory.mktemp("downstream") / "team"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns("__pycache__", ".pytest_cache"))
    return copy


def outcomes(junit: Path) -> dict[str, int]:
    suite = ET.parse(junit).getroot().find("testsuite")
    assert suite is not None
    return {k: int(suite.get(k, "0")) for k in ("tests", "failures", "errors", "skipped")}


def test_its_hil_tests_pass_through_the_installed_plugin_none_skipped(
    rig_install: Callable[[str], Path], project: Path
) -> None:
    bin_dir = rig_install("hil")
    done = run([str(bin_dir / "pytest"), "-p", "no:cacheprovider", "--junitxml=run.xml"], project)
    assert done.returncode == 0, done.stdout[-3000:]
    counts = outcomes(project / "run.xml")
    # Six tests on each of the two virtual boards, one on the cd5220 board only.
    assert counts == {"tests": 13, "failures": 0, "errors": 0, "skipped": 0}, done.stdout


def test_with_a_board_that_is_not_there_it_ends_in_errors(
    rig_install: Callable[[str], Path], project: Path
) -> None:
    bin_dir = rig_install("hil")
    args = [
        "-p",
        "no:cacheprovider",
        "--junitxml=nope.xml",
        "--hil-board",
        "/dev/ttyNOPE,cmdset=epson",
    ]
    done = run([str(bin_dir / "pytest"), *args], project)
    assert done.returncode == 1, done.stdout[-3000:]
    # Six tests on the one board named, which is not there; the cd5220-only test finds no
    # board of its kind on this rig: an error too, never a pass or a skip.
    assert outcomes(project / "nope.xml") == {"tests": 7, "failures": 0, "errors": 7, "skipped": 0}
    assert "expected a board of the rig with cmdset=cd5220, found none" in done.stdout


def test_its_module_rebuilds_with_the_rigs_build_tool(
    rig_install: Callable[[str], Path], project: Path
) -> None:
    python = str(rig_install("hil") / "python")
    done = run([python, "-m", "price_modules.build", "--verify", "bulk_discount"], project)
    assert done.returncode == 0, done.stderr
    assert "ok   bulk_discount: rebuilt identical" in done.stdout


def test_pos_qualify_qualifies_it_from_its_folder(
    rig_install: Callable[[str], Path], project: Path
) -> None:
    bin_dir = rig_install("hil")
    done = run(
        [str(bin_dir / "pos-qualify"), "bulk_discount", "--out", "q", "--no-progress"], project
    )
    assert done.returncode == 0, done.stdout + done.stderr
    record = json.loads((project / "q" / "record.json").read_text())
    assert record["outcome"] == "PASS"
    checks = {c["name"]: c for c in record["checks"]}
    assert checks["specification"]["passed"] == 216 and checks["golden"]["passed"] == 9
    assert checks["boards"]["outcome"] == "PASS" and checks["boards"]["not_run"] == []
    assert checks["exhaustive"]["limits"]["specification"].startswith(
        "reference file reference.py: its price_plane where it defines one (held to price on "
        "16 cases of each hour)"
    )
    assert record["software"]["git"] == {"revision": "unknown", "dirty": None}
