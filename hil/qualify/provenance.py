"""Which software produced a record: package versions and the git revision of the rig.

A record is only evidence if the run can be repeated, so it names the exact versions of
everything that took part, and whether the working tree had uncommitted changes.
"""

from __future__ import annotations

import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

PACKAGES = ("wasmtime", "textual", "pyserial", "numpy", "cryptography", "pytest", "freezegun")
THIS_PACKAGE = "pos-hil-rig"
GIT_DEADLINE_S = 10.0
UNKNOWN = "unknown"


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return UNKNOWN


def _git(args: list[str], cwd: Path) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=GIT_DEADLINE_S,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout if done.returncode == 0 else None


def git_state(source_root: Path) -> dict[str, Any]:
    """`git rev-parse HEAD` and whether `git status --porcelain` lists anything, when
    `source_root` is the top of a checkout; a rig installed from a wheel (even into a
    venv that lies inside some other checkout) has no revision of its own: unknown."""
    top = _git(["rev-parse", "--show-toplevel"], source_root)
    if top is None or Path(top.strip()).resolve() != source_root.resolve():
        return {"revision": UNKNOWN, "dirty": None}
    revision = _git(["rev-parse", "HEAD"], source_root)
    status = _git(["status", "--porcelain"], source_root)
    return {
        "revision": revision.strip() if revision else UNKNOWN,
        "dirty": None if status is None else bool(status.strip()),
    }


def software(source_root: Path) -> dict[str, Any]:
    return {
        "python": platform.python_version(),
        THIS_PACKAGE: package_version(THIS_PACKAGE),
        **{name: package_version(name) for name in PACKAGES},
        "git": git_state(source_root),
    }
