"""Byte corpora for the MicroPython equivalence tests: what the fixture firmware is fed.

Display streams of both command sets (what the terminal's own drivers send, every
command of each set with in- and out-of-range parameters, CD5220 windows and string
mode, seeded random bytes), control-channel lines good and bad, and key presses on
the key matrix. A case is {"name", "cmdset", "steps": [[kind, hex or key], ...]}, the
input format of tests/micropython/fixture_run.py.
"""

from __future__ import annotations

import random
from typing import Any

from boardcore.keycodes import KEY_NAMES
from firmware_host.display import LineDisplay, ScrollMode

CMDSETS = ("epson", "cd5220")
ESC, US = b"\x1b", b"\x1f"
READBACK = [b"READ\n", b"STATE\n", b"DIAG\n"]
PARAMETERS = (0, 1, 2, 3, 4, 5, 0x14, 0x15, 0x30, 0x31, 0x32, 0x41, 0x7F, 0xFF)


class Recorder:
    """A ByteSink that keeps what the driver sent."""

    def __init__(self) -> None:
        self.sent = bytearray()

    def write(self, data: bytes) -> None:
        self.sent.extend(data)


def driver_session(cmdset: str) -> tuple[bytes, tuple[bytes, ...]]:
    """What the terminal's LineDisplay sends for a few screens, and the cells its own
    model says the display then shows."""
    recorder = Recorder()
    display = LineDisplay(recorder, cmdset)
    display.initialize()
    display.show(["2 x 10", "Total          20.00"])
    display.show(["Invalid price : 110", "Sale refused"])
    display.set_brightness(2)
    display.set_cursor_visible(True)
    display.set_scroll_mode(ScrollMode.HORIZONTAL)
    display.display_text("scrolling past the right end")
    display.set_scroll_mode(ScrollMode.VERTICAL)
    display.display_text("and down " * 6)
    display.set_scroll_mode(ScrollMode.OVERWRITE)
    display.display_text_at(1, 5, "xy")
    display.show(["Caf\u00e9 \u00fc \u00a3", "\u00bd price"])
    display.set_cursor_visible(False)
    return bytes(recorder.sent), display.shown_bytes()


def every_command(cmdset: str) -> bytes:
    """Each command prefix of the set with each sample parameter, text between."""
    from boardcore.cd5220 import PREFIXED as CD5220_PREFIXED
    from boardcore.epson import PREFIXED as EPSON_PREFIXED

    prefixes = EPSON_PREFIXED if cmdset == "epson" else CD5220_PREFIXED
    out = bytearray()
    for prefix, (length, _) in prefixes.items():
        if prefix in (b"\x1b@", b"\x1bQ"):  # reset and string mode get cases of their own
            continue
        for value in PARAMETERS:
            size = length if isinstance(length, int) else 6
            out += prefix + bytes([value]) * (size - 2) + b"ab"
        out += b"\x0c"
    out += bytes(range(0x20)).replace(ESC, b"").replace(US, b"")  # every control byte
    return bytes(out)


def string_mode() -> bytes:
    return (
        ESC + b"QAupper line\r" + b"ignored" + ESC + b"QB" + b"y" * 30 + b"\r" + b"\x18x"
        + ESC + b"QD" + b"a marquee message of at most 39 bytes!!!!\r" + b"N"
        + ESC + b"QZ" + ESC + b"[Z" + ESC + b"=\x00" + ESC + b"@" + b"done"
    )  # fmt: skip


def windows() -> bytes:
    return (
        b"ID: [" + b" " * 10 + b"]" + ESC + b"W\x01\x06\x0f\x01" + ESC + b"\x13"
        + ESC + b"l\x06\x01" + b"VIEWPORTTEXT" + b"\x09\x08\x08"
        + ESC + b"W\x01\x00\x13\x01" + ESC + b"W\x00\x00\x00\x01" + b"whole line again!!"
    )  # fmt: skip


def garbage(seed: int, size: int) -> bytes:
    """Seeded random bytes, heavy on ESC, US and control bytes so commands get started."""
    rng = random.Random(seed)
    pool = [0x1B, 0x1F, *range(0x20), *range(0x20, 0x7F), *range(0x80, 0x100)]
    weights = [30, 30, *[3] * 0x20, *[1] * 0x5F, *[1] * 0x80]
    return bytes(rng.choices(pool, weights, k=size))


def control_lines() -> list[bytes]:
    return [
        b"PING\n",
        b"ID\n",
        b"READ\r\n",
        b"STATE\n",
        b"DIAG\n",
        b"DIAG CLEAR\n",
        b"DIAG NOW\n",
        b"KEY 7\n",
        b"KEY qty\n",
        b"KEY pay\n",
        b"KEY\n",
        b"RESET\n",
        b"HELLO\n",
        b"\n",
        b"PI\xffNG\n",
        b"X" * 300 + b"\n",
        b"PI",
        b"NG\nID\nRE",
        b"AD\n",
    ]


def _steps(kind: str, chunks: list[bytes]) -> list[list[str]]:
    return [[kind, chunk.hex()] for chunk in chunks]


QUIET_SCREEN = b"\x0c" + b"settled upper line!!" + b"and the lower line.."  # 41 bytes
QUIET_CHARS = 4


def quiet_read_steps(cmdset: str) -> list[list[str]]:
    """READ <n> against a display still receiving (the stand-in UART takes 32 bytes a
    turn): a plain READ answers at once, READ <n> once the display is n characters
    quiet, with the requests behind it in order; then its bad forms, ID's features,
    and a READ <n> that more than MAX_HELD requests queue behind."""
    stream, _ = driver_session(cmdset)
    read = f"READ {QUIET_CHARS}\n".encode()
    both = [
        (QUIET_SCREEN * 3, b"READ\n"),
        (stream, read + b"DIAG\nPING\n"),
        (QUIET_SCREEN * 12, read + b"PING\n" * 20),
    ]
    steps = [["both", f"{display.hex()}:{control.hex()}"] for display, control in both]
    bad = b"READ 0\nREAD 1001\nREAD x\nREAD 4 5\nREAD -1\nID\n"
    return steps[:2] + _steps("control", [bad]) + steps[2:]


def cases() -> list[dict[str, Any]]:
    built: list[dict[str, Any]] = []
    for cmdset in CMDSETS:
        stream, _ = driver_session(cmdset)
        display_cases = {
            "driver": [stream],
            "commands": [every_command(cmdset)],
            "string-mode": [string_mode()],
            "windows": [windows()],
            "garbage": [garbage(13, 3000), garbage(14, 1000)],
            "split": [bytes([code]) for code in ESC + b"l\x05\x02" + US + b"$\x05\x02ok"],
        }
        for name, chunks in display_cases.items():
            steps = _steps("display", chunks) + _steps("control", READBACK)
            built.append({"name": f"{cmdset}-{name}", "cmdset": cmdset, "steps": steps})
        keys = [["key", name] for name in KEY_NAMES]
        keys += _steps("control", [b"KEY 5\n", b"KEY enter\n"])
        built.append({"name": f"{cmdset}-keypad", "cmdset": cmdset, "steps": keys})
        built.append(
            {"name": f"{cmdset}-quiet-read", "cmdset": cmdset, "steps": quiet_read_steps(cmdset)}
        )
        built.append(
            {
                "name": f"{cmdset}-control",
                "cmdset": cmdset,
                "steps": _steps("display", [b"shown"]) + _steps("control", control_lines()),
            }
        )
    return built
