"""The rig as another team installs it: the wheel into fresh venvs, one per extra.

Each console script answers --help in the installs that should run it, says which
extra to add in those that should not (never a traceback), and the HIL plugin is
registered as a pytest11 entry point. Installs take the exact UI stack of
constraints.txt, as tox does.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.venvs import ROOT, run

SCRIPTS = ("pos-board", "pos-firmware", "pos-module", "pos-qualify", "pos-sim")


def test_with_the_hil_extra_every_script_helps_and_the_plugin_is_registered(
    rig_install: Callable[[str], Path],
) -> None:
    bin_dir = rig_install("hil")
    for script in SCRIPTS:
        done = run([str(bin_dir / script), "--help"])
        assert done.returncode == 0, (script, done.stderr)
        assert "usage:" in done.stdout, script
    listed = run(
        [
            str(bin_dir / "python"), "-c",
            "from importlib.metadata import entry_points as e; "
            "print([p.value for p in e(group='pytest11')])",
        ]
    )  # fmt: skip
    assert "'hil.plugin'" in listed.stdout, listed.stderr
    options = run([str(bin_dir / "pytest"), "--help"])
    assert "--hil-rig" in options.stdout and "--hil-board" in options.stdout


def test_the_core_install_runs_the_terminal_and_names_the_extras_it_lacks(
    rig_install: Callable[[str], Path],
) -> None:
    bin_dir = rig_install("")
    for script in ("pos-firmware", "pos-module", "pos-board", "pos-sim"):
        done = run([str(bin_dir / script), "--help"])
        assert done.returncode == 0, (script, done.stderr)
    for script, extra in (("pos-qualify", "hil"), ("pos-sim", "sim")):
        argv = [str(bin_dir / script)] + (["v3", "--no-boards"] if script == "pos-qualify" else [])
        done = run(argv)
        assert done.returncode == 2, (script, done.stdout, done.stderr)
        assert f"needs the '{extra}' extra" in done.stderr and "Traceback" not in done.stderr
    for heavy in ("textual", "numpy", "yaml", "pytest"):
        found = run([str(bin_dir / "python"), "-c", f"import {heavy}"])
        assert found.returncode != 0, f"the core install pulled in {heavy}"


def test_the_sim_extra_brings_the_demo(rig_install: Callable[[str], Path]) -> None:
    bin_dir = rig_install("sim")
    done = run(
        [str(bin_dir / "python"), "-c", "import simulator.app, textual; print(textual.__version__)"]
    )
    assert done.returncode == 0, done.stderr
    pinned = (ROOT / "constraints.txt").read_text()
    assert f"textual=={done.stdout.strip()}" in pinned
