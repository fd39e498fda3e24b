"""Test-wide plugins and fixtures: pytester runs the HIL plugin in sub-sessions, and the
rig's wheel is installed into fresh venvs once per session (tests/venvs.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.venvs import build_wheel, make_venv

pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def rig_install(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    """`rig_install(extra)`: the bin folder of a fresh venv with the rig and `extra`."""
    wheel = build_wheel(tmp_path_factory.mktemp("wheel"))
    made: dict[str, Path] = {}

    def install(extra: str) -> Path:
        if extra not in made:
            made[extra] = make_venv(
                tmp_path_factory.mktemp(f"venv-{extra or 'core'}"), wheel, extra
            )
        return made[extra]

    return install
