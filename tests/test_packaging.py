"""The rig as another team installs it: the wheel into fresh venvs, one per extra.

Each console script answers --help in the installs that should run it, says which
extra to add in those that should not (never a traceback), and the HIL plugin is
registered as a pytest11 entry point. Installs take the exact UI stack of
constraints.txt, as tox does.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import venv
from collections.abc import Callable
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ("pos-board", "pos-firmware", "pos-module", "pos-qualify", "pos-sim")
DEADLINE_S = 600.0


def _run(args: list[str]) -> subprocess.CompletedProcess[str]:
    """From outside the checkout, so only the venv's own install can answer."""
    env = {**os.environ, "PIP_CONSTRAINT": str(ROOT / "constraints.txt")}
    env.pop("PYTHONPATH", None)
    return subprocess.run(
        args, capture_output=True, text=True, timeout=DEADLINE_S, check=False, env=env,
        cwd=tempfile.gettempdir(),
    )  # fmt: skip


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    done = _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(ROOT)]
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("pos_hil_rig-*.whl")
    return built


@pytest.fixture(scope="module")
def install(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """A fresh venv with the wheel and `extra` installed; its bin folder."""
    made: dict[str, Path] = {}

    def make(extra: str) -> Path:
        if extra not in made:
            folder = tmp_path_factory.mktemp(f"venv-{extra or 'core'}")
            venv.EnvBuilder(with_pip=True).create(folder)
            target = f"{wheel}[{extra}]" if extra else str(wheel)
            done = _run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", target])
            assert done.returncode == 0, done.stderr
            made[extra] = folder / "bin"
        return made[extra]

    return make


def test_with_the_hil_extra_every_script_helps_and_the_plugin_is_registered(
    install: Callable[[str], Path],
) -> None:
    bin_dir = install("hil")
    for script in SCRIPTS:
        done = _run([str(bin_dir / script), "--help"])
        assert done.returncode == 0, (script, done.stderr)
        assert "usage:" in done.stdout, script
    listed = _run(
        [
            str(bin_dir / "python"), "-c",
            "from importlib.metadata import entry_points as e; "
            "print([p.value for p in e(group='pytest11')])",
        ]
    )  # fmt: skip
    assert "'hil.plugin'" in listed.stdout, listed.stderr
    options = _run([str(bin_dir / "pytest"), "--help"])
    assert "--hil-rig" in options.stdout and "--hil-board" in options.stdout


def test_the_core_install_runs_the_terminal_and_names_the_extras_it_lacks(
    install: Callable[[str], Path],
) -> None:
    bin_dir = install("")
    for script in ("pos-firmware", "pos-module", "pos-board", "pos-sim"):
        done = _run([str(bin_dir / script), "--help"])
        assert done.returncode == 0, (script, done.stderr)
    for script, extra in (("pos-qualify", "hil"), ("pos-sim", "sim")):
        argv = [str(bin_dir / script)] + (["v3", "--no-boards"] if script == "pos-qualify" else [])
        done = _run(argv)
        assert done.returncode == 2, (script, done.stdout, done.stderr)
        assert f"needs the '{extra}' extra" in done.stderr and "Traceback" not in done.stderr
    for heavy in ("textual", "numpy", "yaml", "pytest"):
        found = _run([str(bin_dir / "python"), "-c", f"import {heavy}"])
        assert found.returncode != 0, f"the core install pulled in {heavy}"


def test_the_sim_extra_brings_the_demo(install: Callable[[str], Path]) -> None:
    bin_dir = install("sim")
    done = _run(
        [str(bin_dir / "python"), "-c", "import simulator.app, textual; print(textual.__version__)"]
    )
    assert done.returncode == 0, done.stderr
    pinned = (ROOT / "constraints.txt").read_text()
    assert f"textual=={done.stdout.strip()}" in pinned
