"""The package import direction of ARCHITECTURE.md, enforced.

firmware_host <- price_modules, boardlink <- simulator <- hil; boardcore imports
nothing of ours; firmware_host ships on a device and imports none of the rig.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RIG = {"boardcore", "boardlink", "simulator", "hil"}
FORBIDDEN = {
    "firmware_host": RIG | {"textual", "pytest", "freezegun"},
    "price_modules": RIG | {"textual", "pytest"},
    "boardcore": RIG | {"firmware_host", "price_modules"},
    "boardlink": {"simulator", "hil", "textual", "pytest"},
    "simulator": {"hil", "pytest"},
    "hil": set(),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_follow_the_architecture(package: str) -> None:
    violations = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in violations.items() if v} == {}


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import textual\nfrom simulator.app import X\n")
    assert _imports(bad) >= {"textual", "simulator"}
