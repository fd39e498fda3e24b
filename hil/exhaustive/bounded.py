"""Can a price module's code run out of the firmware's fuel, or keep state from one
call to the next? Read from its bytes.

The firmware charges one fuel unit per wasm operator, except a few free ones, and
stops a call after `call_fuel` units. Fuel metering costs the exhaustive tier more
than the price function itself, yet for most modules it can never fire: WebAssembly
only jumps backwards to a `loop`, so a function with no `loop`, no call and no
operator whose cost grows with an operand (`memory.fill`, `memory.copy`,
`memory.grow`, the table counterparts) runs each of its operators at most once. Each
operator takes at least one byte, so such a call costs at most its body's size in
fuel. When `price_func` and the start function are of that kind and that bound is
within the firmware's allowance, running them without fuel changes no outcome; every
other module is swept with fuel, exactly as the firmware runs it.

The firmware prices every sale on a fresh instance; the sweep calls one instance
millions of times. The two agree only for code that writes no global, memory or table:
`state_write` names the first operator that could, in any function.

The decoder knows every operator of the proposals the firmware enables; anything
else (or bytes it cannot follow) makes the answer "not bounded" (or "may write
state"), never a guess.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from firmware_host.runtime import EXPORT_NAME

_HEADER = b"\0asm\x01\0\0\0"
_EXPORT_SECTION, _START_SECTION, _CODE_SECTION, _IMPORT_SECTION = 7, 8, 10, 2
_FUNC_KIND = 0

# Operators after which the work of one call is no longer bounded by its size.
_LOOP = 0x03
_CALLS = frozenset(range(0x10, 0x16))  # call, call_indirect, return_call(_indirect), call_ref
_MEMORY_GROW = 0x40
_VARIABLE_FC = frozenset({8, 10, 11, 12, 14, 15, 17})  # memory.init/copy/fill, table.*

_NO_IMMEDIATE = frozenset({0x00, 0x01, 0x05, 0x0B, 0x0F, 0x1A, 0x1B, 0xD1, *range(0x45, 0xC5)})
_ONE_INDEX = frozenset({0x0C, 0x0D, 0x10, 0x12, 0x14, 0x15, *range(0x20, 0x27), 0x3F, 0x40, 0xD2})
_TWO_INDICES = frozenset({0x11, 0x13})
_MEMARG = frozenset(range(0x28, 0x3F))
_BLOCKS = frozenset({0x02, 0x03, 0x04})
_FIXED_BYTES = {0x43: 4, 0x44: 8}
_FC_INDICES = {**dict.fromkeys(range(8), 0), 8: 2, 9: 1, 10: 2, 11: 1, 12: 2, 13: 1}
_FC_INDICES |= {14: 2, 15: 1, 16: 1, 17: 1}
_SHORT_TYPES = frozenset({0x40, 0x7F, 0x7E, 0x7D, 0x7C, 0x70, 0x6F})
_REF_TYPES = frozenset({0x63, 0x64})


class _Unreadable(Exception):
    """Bytes the decoder cannot follow: the module counts as not bounded."""


@dataclass
class _Reader:
    data: bytes
    at: int = 0

    def byte(self) -> int:
        if self.at >= len(self.data):
            raise _Unreadable("unexpected end of bytes")
        value = self.data[self.at]
        self.at += 1
        return value

    def leb(self) -> int:
        """An unsigned or signed LEB128 number; only its length matters here."""
        result, shift = 0, 0
        while True:
            byte = self.byte()
            result |= (byte & 0x7F) << shift
            shift += 7
            if not byte & 0x80:
                return result
            if shift > 70:
                raise _Unreadable("LEB128 number too long")

    def take(self, count: int) -> bytes:
        if self.at + count > len(self.data):
            raise _Unreadable("unexpected end of bytes")
        chunk = self.data[self.at : self.at + count]
        self.at += count
        return chunk

    def value_type(self) -> None:
        if self.byte() in _REF_TYPES:
            self.leb()


def _block_type(reader: _Reader) -> None:
    first = reader.byte()
    if first in _REF_TYPES:
        reader.leb()
    elif first not in _SHORT_TYPES:
        reader.at -= 1
        reader.leb()  # a type index (s33)


def _operators(body: bytes) -> Iterator[tuple[int, int]]:
    """(opcode, sub-opcode or -1) of every operator of one function body."""
    reader = _Reader(body)
    for _ in range(reader.leb()):  # local declarations
        reader.leb()
        reader.value_type()
    while reader.at < len(body):
        op = reader.byte()
        sub = -1
        if op in _NO_IMMEDIATE:
            pass
        elif op in _ONE_INDEX:
            reader.leb()
        elif op in _TWO_INDICES:
            reader.leb()
            reader.leb()
        elif op in _MEMARG:
            if reader.leb() & 0x40:  # alignment flag: a memory index follows
                reader.leb()
            reader.leb()
        elif op in _BLOCKS:
            _block_type(reader)
        elif op in (0x41, 0x42, 0xD0):  # i32.const, i64.const, ref.null
            reader.leb()
        elif op in _FIXED_BYTES:
            reader.take(_FIXED_BYTES[op])
        elif op == 0x0E:  # br_table
            for _ in range(reader.leb() + 1):
                reader.leb()
        elif op == 0x1C:  # select with types
            for _ in range(reader.leb()):
                reader.value_type()
        elif op == 0xFC:
            sub = reader.leb()
            if sub not in _FC_INDICES:
                raise _Unreadable(f"unknown operator 0xfc {sub}")
            for _ in range(_FC_INDICES[sub]):
                reader.leb()
        else:
            raise _Unreadable(f"unknown operator {op:#04x}")
        yield op, sub


# Operators that change what a later call of the same instance sees.
_STATE_WRITES = {0x24: "global.set", 0x26: "table.set", 0x40: "memory.grow"}
_STATE_WRITES |= dict.fromkeys(range(0x36, 0x3F), "a store to memory")
_STATE_WRITES_FC = {
    8: "memory.init", 10: "memory.copy", 11: "memory.fill", 12: "table.init",
    14: "table.copy", 15: "table.grow", 17: "table.fill",
}  # fmt: skip


def _state_op(op: int, sub: int) -> str | None:
    return _STATE_WRITES_FC.get(sub) if op == 0xFC else _STATE_WRITES.get(op)


def _unbounded(op: int, sub: int) -> bool:
    return op in (_LOOP, _MEMORY_GROW) or op in _CALLS or (op == 0xFC and sub in _VARIABLE_FC)


def _sections(wasm: bytes) -> dict[int, bytes]:
    if not wasm.startswith(_HEADER):
        raise _Unreadable("not a WebAssembly 1.0 binary")
    reader = _Reader(wasm, len(_HEADER))
    sections: dict[int, bytes] = {}
    while reader.at < len(wasm):
        section = reader.byte()
        sections[section] = reader.take(reader.leb())
    return sections


def _entry_functions(sections: dict[int, bytes]) -> set[int]:
    """Indices of `price_func` and of the start function, the code a sweep runs."""
    found: set[int] = set()
    if _START_SECTION in sections:
        found.add(_Reader(sections[_START_SECTION]).leb())
    exports = _Reader(sections.get(_EXPORT_SECTION, b"\0"))
    for _ in range(exports.leb()):
        name = exports.take(exports.leb())
        kind, index = exports.byte(), exports.leb()
        if kind == _FUNC_KIND and name == EXPORT_NAME.encode():
            found.add(index)
    return found


def fuel_bound(wasm: bytes) -> int | None:
    """Fuel that one call of `price_func`, or one instantiation, can use at most; None
    when the code may loop, call or do work proportional to an operand.

    Every operator costs at most one unit and takes at least one byte; the bound is
    twice the module's size, which also covers the fixed charge of entering a call.
    """
    try:
        sections = _sections(wasm)
        if _IMPORT_SECTION in sections:
            return None  # imported functions shift the indices; the firmware refuses imports
        wanted = _entry_functions(sections)
        code = _Reader(sections.get(_CODE_SECTION, b"\0"))
        bodies = code.leb()
        if any(index >= bodies for index in wanted):
            return None
        for index in range(bodies):
            body = code.take(code.leb())
            if index in wanted and any(_unbounded(*op) for op in _operators(body)):
                return None
    except _Unreadable:
        return None
    return 2 * len(wasm)


def state_write(wasm: bytes) -> str | None:
    """The first operator of any function that writes a global, memory or table (state
    a reused instance keeps and a fresh one does not), as "global.set in function 2";
    None when there is none. Bytes the decoder cannot follow may write anything."""
    try:
        sections = _sections(wasm)
        code = _Reader(sections.get(_CODE_SECTION, b"\0"))
        for index in range(code.leb()):
            body = code.take(code.leb())
            for op, sub in _operators(body):
                name = _state_op(op, sub)
                if name is not None:
                    return f"{name} in function {index}"
    except _Unreadable as exc:
        return f"code the decoder cannot follow ({exc})"
    return None
