"""Hostile command lines: files that are no files, folders that are no folders, numbers
that are not ASCII, and output that cannot be written. Each gets the project's own
typed error and the exit code of the one table (firmware_host/exits.py), never a hang,
an unbounded read or a traceback.

The cases that hung (a FIFO, /dev/zero) run as real processes with a deadline, so a
regression fails here instead of hanging the suite.
"""

from __future__ import annotations

import errno
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from firmware_host import cli_firmware
from firmware_host.exits import ExitCode, run_main
from price_modules import cli as cli_module
from price_modules.catalogue import wasm_path
from simulator.__main__ import parse_args as sim_parse_args
from tests.documents import minimal

ROOT = Path(__file__).resolve().parent.parent
DEADLINE_S = 60  # far above the second these take; a hang fails instead of blocking CI
FAR = "2099-01-01T00:00:00Z"


def process(module: str, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`python -m module argv...` as a user runs it, with nothing on stdin."""
    return subprocess.run(
        [sys.executable, "-m", module, *argv],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        timeout=DEADLINE_S,
        check=False,
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A folder holding a FIFO and links to /dev/zero under a document's, a module's, a
    key's and a rig file's names, and a symlink loop."""
    os.mkfifo(tmp_path / "fifo")
    os.mkfifo(tmp_path / "fifo.toml")
    (tmp_path / "zero.toml").symlink_to("/dev/zero")
    (tmp_path / "loop-a").symlink_to(tmp_path / "loop-b")
    (tmp_path / "loop-b").symlink_to(tmp_path / "loop-a")
    (tmp_path / "keys").mkdir()
    return tmp_path


SIGN = ("sign", "--version", "v3", "--version-number", "1", "--release-counter", "1")
SIGNED = ("--expires", FAR, "--out", "doc.json")
REGULAR = "(a regular file), found"
FOUND = {"fifo": "a FIFO (named pipe)", "fifo.toml": "a FIFO (named pipe)"}
MODULE, QUALIFY = "price_modules.cli", "hil.qualify"


def case(module: str, argv: tuple[str, ...], error: str, name: str, what: str) -> Any:
    """One command naming `name` as a `what`: exits RIG (pos-module) or USAGE
    (pos-qualify), saying what `name` is."""
    code = ExitCode.USAGE if module == QUALIFY else ExitCode.RIG
    found = FOUND.get(name, "a character device")
    message = f"{error}: {name}: expected a {what} {REGULAR} {found}"
    return pytest.param(module, argv, code, message, id=f"{argv[0]} {what} {name}")


@pytest.mark.parametrize(
    ("module", "argv", "code", "message"),
    [
        *(
            case(MODULE, ("verify", name, "--trust", "keys"), "FileProblem", name, "document")
            for name in ("/dev/zero", "fifo")
        ),
        *(
            case(MODULE, ("inspect", name), "FileProblem", name, "module file")
            for name in ("/dev/zero", "fifo")
        ),
        *(
            case(MODULE, (*SIGN, "--key", name, *SIGNED), "KeyFileError", name, "key file")
            for name in ("/dev/zero", "fifo")
        ),
        *(
            case(QUALIFY, ("v3", "--no-boards", "--rig", name), "RigFileError", name, "rig file")
            for name in ("fifo.toml", "zero.toml")  # zero.toml: a link to /dev/zero
        ),
    ],
)
def test_a_file_that_is_no_regular_file_is_refused_before_it_is_read(
    hostile: Path, module: str, argv: tuple[str, ...], code: int, message: str
) -> None:
    done = process(module, *argv, cwd=hostile)
    assert (done.returncode, done.stdout) == (code, "")
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_apply_of_a_fifo_is_a_refusal_reported_in_the_ack(hostile: Path) -> None:
    done = process("firmware_host.cli_firmware", "apply", "fifo", "--state-dir", "s", cwd=hostile)
    ack = json.loads(done.stdout)["ack"]
    assert (done.returncode, ack["error"]) == (ExitCode.REFUSED, "DocumentUnreadable")
    assert ack["reason"] == f"fifo: expected a document {REGULAR} a FIFO (named pipe)"


def test_the_one_reader_takes_regular_files_up_to_the_cap_only(hostile: Path) -> None:
    from firmware_host.files import read_regular_file

    class Refused(Exception):
        pass

    class TooLarge(Exception):
        pass

    def read(name: str, cap: int = 4) -> bytes:
        return read_regular_file(hostile / name, cap, "note", Refused, TooLarge)

    (hostile / "four").write_bytes(b"1234")
    (hostile / "five").write_bytes(b"12345")
    assert read("four") == b"1234"
    with pytest.raises(TooLarge, match=r"five: expected a note of at most 4 bytes, found 5$"):
        read("five")
    for name, found in [
        ("fifo", "a FIFO (named pipe)"),
        ("zero.toml", "a character device"),
        ("keys", "a folder"),
    ]:
        with pytest.raises(Refused, match=rf"{name}: expected a note \(a regular file\), found "):
            read(name)
        with pytest.raises(Refused) as caught:
            read(name)
        assert str(caught.value).endswith(found)
    with pytest.raises(Refused, match="loop-a: expected a readable note, found a symlink loop"):
        read("loop-a")
    with pytest.raises(Refused, match="absent: expected a readable note, found No such file"):
        read("absent")
    with pytest.raises(Refused, match="expected a readable note, found a name no file"):
        read("nul\0byte")


# --- 7, 8: folders named on the command line --------------------------------------


def test_pos_sim_watch_of_a_file_is_a_usage_error_before_the_ui(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "incoming").write_text("not a folder")
    with pytest.raises(SystemExit) as caught:
        sim_parse_args(["--watch", str(tmp_path / "incoming")])
    assert caught.value.code == ExitCode.USAGE
    assert capsys.readouterr().err.endswith(
        "pos-sim: usage error: argument --watch: expected a folder of desired-state "
        "documents to apply (*.json), found a regular file\n"
    )


def _trust_argv(main: Callable[[list[str]], object], trust: Path, tmp_path: Path) -> list[str]:
    doc = tmp_path / "doc.json"
    doc.write_bytes(minimal(wasm_path("v3").read_bytes()))
    state = ["--state-dir", str(tmp_path / "state")]
    return {
        cli_firmware.main: ["apply", str(doc), *state, "--trust", str(trust)],
        cli_module.main: ["verify", str(doc), "--trust", str(trust)],
        sim_parse_args: [*state, "--trust", str(trust)],  # pos-sim's UI never starts
    }[main]


@pytest.mark.parametrize(
    "main",
    [cli_firmware.main, cli_module.main, sim_parse_args],
    ids=["firmware", "module", "sim"],
)
@pytest.mark.parametrize(
    ("make", "found"),
    [
        (lambda path: None, "nothing"),
        (lambda path: path.write_text("ops"), "a regular file"),
        (lambda path: path.symlink_to(path), "a symlink loop"),
    ],
    ids=["missing", "a file", "a symlink loop"],
)
def test_a_trust_store_that_is_no_folder_is_a_usage_error_not_an_empty_store(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    main: Callable[[list[str]], object],
    make: Callable[[Path], object],
    found: str,
) -> None:
    """Read as an empty trust store, every signed document was refused as UnknownKey."""
    trust = tmp_path / "trust"
    make(trust)
    with pytest.raises(SystemExit) as caught:
        main(_trust_argv(main, trust, tmp_path))
    assert caught.value.code == ExitCode.USAGE
    assert capsys.readouterr().err.endswith(
        "usage error: argument --trust: expected a folder of <key-id>.pub files (a trust "
        f"store), found {found}\n"
    )


# --- 9: what the arguments name, in ASCII --------------------------------------------


def test_inspect_of_a_version_the_catalogue_lacks_is_a_usage_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli_module.main(["inspect", "--version", "v99"]) == ExitCode.USAGE
    assert capsys.readouterr().err == (
        "UsageProblem: --version: expected a catalogue version (v1, v2, v3, v4), found 'v99'\n"
    )


@pytest.mark.parametrize(
    ("option", "value", "kind"),
    [
        ("--tax", "\u0661", "number"),  # ARABIC-INDIC DIGIT ONE: float() reads 1.0
        ("--tax", "nan", "number"),
        ("--tax", "1_0", "number"),
        ("--version-number", "\u0661", "integer"),
        ("--release-counter", " 1", "integer"),
    ],
)
def test_numbers_on_the_command_line_are_ascii_decimal_only(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], option: str, value: str, kind: str
) -> None:
    options = {"--version-number": "1", "--release-counter": "1", "--tax": "0.1"}
    options[option] = value
    argv = ["sign", "--key", "k.key", "--version", "v3", "--expires", FAR]
    argv += [*(part for pair in options.items() for part in pair), "--out", str(tmp_path / "d")]
    with pytest.raises(SystemExit) as caught:
        cli_module.main(argv)
    assert caught.value.code == ExitCode.USAGE
    assert capsys.readouterr().err.endswith(
        f"argument {option}: expected an ASCII decimal {kind}, found {value!r}\n"
    )
    assert not (tmp_path / "d").exists()


# --- 10: the command's own output cannot be written -----------------------------------


@pytest.mark.parametrize(
    ("module", "argv", "prog"),
    [
        ("firmware_host.cli_firmware", ("report", "--state-dir", "state"), "pos-firmware"),
        ("price_modules.cli", ("inspect", "--version", "v3"), "pos-module"),
        ("price_modules.cli", ("--help",), "pos-module"),  # argparse swallows the error
    ],
)
def test_output_to_a_full_disk_is_the_machines_with_one_line(
    tmp_path: Path, module: str, argv: tuple[str, ...], prog: str
) -> None:
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run(
            [sys.executable, "-m", module, *argv],
            stdin=subprocess.DEVNULL,
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            cwd=tmp_path,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            timeout=DEADLINE_S,
            check=False,
        )
    assert (done.returncode, done.stderr) == (
        ExitCode.RIG,
        f"{prog}: could not write its output: No space left on device\n",
    )


class _FullStream:
    """A stdout on a full disk, as the interpreter's own stream reports it."""

    def write(self, text: str) -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    def flush(self) -> None:
        pass


def test_only_a_failed_write_of_our_own_output_is_the_machines(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same OSError raised by anything else is a bug: a traceback and INTERNAL."""

    def elsewhere() -> int:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    assert run_main("prog", elsewhere) == ExitCode.INTERNAL
    assert "prog: internal error (a bug, not a verdict)" in capsys.readouterr().err

    def prints() -> int:
        print("a report")
        return ExitCode.OK

    monkeypatch.setattr(sys, "stdout", _FullStream())
    assert run_main("prog", prints) == ExitCode.RIG
    assert capsys.readouterr().err == "prog: could not write its output: No space left on device\n"
    assert isinstance(sys.stdout, _FullStream)  # handed back as it was
