"""The host ABI: the one `price_func` signature a firmware generation calls.

A firmware declares its ABI instead of adapting to whatever a module exports, so a
module built for another generation is refused at load time, never called wrongly.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from firmware_host.errors import UnknownAbi

# The ABI's integer: every count, unit price, hour and price crosses it as an i32.
I32_MIN, I32_MAX = -(2**31), 2**31 - 1


@dataclass(frozen=True)
class Signature:
    """A wasm function type, written as in the text format: `(i32, i32) -> i32`."""

    params: tuple[str, ...]
    results: tuple[str, ...]

    def __str__(self) -> str:
        results = ", ".join(self.results)
        if len(self.results) != 1:
            results = f"({results})"
        return f"({', '.join(self.params)}) -> {results}"


class FirmwareAbi(Enum):
    LAUNCH = "launch"
    CURRENT = "current"

    @property
    def signature(self) -> Signature:
        return _SIGNATURES[self]

    @property
    def passes_hour(self) -> bool:
        """Launch firmware predates time-of-day pricing and calls without the hour."""
        return len(self.signature.params) == 3

    @classmethod
    def from_name(cls, name: str) -> FirmwareAbi:
        for abi in cls:
            if abi.value == name:
                return abi
        known = ", ".join(abi.value for abi in cls)
        raise UnknownAbi(f"abi: expected one of {known}, found {name!r}")


_SIGNATURES = {
    FirmwareAbi.LAUNCH: Signature(("i32", "i32"), ("i32",)),
    FirmwareAbi.CURRENT: Signature(("i32", "i32", "i32"), ("i32",)),
}
