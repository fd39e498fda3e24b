"""Every case of a domain against the module's declared specification.

The classify sweep proves no result wraps into range and no case faults; this proves
every result is the one the specification declares, case by case over the whole
domain (a module right on the grid and on its golden cases, and wrong at 5 x 5 only,
fails here). A price table's plane is computed with numpy, in the module's own
arithmetic; a reference file's comes from its child process (hil/reference_process.py).
"""

from __future__ import annotations

import operator
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import reduce
from pathlib import Path
from typing import Any

import numpy as np

from firmware_host.abi import FirmwareAbi
from firmware_host.sandbox import I32_MAX, I32_MIN
from hil.exhaustive.domain import Domain
from hil.exhaustive.engine import Block, SweepOptions
from hil.exhaustive.findings import Finding, mask_finding
from hil.exhaustive.lane import load_target
from hil.exhaustive.results import sweep_values
from hil.reference_process import SpecificationError, reference_process
from price_modules.catalogue import Manifest
from price_modules.specification import PriceTable, ReferenceFile

Array = np.ndarray[Any, Any]
# (hour, counts, unit prices) -> the specified results, len(counts) x len(unit prices)
SpecPlane = Callable[[int, range, range], Array]


def table_plane(table: PriceTable, result: str) -> SpecPlane:
    """The table's results in numpy, as PriceTable.price computes one case: count x unit
    price wrapping at 32 bits, then `(price as f32 * m) as i32` unless m is 1."""

    def plane(hour: int, counts: range, units: range) -> Array:
        product = (
            np.arange(counts.start, counts.stop, counts.step, dtype=np.int64)[:, None]
            * (np.arange(units.start, units.stop, units.step, dtype=np.int64)[None, :])
        )
        wrapped = (product - I32_MIN) % 2**32 + I32_MIN
        m = np.float32(table.multiplier(hour))
        if result == "f32":
            return wrapped.astype(np.float32) * m
        if m == 1:
            return wrapped
        scaled = (wrapped.astype(np.float32) * m).astype(np.float64)
        return np.clip(np.trunc(scaled), I32_MIN, I32_MAX).astype(np.int64)

    return plane


def reference_plane(path: Path, result: str) -> SpecPlane:
    """A reference file's results, computed in its own process, handed over as .npy."""

    def plane(hour: int, counts: range, units: range) -> Array:
        process = reference_process(path, result)
        with tempfile.TemporaryDirectory(prefix="pos-reference-") as folder:
            out = Path(folder) / "plane.npy"
            request = {
                "op": "plane",
                "hour": hour,
                "counts": [counts.start, counts.stop, counts.step],
                "units": [units.start, units.stop, units.step],
                "out": str(out),
            }
            process.ask(request, len(counts) * len(units))
            loaded: Array = np.load(out, allow_pickle=False)
        return loaded

    return plane


def spec_plane(manifest: Manifest) -> SpecPlane | None:
    """How to compute the specified results of `manifest`'s module, None without one."""
    spec = manifest.specification
    result = manifest.signature.results[0] if manifest.signature.results else "i32"
    if isinstance(spec, PriceTable):
        return table_plane(spec, result)
    if isinstance(spec, ReferenceFile):
        return reference_plane(spec.path, result)
    return None


@dataclass(frozen=True)
class Conformance:
    """How many cases were compared and which differ from the specification."""

    compared: int
    differ: Finding
    elapsed_s: float

    def to_dict(self) -> dict[str, Any]:
        return {
            "compared": self.compared,
            "differ": self.differ.to_dict(),
            "elapsed_s": self.elapsed_s,
        }


def _block_axes(domain: Domain, block: Block) -> tuple[range, range]:
    counts = domain.counts[block.row0 : block.row0 + block.rows]
    units = domain.unit_prices[block.col0 : block.col0 + block.width]
    return counts, units


def conformance(
    wasm: bytes,
    domain: Domain,
    expected: SpecPlane,
    *,
    abi: FirmwareAbi | None = None,
    options: SweepOptions | None = None,
) -> Conformance:
    """Sweep `wasm` over `domain` and compare every result with `expected`; cases that
    fault are the classify sweep's finding and are not compared here."""
    options = options or SweepOptions()
    started = time.perf_counter()
    target = load_target(wasm, options.limits, abi, always_meter=options.always_meter)

    def compare(block: Block, planes: list[tuple[Array, Array | None]]) -> tuple[int, Finding]:
        ((values, faults),) = planes
        counts, units = _block_axes(domain, block)
        want = expected(domain.hours[block.hour_index], counts, units)
        if want.shape != values.shape:  # a reference's plane of another shape
            raise SpecificationError(f"expected a plane of {values.shape}, found {want.shape}")
        differ = values != want
        if values.dtype.kind == "f":
            differ &= ~(np.isnan(values) & np.isnan(want))
        compared = values.size
        if faults is not None:
            differ &= ~faults
            compared -= int(np.count_nonzero(faults))
        return compared, mask_finding(domain, block, differ, values, want)

    found = sweep_values([target], domain, options, compare)
    return Conformance(
        compared=sum(n for n, _ in found),
        differ=reduce(operator.add, (f for _, f in found), Finding()),
        elapsed_s=time.perf_counter() - started,
    )
