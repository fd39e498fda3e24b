"""The sweep modules, generated in WebAssembly text from the price module's signature.

A call from Python into wasmtime costs tens of microseconds, so the loop over the
cases runs inside WebAssembly: a sweep module imports `price_func` with the price
module's own signature and calls it once per case, nested loops over count rows and
unit price columns, with the steps baked in as constants. Two kinds exist:

- classify: every result is classified as it comes (in bounds, below zero, NaN, wrap
  suspect, falling price); only the totals and the first few examples of each finding
  leave wasm, so no result plane is ever stored or read by the host;
- results: every result is stored in the sweep's memory, for the host to read.

Each exports `run` and `run_tracked`, which differ in one store: `run` marks each row
before it starts, `run_tracked` also each case. After a trap the marks tell the host
where the sweep stopped. All state the host reads lives at fixed offsets of the
sweep's memory (`Layout`), which never grows: numpy views it without a copy.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

from firmware_host.sandbox import PAGE_BYTES

IMPORT_MODULE = "price"
IMPORT_NAME = "price_func"
RESULT_BYTES = 4
EXAMPLES = 10


@dataclass(frozen=True)
class Abi:
    """How the sweep calls one `price_func` shape and handles its result type."""

    params: tuple[str, ...]
    result: str
    numpy_dtype: str

    @property
    def args(self) -> str:
        names = ("$count", "$unit", "$hour")[: len(self.params)]
        return " ".join(f"(local.get {n})" for n in names)


# One entry per price_func shape the exhaustive tier can sweep: the launch ABI, the
# current ABI, and the f32 result variant the current firmware refuses.
ABIS: dict[tuple[tuple[str, ...], tuple[str, ...]], Abi] = {
    (params, (result,)): Abi(params, result, {"i32": "<i4", "f32": "<f4"}[result])
    for params in (("i32", "i32"), ("i32", "i32", "i32"))
    for result in ("i32", "f32")
}


@dataclass(frozen=True)
class Layout:
    """Byte offsets in a sweep's memory. Counters are i64 in the order of COUNTERS;
    an example is (count, unit_price, result, reference) as four 32-bit words."""

    COUNTERS = ("in_bounds", "below_zero", "not_a_number", "wrap", "falling")
    FINDINGS = ("refused", "wrap", "falling")
    counters: int = 0
    # Examples written per finding by the last call, one i32 each.
    written: int = 40
    row_mark: int = 52
    case_mark: int = 56
    examples: int = 64
    args: int = 576
    data: int = 1024

    def counter(self, name: str) -> int:
        return self.counters + 8 * self.COUNTERS.index(name)

    def example_slot(self, finding: int) -> int:
        return self.examples + finding * EXAMPLES * 16


LAYOUT = Layout()


def pages_for(data_bytes: int) -> int:
    return -(-(LAYOUT.data + data_bytes) // PAGE_BYTES)


def i32_literal(value: int) -> int:
    """`value` modulo 2**32 as a signed i32: steps add up the same way in wasm."""
    return (value + 2**31) % 2**32 - 2**31


@dataclass(frozen=True)
class Grid:
    """What a sweep module bakes in: the axis steps and its memory's data area."""

    count_step: int
    unit_step: int
    data_bytes: int


@dataclass(frozen=True)
class Bounds:
    """The classify module's constants: the guard's range and the wrap thresholds
    (a product at or below `wrap_low`, or at or above `wrap_high`, is a suspect)."""

    max_price: int
    wrap_low: int
    wrap_high: int


def _record(finding: int, want: str, value: str, reference: str) -> str:
    """Keep the case as an example of `finding` while any is wanted (`$record`)."""
    written = f"(i32.load (i32.const {LAYOUT.written + 4 * finding}))"
    return f"""(if (i32.lt_u {written} (local.get {want})) (then
          (call $record (i32.const {finding}) (local.get $count) (local.get $unit)
                        {value} {reference})))"""


# The out-of-line store of one example: rare, so it stays out of the loops' code.
RECORD_FUNC = f"""
  (func $record (param $finding i32) (param $count i32) (param $unit i32)
                (param $value i32) (param $reference i32)
    (local $written i32) (local $slot i32)
    (local.set $written (i32.add (i32.const {LAYOUT.written})
                                 (i32.shl (local.get $finding) (i32.const 2))))
    (local.set $slot (i32.add
      (i32.add (i32.const {LAYOUT.examples}) (i32.mul (local.get $finding) (i32.const {EXAMPLES * 16})))
      (i32.shl (i32.load (local.get $written)) (i32.const 4))))
    (i32.store (local.get $slot) (local.get $count))
    (i32.store offset=4 (local.get $slot) (local.get $unit))
    (i32.store offset=8 (local.get $slot) (local.get $value))
    (i32.store offset=12 (local.get $slot) (local.get $reference))
    (i32.store (local.get $written) (i32.add (i32.load (local.get $written)) (i32.const 1))))"""  # noqa: E501


def _bump(counter: str) -> str:
    """Count one more case in a counter kept in memory (the rare paths' counters)."""
    at = LAYOUT.counter(counter)
    return f"(i64.store (i32.const {at}) (i64.add (i64.load (i32.const {at})) (i64.const 1)))"


def _add(counter: str, amount: str = "(i64.const 1)") -> str:
    return f"(local.set {counter} (i64.add (local.get {counter}) {amount}))"


@dataclass(frozen=True)
class _Result:
    """The result-type specific pieces of the classify loop."""

    in_bounds: str
    refused: str
    # The value of a local of the result type as i32 bits, to store in an example.
    bits: str
    store: str
    load: str
    less: str


def _result_ops(result: str, max_price: int) -> _Result:
    if result == "i32":
        return _Result(
            # Negative i32 are huge as u32: one comparison tests both bounds.
            in_bounds=f"(i32.le_u (local.get $r) (i32.const {max_price}))",
            refused=_add("$below", "(i64.extend_i32_u (i32.shr_u (local.get $r) (i32.const 31)))"),
            bits="(local.get {})",
            store="i32.store",
            load="i32.load",
            less="i32.lt_s",
        )
    limit = float.hex(float(_f32(max_price)))
    below = "(i64.extend_i32_u (f32.lt (local.get $r) (f32.const 0)))"
    nan = "(i64.extend_i32_u (f32.ne (local.get $r) (local.get $r)))"
    return _Result(
        in_bounds=(
            f"(i32.and (f32.ge (local.get $r) (f32.const 0)) "
            f"(f32.le (local.get $r) (f32.const {limit})))"
        ),
        refused=f"{_add('$below', below)} {_add('$nan', nan)}",
        bits="(i32.reinterpret_f32 (local.get {}))",
        store="f32.store",
        load="f32.load",
        less="f32.lt",
    )


def _f32(value: int) -> float:
    """`value` rounded to f32, as numpy compares a float32 result with an int."""
    packed: float = struct.unpack("<f", struct.pack("<f", float(value)))[0]
    return packed


def _column_address(grid: Grid) -> str:
    """Byte address of the current column's running maximum. With unit step 1 (every
    declared domain) it follows from the unit price, with no counter of its own."""
    if grid.unit_step == 1:
        return (
            f"(i32.add (i32.const {LAYOUT.data}) "
            "(i32.shl (i32.sub (local.get $unit) (local.get $unit0)) (i32.const 2)))"
        )
    return "(local.get $addr)"


def _classify_body(abi: Abi, grid: Grid, bounds: Bounds, record_refused: bool) -> str:
    ops = _result_ops(abi.result, bounds.max_price)
    value, with_ref = (ops.bits.format(v) for v in ("$r", "$h"))
    no_ref = "(i32.const 0)"
    refused = _record(0, "$want_ref", value, no_ref) if record_refused else ""
    return f"""(if {ops.in_bounds}
          (then
            {_bump("in_bounds")}
            (local.set $p (i64.mul (i64.extend_i32_s (local.get $count))
                                   (i64.extend_i32_s (local.get $unit))))
            (if (i32.or (i64.le_s (local.get $p) (i64.const {bounds.wrap_low}))
                        (i64.ge_s (local.get $p) (i64.const {bounds.wrap_high})))
              (then {_bump("wrap")}
                {_record(1, "$want_wrap", value, no_ref)}))
            (local.set $addr_h {_column_address(grid)})
            (local.set $h ({ops.load} (local.get $addr_h)))
            (if ({ops.less} (local.get $r) (local.get $h))
              (then {_bump("falling")}
                {_record(2, "$want_fall", value, with_ref)})
              (else ({ops.store} (local.get $addr_h) (local.get $r)))))
          (else
            {ops.refused}
            {refused}))"""


def _reset_state() -> str:
    """Every counter and example count of this call starts at zero."""
    counters = [
        f"(i64.store (i32.const {LAYOUT.counter(n)}) (i64.const 0))" for n in LAYOUT.COUNTERS
    ]
    written = [
        f"(i32.store (i32.const {LAYOUT.written + 4 * i}) (i32.const 0))"
        for i in range(len(LAYOUT.FINDINGS))
    ]
    return "\n    ".join(counters + written)


def _store_hot_counters() -> str:
    """The hot counters live in locals during the call, in memory after it."""
    return "\n    ".join(
        f"(i64.store (i32.const {LAYOUT.counter(name)}) (local.get {local}))"
        for name, local in (("below_zero", "$below"), ("not_a_number", "$nan"))
    )


@dataclass(frozen=True)
class _Kind:
    """The parts in which a classify and a results module differ."""

    params: tuple[str, ...]
    locals: str
    setup: str
    advance: str
    finish: str
    # The case loop while refusal examples are wanted, then the one once they are not.
    slow: str
    fast: str


_CLASSIFY_LOCALS = (
    "(local $h {t}) (local $p i64) (local $addr_h i32) (local $below i64) (local $nan i64)"
)


def _classify_kind(abi: Abi, grid: Grid, bounds: Bounds) -> _Kind:
    return _Kind(
        params=("$want_ref", "$want_wrap", "$want_fall"),
        locals=_CLASSIFY_LOCALS.format(t=abi.result),
        setup=_reset_state(),
        advance="",
        finish=_store_hot_counters(),
        slow=_classify_body(abi, grid, bounds, record_refused=True),
        fast=_classify_body(abi, grid, bounds, record_refused=False),
    )


def _results_kind(abi: Abi) -> _Kind:
    return _Kind(
        params=("$out",),
        locals="",
        setup="",
        advance="(local.set $out (i32.add (local.get $out) (i32.const 4)))",
        finish="",
        slow="",
        fast=f"({abi.result}.store (local.get $out) (local.get $r))",
    )


def _case_loops(abi: Abi, grid: Grid, kind: _Kind, tracked: bool) -> str:
    """One row segment. `run`: the slow loop while refusal examples are wanted, then
    the fast loop; `run_tracked` (after traps only): one loop, each case marked first."""
    mark = f"(i32.store (i32.const {LAYOUT.case_mark}) (local.get $unit))" if tracked else ""
    step = i32_literal(grid.unit_step)
    advance = f"(local.set $unit (i32.add (local.get $unit) (i32.const {step}))) {kind.advance}"
    if grid.unit_step != 1:
        advance += " (local.set $addr (i32.add (local.get $addr) (i32.const 4)))"
    head = f"{mark} (local.set $r (call $price {abi.args}))"
    if tracked or not kind.slow:
        return f"""(loop $case
          {head}
          {kind.slow or kind.fast}
          {advance}
          (br_if $case (i32.ne (local.get $unit) (local.get $unit_end))))"""
    wanted = f"(i32.lt_u (i32.load (i32.const {LAYOUT.written})) (local.get $want_ref))"
    return f"""(block $row_done
        (if {wanted} (then
          (loop $slow
            {head}
            {kind.slow}
            {advance}
            (br_if $row_done (i32.eq (local.get $unit) (local.get $unit_end)))
            (br_if $slow {wanted}))))
        {_fast_loop(head, kind.fast, advance, grid)})"""


def _fast_loop(head: str, body: str, advance: str, grid: Grid) -> str:
    """The loop that runs nearly every case. With unit step 1 (every declared domain)
    the cases left in the row are the unit prices left, so it takes two cases a turn
    (the odd one first), which halves the loop's own work between calls."""
    case = f"{head} {body} {advance}"
    if grid.unit_step != 1:
        return f"""(loop $fast
          {case}
          (br_if $fast (i32.ne (local.get $unit) (local.get $unit_end))))"""
    left = "(i32.sub (local.get $unit_end) (local.get $unit))"
    return f"""(if (i32.and {left} (i32.const 1)) (then {case}))
        (if (i32.ne (local.get $unit) (local.get $unit_end)) (then
          (loop $fast
            {case}
            {case}
            (br_if $fast (i32.ne (local.get $unit) (local.get $unit_end))))))"""


# The arguments of `run` and `run_tracked`, read from the args area (a wasmtime-py
# call converts each argument in Python, which costs more than a whole batch): from
# column `col` of the row at `count`, across `rows` rows of `width` columns whose
# first unit price is `unit0`, the last row ending before column `end_col`; then the
# arguments of the kind (examples wanted, or where the results go).
SPAN_ARGS = ("$hour", "$count", "$unit0", "$width", "$col", "$rows", "$end_col")


def _run(name: str, abi: Abi, grid: Grid, kind: _Kind, tracked: bool) -> str:
    """One exported sweep function (no parameters: see SPAN_ARGS)."""
    unit_step, count_step = i32_literal(grid.unit_step), i32_literal(grid.count_step)
    params = SPAN_ARGS + kind.params
    loads = " ".join(
        f"(local.set {p} (i32.load (i32.const {LAYOUT.args + 4 * i})))"
        for i, p in enumerate(params)
    )
    return f"""
  (func (export "{name}")
    {" ".join(f"(local {p} i32)" for p in params)}
    (local $r {abi.result}) (local $unit i32) (local $unit_end i32) (local $addr i32) {kind.locals}
    {loads}
    {kind.setup}
    (local.set $unit (i32.add (local.get $unit0) (i32.mul (local.get $col) (i32.const {unit_step}))))
    (local.set $addr (i32.add (i32.const {LAYOUT.data}) (i32.shl (local.get $col) (i32.const 2))))
    (loop $row
      (i32.store (i32.const {LAYOUT.row_mark}) (local.get $count))
      (local.set $unit_end (i32.add (local.get $unit0) (i32.mul (i32.const {unit_step})
        (select (local.get $end_col) (local.get $width) (i32.eq (local.get $rows) (i32.const 1))))))
      {_case_loops(abi, grid, kind, tracked)}
      (local.set $count (i32.add (local.get $count) (i32.const {count_step})))
      (local.set $unit (local.get $unit0))
      (local.set $addr (i32.const {LAYOUT.data}))
      (local.set $rows (i32.sub (local.get $rows) (i32.const 1)))
      (br_if $row (local.get $rows)))
    {kind.finish})"""  # noqa: E501


def _module(abi: Abi, grid: Grid, kind: _Kind) -> str:
    params = " ".join(abi.params)
    runs = "".join(
        _run(name, abi, grid, kind, tracked)
        for name, tracked in (("run", False), ("run_tracked", True))
    )
    return f"""(module
  (import "{IMPORT_MODULE}" "{IMPORT_NAME}"
    (func $price (param {params}) (result {abi.result})))
  (memory (export "memory") {pages_for(grid.data_bytes)}){RECORD_FUNC}{runs})
"""


def classify_wat(abi: Abi, grid: Grid, bounds: Bounds) -> str:
    """A module classifying every case; its data area holds the highest in-bounds
    price so far of each column, the state of the falling-price finding."""
    return _module(abi, grid, _classify_kind(abi, grid, bounds))


def results_wat(abi: Abi, grid: Grid) -> str:
    """A module storing each result at byte offset `out` onwards, in case order."""
    return _module(abi, grid, _results_kind(abi))
