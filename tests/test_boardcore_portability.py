"""The board core runs where MicroPython runs: only each other and binascii are imported.

Each core module is executed from source with an __import__ that allows the sibling
modules and the allowlisted MicroPython built-ins and refuses everything else
(dataclasses, enum, typing, abc, re, __future__, ...), so a CPython-only import fails
here rather than on the board.
"""

from __future__ import annotations

import ast
import builtins
import re
import types
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import pytest

CORE = Path(__file__).resolve().parent.parent / "boardcore"
MICROPYTHON_BUILTIN_MODULES = {"binascii"}
MODULES = sorted(path.stem for path in CORE.glob("*.py") if path.stem != "__init__")


class RefusedImport(ImportError):
    pass


class RestrictedLoader:
    """Executes core sources with imports limited to siblings and the allowlist."""

    def __init__(self) -> None:
        self.loaded: dict[str, types.ModuleType] = {}
        self.real_import: Callable[..., Any] = builtins.__import__

    def guard(
        self,
        name: str,
        globals_: Mapping[str, object] | None = None,
        locals_: Mapping[str, object] | None = None,
        fromlist: Sequence[str] = (),
        level: int = 0,
    ) -> Any:
        if level == 1 and name in MODULES:
            return self.load(name)
        if level == 0 and name in MICROPYTHON_BUILTIN_MODULES:
            return self.real_import(name, globals_, locals_, fromlist, level)
        raise RefusedImport(f"expected only sibling or MicroPython modules, found {name!r}")

    def run(self, name: str, source: str) -> types.ModuleType:
        module = types.ModuleType("boardcore_restricted." + name)
        restricted = dict(vars(builtins))
        restricted["__import__"] = self.guard
        module.__dict__["__builtins__"] = restricted
        exec(compile(source, name, "exec"), module.__dict__)
        return module

    def load(self, stem: str) -> types.ModuleType:
        if stem not in self.loaded:
            source = (CORE / f"{stem}.py").read_text(encoding="utf-8")
            self.loaded[stem] = self.run(stem, source)
        return self.loaded[stem]


def load_restricted() -> dict[str, types.ModuleType]:
    loader = RestrictedLoader()
    for stem in MODULES:
        loader.load(stem)
    return loader.loaded


def test_every_core_module_loads_with_micropython_imports_only() -> None:
    loaded = load_restricted()
    assert (
        set(loaded) == set(MODULES) >= {"board", "cells", "cd5220", "control", "epson", "keycodes"}
    )


@pytest.mark.parametrize("forbidden", ["dataclasses", "enum", "typing", "abc", "re", "__future__"])
def test_the_loader_refuses_cpython_only_imports(forbidden: str) -> None:
    with pytest.raises(RefusedImport, match=forbidden):
        RestrictedLoader().run("probe", f"import {forbidden}\n")


def test_a_board_built_from_the_restricted_modules_works() -> None:
    board = load_restricted()["board"].Board("cd5220")
    board.receive_display(b"\x1bQAportable\r")
    answer = board.receive_control(b"READ\n")
    assert answer.startswith(b"OK READ cursor=0,0 row0=706f727461626c65")


@pytest.mark.parametrize("stem", [*MODULES, "__init__"])
def test_no_syntax_micropython_lacks(stem: str) -> None:
    source = (CORE / f"{stem}.py").read_text(encoding="utf-8")
    tree = ast.parse(source)
    kinds = {type(node).__name__ for node in ast.walk(tree)}
    assert not kinds & {"AnnAssign", "Match", "NamedExpr", "TryStar"}, stem
    assert not re.search(r"\{[^{}]*=\}", source), "f-string debug specifier"
    assert ".hex(" not in source
    assert "from __future__" not in source
