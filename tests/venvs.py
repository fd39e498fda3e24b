"""Fresh virtual environments holding the rig's wheel, as another team installs it.

Built once per session: the wheel from this checkout, then one venv per extra, each
installed with the exact UI stack of constraints.txt (as tox and CI install it).
Commands run from outside the checkout, so only the venv's own install can answer.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_S = 600.0


def run(args: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PIP_CONSTRAINT": str(ROOT / "constraints.txt")}
    for inherited in ("PYTHONPATH", "VIRTUAL_ENV"):
        env.pop(inherited, None)
    return subprocess.run(
        args, capture_output=True, text=True, timeout=DEADLINE_S, check=False, env=env,
        cwd=cwd or tempfile.gettempdir(),
    )  # fmt: skip


# What a build must not see: caches, venvs, other builds, records, node packages.
NOT_SOURCE = shutil.ignore_patterns(
    ".git", ".venv", ".tox", "build", "dist", "*.egg-info", "__pycache__", "node_modules",
    "qualification", ".hypothesis", ".mypy_cache", ".ruff_cache", ".pytest_cache",
)  # fmt: skip


def build_wheel(out: Path) -> Path:
    """The wheel, built from a copy of the checkout: setuptools builds in the source's
    own build/ folder, which two test workers building at once would share."""
    source = out / "source"
    shutil.copytree(ROOT, source, ignore=NOT_SOURCE)
    done = run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(out), str(source)]
    )
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("pos_hil_rig-*.whl")
    return built


def make_venv(folder: Path, wheel: Path, extra: str) -> Path:
    """A venv in `folder` with `wheel[extra]` installed; its bin folder."""
    venv.EnvBuilder(with_pip=True).create(folder)
    target = f"{wheel}[{extra}]" if extra else str(wheel)
    done = run([str(folder / "bin" / "python"), "-m", "pip", "install", "-q", target])
    assert done.returncode == 0, done.stderr
    return folder / "bin"
