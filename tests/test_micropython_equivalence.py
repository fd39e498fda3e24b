"""The fixture firmware on a real MicroPython interpreter answers exactly as on CPython.

The board core and the Pico firmware (hil/board_firmware) are loaded from their files
into MicroPython's WebAssembly port under Node (tests/micropython/, installed by
`npm ci --prefix tests/micropython`), with stand-ins for `machine` and `time` only;
the same script runs them under CPython. Both get the same corpora (display streams
of both command sets, control lines, key presses on the matrix) and must produce the
same cells, cursor, settings, answers, keypad codes, diagnostics and pin writes.
One Node process runs every case. Without the npm package the tests FAIL, naming
the command that installs it: a check that cannot run is not a pass.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.micropython_corpora import QUIET_CHARS, QUIET_SCREEN, cases, driver_session

ROOT = Path(__file__).resolve().parent.parent
HARNESS = ROOT / "tests" / "micropython"
SCRIPT = "tests/micropython/fixture_run.py"
PACKAGE = HARNESS / "node_modules" / "@micropython" / "micropython-webassembly-pyscript"
INSTALL = "npm ci --prefix tests/micropython"
RUN_DEADLINE_S = 300.0

FIRMWARE_FILES = [
    *sorted(f"boardcore/{path.name}" for path in (ROOT / "boardcore").glob("*.py")),
    "hil/__init__.py",
    *(f"hil/board_firmware/{name}.py" for name in ("__init__", "config", "fixture")),
    *(f"hil/board_firmware/{name}.py" for name in ("keymatrix", "lcd", "main")),
    "tests/micropython/machine.py",
    "tests/micropython/vtime.py",
]


def _result(completed: subprocess.CompletedProcess[str], who: str) -> dict[str, Any]:
    if completed.returncode != 0:
        raise AssertionError(
            f"expected {who} to run the corpora, found exit {completed.returncode}: "
            f"{completed.stderr.strip()[-2000:]}"
        )
    lines = [line for line in completed.stdout.splitlines() if line.startswith("RESULT ")]
    if len(lines) != 1:
        raise AssertionError(f"expected one RESULT line from {who}, found {completed.stdout!r}")
    parsed: dict[str, Any] = json.loads(lines[0][len("RESULT ") :])
    return parsed


@pytest.fixture(scope="module")
def corpora(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("micropython") / "corpora.json"
    path.write_text(json.dumps({"cases": cases()}))
    return path


@pytest.fixture(scope="module")
def micropython_run(corpora: Path) -> dict[str, Any]:
    node = shutil.which("node")
    if node is None:
        pytest.fail("expected Node.js (node) on PATH to run MicroPython; install nodejs")
    if not (PACKAGE / "micropython.mjs").is_file():
        pytest.fail(
            f"expected the MicroPython WebAssembly package in {PACKAGE.relative_to(ROOT)}, "
            f"found none; install it with: {INSTALL}"
        )
    command = [node, str(HARNESS / "run_micropython.mjs"), str(ROOT), str(corpora), SCRIPT]
    completed = subprocess.run(
        command + FIRMWARE_FILES, capture_output=True, text=True, timeout=RUN_DEADLINE_S
    )
    return _result(completed, "MicroPython")


@pytest.fixture(scope="module")
def cpython_run(corpora: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    completed = subprocess.run(
        [sys.executable, str(ROOT / SCRIPT), str(corpora)],
        capture_output=True,
        text=True,
        timeout=RUN_DEADLINE_S,
        env=env,
        cwd=ROOT,
    )
    return _result(completed, "CPython")


def test_micropython_is_the_interpreter_and_ran_every_case(
    micropython_run: dict[str, Any], cpython_run: dict[str, Any]
) -> None:
    assert micropython_run["implementation"] == "micropython"
    assert cpython_run["implementation"] == "cpython"
    names = [case["name"] for case in cases()]
    assert sorted(micropython_run["results"]) == sorted(cpython_run["results"]) == sorted(names)


@pytest.mark.parametrize("name", [case["name"] for case in cases()])
def test_micropython_and_cpython_give_identical_boards(
    name: str, micropython_run: dict[str, Any], cpython_run: dict[str, Any]
) -> None:
    on_micropython = micropython_run["results"][name]
    on_cpython = cpython_run["results"][name]
    for key in on_cpython:  # one key at a time, so a difference names what differs
        assert on_micropython[key] == on_cpython[key], f"{name}: {key} differs"


@pytest.mark.parametrize("cmdset", ["epson", "cd5220"])
def test_micropython_shows_what_the_terminals_driver_drew(
    cmdset: str, micropython_run: dict[str, Any]
) -> None:
    """Held against the host driver's own model of the screen, not the board core."""
    _, model_rows = driver_session(cmdset)
    result = micropython_run["results"][f"{cmdset}-driver"]
    assert [bytes.fromhex(row) for row in result["rows"]] == list(model_rows)
    assert dict(result["diagnostics"])["dropped"] == "0"


def test_micropython_firmware_answers_the_control_channel(
    micropython_run: dict[str, Any],
) -> None:
    outputs = micropython_run["results"]["epson-control"]["outputs"]
    answers = [bytes.fromhex(control).decode() for _, control in outputs]
    assert answers[1:4] == [
        "OK PING\n",
        "OK ID model=Pico-HD44780 firmware=1.0 serial=e6614104032b562a rows=2 cols=20 "
        "cmdset=epson features=read-quiet\n",
        "OK READ cursor=0,5 row0=73686f776e" + "20" * 15 + " row1=" + "20" * 20 + "\n",
    ]
    assert bytes.fromhex(outputs[8][0]) == b"7"  # KEY 7: the code on the display port
    assert answers[17] == ""  # half a request: no answer yet
    assert answers[18] == "OK PING\n" + answers[2]
    assert answers[19].startswith("OK READ cursor=0,0 row0=" + "20" * 20)  # after RESET


def test_micropython_keypad_sends_each_keys_code(micropython_run: dict[str, Any]) -> None:
    outputs = micropython_run["results"]["cd5220-keypad"]["outputs"]
    assert [bytes.fromhex(display) for display, _ in outputs[:3]] == [b"0", b"1", b"2"]
    assert bytes.fromhex(outputs[10][0]) == b"*"  # qty


def test_micropython_counts_what_the_board_dropped(micropython_run: dict[str, Any]) -> None:
    result = micropython_run["results"]["cd5220-string-mode"]
    diag = bytes.fromhex(result["outputs"][-1][1]).decode()
    assert diag.startswith("OK DIAG dropped=")
    assert int(diag.split()[2].partition("=")[2]) > 0


def _rows(answer: str) -> list[bytes]:
    words = dict(word.split("=", 1) for word in answer.split()[2:])
    return [bytes.fromhex(words["row0"]), bytes.fromhex(words["row1"])]


@pytest.mark.parametrize("cmdset", ["epson", "cd5220"])
def test_micropython_read_waits_until_the_display_is_quiet(
    cmdset: str, micropython_run: dict[str, Any]
) -> None:
    """READ <n> on the Pico firmware: held while display bytes still arrive, answered
    once the display port has been quiet for n character times at config.BAUD, with
    the requests behind it answered after it, in order."""
    result = micropython_run["results"][f"{cmdset}-quiet-read"]
    answers = [bytes.fromhex(control).decode().splitlines() for _, control in result["outputs"]]
    (taken, answered) = result["timings"][0]
    assert answered < taken  # a plain READ answers at once, mid-stream
    assert _rows(answers[0][0]) != [QUIET_SCREEN[1:21], QUIET_SCREEN[21:41]]
    (taken, answered) = result["timings"][1]
    char_us = 10 * 1_000_000 / 9600
    assert answered - taken >= QUIET_CHARS * char_us
    _, model_rows = driver_session(cmdset)
    assert _rows(answers[1][0]) == list(model_rows)
    assert answers[1][1:] == ["OK DIAG dropped=0 last= offset= reason=", "OK PING"]
    assert answers[2][0].startswith("OK READ ")  # READ 0: quiet enough at once
    assert answers[2][1:5] == [
        "ERR expected 'READ' or 'READ <n>' with n in 0..1000, got 'READ 1001'",
        "ERR expected 'READ' or 'READ <n>' with n in 0..1000, got 'READ x'",
        "ERR expected 'READ [n]', got 'READ 4 5'",
        "ERR expected 'READ' or 'READ <n>' with n in 0..1000, got 'READ -1'",
    ]
    assert answers[2][5].endswith(f"cmdset={cmdset} features=read-quiet")
    assert answers[3] == [
        f"ERR expected the display quiet for {QUIET_CHARS} character times before 16 more "
        "requests came, found it still busy",
        *["OK PING"] * 20,
    ]
