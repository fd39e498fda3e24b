"""The package boundaries of docs/architecture.md, enforced.

firmware_host ships on the terminal: it may import only the standard library, wasmtime,
cryptography and pyserial (an allowlist, so nothing new slips in). Above it the import
direction is firmware_host <- price_modules, boardlink <- simulator <- hil; boardcore,
which the fixture board runs under MicroPython, imports nothing of ours.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TERMINAL_ALLOWED = set(sys.stdlib_module_names) | {
    "firmware_host",
    "wasmtime",
    "cryptography",
    "serial",
}
RIG = {"boardcore", "boardlink", "simulator", "hil"}
FORBIDDEN = {
    "price_modules": RIG | {"textual", "pytest"},
    "boardcore": RIG | {"firmware_host", "price_modules"},
    "boardlink": {"simulator", "hil", "price_modules", "textual", "pytest"},
    "simulator": {"hil", "pytest"},
    "hil": set(),
}


def _imports(path: Path) -> set[str]:
    """Top-level names of every absolute import, at module level or inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def test_the_terminal_firmware_imports_only_its_allowlist() -> None:
    outside = {
        str(path.relative_to(ROOT)): sorted(_imports(path) - TERMINAL_ALLOWED)
        for path in (ROOT / "firmware_host").rglob("*.py")
    }
    assert {k: v for k, v in outside.items() if v} == {}


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_imports_follow_the_architecture(package: str) -> None:
    violations = {
        str(path.relative_to(ROOT)): sorted(_imports(path) & FORBIDDEN[package])
        for path in (ROOT / package).rglob("*.py")
    }
    assert {k: v for k, v in violations.items() if v} == {}


def test_the_checker_sees_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import textual\nfrom simulator.app import X\ndef f():\n    import numpy\n")
    assert _imports(bad) >= {"textual", "simulator", "numpy"}
    assert _imports(bad) - TERMINAL_ALLOWED == {"textual", "simulator", "numpy"}
