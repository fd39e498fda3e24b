"""Byte corpora through the fixture firmware on stand-in hardware; what came out, as JSON.

Run by both interpreters on the same input: MicroPython (run_micropython.mjs, the
WebAssembly port under Node) and CPython (a plain subprocess); the test requires the
two outputs to be identical. The firmware is the real one (hil/board_firmware: main,
fixture, keymatrix, lcd, config, and the board core), started through main.start()
and driven one main.turn() at a time; only `machine` and `time` are stand-ins.

argv[1]: a JSON file {"cases": [{"name", "cmdset", "steps": [[kind, value], ...]}]},
kind "display" (hex bytes for the display port), "control" (hex bytes for the
control port), "both" ("<display hex>:<control hex>", fed in the same turn, so a
request arrives while the display is still receiving) or "key" (a key name pressed
on the key matrix). A step ends once both ports have taken their input and no
request waits for the display to be quiet (READ <n>). Prints one line,
"RESULT <json>", with per case each step's output and the board's end state.
"""

import binascii
import json
import sys

import vtime  # type: ignore[import-not-found]  # beside this file, not a package

sys.modules["time"] = vtime  # before the firmware imports time

import machine  # noqa: E402  the stand-in (tests/micropython/machine.py)

from hil.board_firmware import config  # noqa: E402
from hil.board_firmware import main as firmware  # noqa: E402

TURN_US = 2000  # what one loop turn costs on the Pico, roughly
MAX_TURNS = 10000  # a bound on waiting for the firmware to take its input


def hexed(data: bytes) -> str:
    return binascii.hexlify(data).decode()


def key_pins(name: str) -> tuple[int, int]:
    for row, names in enumerate(config.KEY_LAYOUT):
        for col, each in enumerate(names):
            if each == name:
                return (config.KEY_ROWS[row], config.KEY_COLS[col])
    raise ValueError("no key " + name + " on the matrix")


class Bench:
    """One freshly powered fixture board on the stand-in hardware."""

    def __init__(self, cmdset: str) -> None:
        machine.reset(config.CMDSET_JUMPER, 0 if cmdset == "cd5220" else 1)
        self.fixture, self.keys, self.lcd = firmware.start()
        self.display = machine.ports[config.DISPLAY_UART]
        self.control = machine.ports[config.CONTROL_UART]
        # Per step, on the virtual clock from the step's start: [the poll that took the
        # last display input, the poll that sent the first control answer] (-1: none).
        self.timings = []  # type: list[list[int]]
        self.started = 0

    def turn(self) -> None:
        self.display.tick()
        self.control.tick()
        vtime.sleep_us(TURN_US)
        elapsed = vtime.now_us[0] - self.started  # the fixture's poll reads this time
        firmware.turn(self.fixture, self.keys, self.lcd)
        timing = self.timings[-1]
        if timing[0] < 0 and self.display.idle():
            timing[0] = elapsed
        if timing[1] < 0 and self.control.sent:
            timing[1] = elapsed

    def settle(self) -> None:
        turns = 0
        board = self.fixture.board
        while not (self.display.idle() and self.control.idle()) or board.held:
            self.turn()
            turns += 1
            if turns > MAX_TURNS:
                raise RuntimeError("the firmware did not take its input")
        self.turn()

    def press(self, name: str) -> None:
        """Hold the key until its code went out (debounced), then let go."""
        machine.held[0] = key_pins(name)
        for _ in range(100):
            self.turn()
            if self.display.sent:
                break
        machine.held[0] = None
        for _ in range(20):
            self.turn()

    def step(self, kind: str, value: str) -> list[str]:
        self.started = vtime.now_us[0]
        self.timings.append([-1, -1])
        if kind == "display":
            self.display.feed(binascii.unhexlify(value))
            self.settle()
        elif kind == "control":
            self.control.feed(binascii.unhexlify(value))
            self.settle()
        elif kind == "both":
            display, control = value.split(":")
            self.display.feed(binascii.unhexlify(display))
            self.control.feed(binascii.unhexlify(control))
            self.settle()
        elif kind == "key":
            self.press(value)
        else:
            raise ValueError("unknown step kind " + kind)
        return [hexed(self.display.take_sent()), hexed(self.control.take_sent())]

    def result(self, outputs: list[list[str]]) -> dict[str, object]:
        board = self.fixture.board
        cells = board.cells
        return {
            "outputs": outputs,
            "timings": self.timings,
            "rows": [hexed(cells.row_bytes(row)) for row in range(cells.rows)],
            "cursor": list(cells.cursor()),
            "state": [list(pair) for pair in board.state()],
            "diagnostics": [list(pair) for pair in board.diagnostics().fields()],
            "pin_writes": machine.trace[0],
            "pin_hash": machine.trace[1],
            "backlight": machine.duty[0],
        }


def run(path: str) -> dict[str, object]:
    with open(path) as source:
        cases = json.load(source)["cases"]
    results = {}  # type: dict[str, object]
    for case in cases:
        bench = Bench(case["cmdset"])
        outputs = [bench.step(kind, value) for kind, value in case["steps"]]
        results[case["name"]] = bench.result(outputs)
    return results


RESULTS = run(sys.argv[1])
print("RESULT " + json.dumps({"implementation": sys.implementation.name, "results": RESULTS}))
