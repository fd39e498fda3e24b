"""The sweep module, generated in WebAssembly text from the price module's signature.

A call from Python into wasmtime costs tens of microseconds, so the loop over the
cases runs inside WebAssembly: the sweep module imports `price_func` with the price
module's own signature, calls it once per case and stores each result in its own
linear memory, where numpy reads it without a copy. The loop records the case it is
about to run in the exported global `next`, so after a trap the host knows which case
trapped and resumes with the one after it.
"""

from __future__ import annotations

from dataclasses import dataclass

PAGE_BYTES = 65536
RESULT_BYTES = 4
IMPORT_MODULE = "price"
IMPORT_NAME = "price_func"


@dataclass(frozen=True)
class Abi:
    """How the sweep calls one `price_func` shape and stores its result."""

    params: tuple[str, ...]
    result: str
    args: str
    store: str
    numpy_dtype: str


_COUNT_UNIT = "(local.get $count) (local.get $unit)"

# One entry per price_func shape the exhaustive tier can sweep: the launch ABI, the
# current ABI, and the f32 result variant the current firmware refuses.
ABIS: dict[tuple[tuple[str, ...], tuple[str, ...]], Abi] = {
    (("i32", "i32"), ("i32",)): Abi(("i32", "i32"), "i32", _COUNT_UNIT, "i32.store", "<i4"),
    (("i32", "i32", "i32"), ("i32",)): Abi(
        ("i32", "i32", "i32"), "i32", f"{_COUNT_UNIT} (local.get $hour)", "i32.store", "<i4"
    ),
    (("i32", "i32"), ("f32",)): Abi(("i32", "i32"), "f32", _COUNT_UNIT, "f32.store", "<f4"),
    (("i32", "i32", "i32"), ("f32",)): Abi(
        ("i32", "i32", "i32"), "f32", f"{_COUNT_UNIT} (local.get $hour)", "f32.store", "<f4"
    ),
}


@dataclass(frozen=True)
class Grid:
    """One hour's plane of cases: counts (outer) x unit prices (inner), as start/step/len."""

    count_start: int
    count_step: int
    count_len: int
    unit_start: int
    unit_step: int
    unit_len: int

    @property
    def cases(self) -> int:
        return self.count_len * self.unit_len


def pages_for(cases: int) -> int:
    return max(1, -(-cases * RESULT_BYTES // PAGE_BYTES))


def sweep_wat(abi: Abi, grid: Grid) -> str:
    """WAT of a module exporting `run(hour, start, n)`, `next` and `memory`.

    `run` evaluates cases start..start+n-1 of the plane (index = count_index *
    unit_len + unit_index) at `hour` and stores result i at byte 4*i.
    """
    params = " ".join(abi.params)
    return f"""(module
  (import "{IMPORT_MODULE}" "{IMPORT_NAME}"
    (func $price (param {params}) (result {abi.result})))
  (memory (export "memory") {pages_for(grid.cases)})
  (global $next (export "next") (mut i32) (i32.const 0))
  (func (export "run") (param $hour i32) (param $start i32) (param $n i32)
    (local $i i32) (local $end i32) (local $ui i32) (local $count i32) (local $unit i32)
    (local.set $i (local.get $start))
    (local.set $end (i32.add (local.get $start) (local.get $n)))
    (local.set $ui (i32.rem_u (local.get $start) (i32.const {grid.unit_len})))
    (local.set $count (i32.add (i32.const {grid.count_start})
      (i32.mul (i32.div_u (local.get $start) (i32.const {grid.unit_len}))
               (i32.const {grid.count_step}))))
    (local.set $unit (i32.add (i32.const {grid.unit_start})
      (i32.mul (local.get $ui) (i32.const {grid.unit_step}))))
    (block $done
      (br_if $done (i32.ge_u (local.get $i) (local.get $end)))
      (loop $case
        (global.set $next (local.get $i))
        ({abi.store} (i32.shl (local.get $i) (i32.const 2)) (call $price {abi.args}))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (local.set $ui (i32.add (local.get $ui) (i32.const 1)))
        (local.set $unit (i32.add (local.get $unit) (i32.const {grid.unit_step})))
        (if (i32.eq (local.get $ui) (i32.const {grid.unit_len}))
          (then
            (local.set $ui (i32.const 0))
            (local.set $unit (i32.const {grid.unit_start}))
            (local.set $count (i32.add (local.get $count) (i32.const {grid.count_step})))))
        (br_if $case (i32.lt_u (local.get $i) (local.get $end)))))
    (global.set $next (local.get $i))))
"""
