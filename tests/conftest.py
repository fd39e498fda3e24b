"""Test-wide plugins, fixtures and the Hypothesis profiles.

pytester runs the HIL plugin in sub-sessions; the rig's wheel is installed into fresh
venvs once per session (tests/venvs.py); the executions plugin counts how often each
property test's body ran (tests/executions.py).

Hypothesis profiles, chosen by the environment variable HYPOTHESIS_PROFILE:

- `tests` (the default): the same examples on every run (derandomised, no example
  database), no deadline (speed is measured in bench/, never asserted), so the ordinary
  run is deterministic and quick;
- `fuzz` (`tox -e fuzz`): random, many examples, the failures kept in `.hypothesis/`
  so a failure found once is tried first next time. FUZZ_EXAMPLES (or the environment
  variable of that name) is the budget of a test whose `props.share` is 1; slower tests
  take a fraction of it.

Property tests live in `tests/test_props_*.py` (anyone's parser can add a file there).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.venvs import build_wheel, make_venv

pytest_plugins = ["pytester", "tests.executions"]

PROFILE_VARIABLE = "HYPOTHESIS_PROFILE"
FUZZ_EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "340000"))

settings.register_profile(
    "tests",
    max_examples=100,
    derandomize=True,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "fuzz",
    max_examples=FUZZ_EXAMPLES,
    derandomize=False,
    deadline=None,
    print_blob=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get(PROFILE_VARIABLE, "tests"))


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
