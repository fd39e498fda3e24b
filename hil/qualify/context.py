"""What every check of a qualification looks at, and how a check and a case are named.

A module of its own so the checks' modules (checks.py, exhaustive_checks.py) and the
suite share one Context without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from firmware_host.abi import FirmwareAbi, Signature
from firmware_host.errors import FirmwareError
from firmware_host.runtime import export_signature
from hil.grid import Grid
from hil.qualify.progress import Reporter
from hil.qualify.results import CheckResult
from hil.subject import Subject


@dataclass(frozen=True)
class Context:
    """Everything a check may look at; checks never change it."""

    subject: Subject
    abi: FirmwareAbi
    grid: Grid
    deployed: Subject | None
    sweep_deadline: float | None = None  # no sweep block starts after it (deadlines.now)

    @cached_property
    def export(self) -> Signature | str | None:
        """`price_func`'s signature as the binary declares it (None if not a function),
        or the firmware's reason it cannot be read; read once per qualification."""
        try:
            return export_signature(self.subject.wasm)
        except FirmwareError as exc:
            return f"{type(exc).__name__}: {exc}"


CheckFn = Callable[[Context, Reporter], CheckResult]


def case_id(hour: int, count: int, unit_price: int) -> str:
    return f"h{hour:02d}-c{count}-p{unit_price}"


def abi_of(signature: Signature | None) -> str | None:
    """The firmware generation whose host ABI is `signature`, if any calls it."""
    return next((abi.value for abi in FirmwareAbi if abi.signature == signature), None)
