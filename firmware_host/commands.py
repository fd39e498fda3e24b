"""What the firmware's commands (pos-firmware, pos-module; pos-sim's options) share: the
typed errors of a command line, its argument types (ASCII decimal numbers, existing
folders), reading a file it names, the error-to-exit-code registry, and running one
subcommand.

A typed error leaves a command as its class and message on stderr and a code of the one
table (exits.py); anything else is a bug, which run_main reports with its traceback.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Callable
from pathlib import Path

from firmware_host.errors import (
    DocumentRejected,
    FirmwareError,
    JournalError,
    KeyFileError,
    ModuleRejected,
    StoreError,
)
from firmware_host.exits import ExitCode
from firmware_host.files import ErrorType, describe, read_regular_file

ASCII_INTEGER = re.compile(r"-?[0-9]+")
_ASCII_NUMBER = re.compile(r"-?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][-+]?[0-9]+)?")
_MAX_NUMBER_TEXT = 32  # digits enough for any count, counter or rate; int() stops at 4300


class FileProblem(FirmwareError):
    """A file named on the command line could not be read."""


class UsageProblem(FirmwareError):
    """Options that cannot go together."""


# Most specific first: the first class an error is an instance of decides the exit code.
EXIT_CODES: tuple[tuple[type[FirmwareError], ExitCode], ...] = (
    (UsageProblem, ExitCode.USAGE),
    (DocumentRejected, ExitCode.REFUSED),
    (ModuleRejected, ExitCode.REFUSED),
    (KeyFileError, ExitCode.RIG),
    (StoreError, ExitCode.RIG),
    (JournalError, ExitCode.RIG),
    (FileProblem, ExitCode.RIG),
    (FirmwareError, ExitCode.REFUSED),
)


def read_input(path: Path, max_bytes: int, what: str, too_large: ErrorType | None = None) -> bytes:
    """A file named on the command line: a regular file of at most `max_bytes` (files.py),
    else a `FileProblem` (or `too_large`'s error for one over the cap)."""
    return read_regular_file(path, max_bytes, what, FileProblem, too_large)


def integer_argument(text: str) -> int:
    """An option's integer in ASCII decimal: `int` alone also reads U+0661 (an
    Arabic-Indic one) as 1, and "1_000" and " 1 "."""
    if len(text) > _MAX_NUMBER_TEXT or not ASCII_INTEGER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected an ASCII decimal integer, found {text!r}")
    return int(text)


def number_argument(text: str) -> float:
    """An option's number in ASCII decimal (0.1, 1e-2): `float` alone also reads
    Arabic-Indic digits, "nan" and "inf"."""
    if len(text) > _MAX_NUMBER_TEXT or not _ASCII_NUMBER.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected an ASCII decimal number, found {text!r}")
    return float(text)


def folder_argument(what: str) -> Callable[[str], Path]:
    """An option naming an existing folder (`what` it holds): a missing path or a file
    is a usage error, never read as an empty folder."""

    def folder(text: str) -> Path:
        path = Path(text)
        if not text or not path.is_dir():
            found = describe(path) if text else "an empty name"
            raise argparse.ArgumentTypeError(f"expected a folder of {what}, found {found}")
        return path

    return folder


TRUST_FOLDER = folder_argument("<key-id>.pub files (a trust store)")


def run_command(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one subcommand; a typed error becomes its message on stderr and an exit code."""
    try:
        return run(args)
    except FirmwareError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return next(code for kind, code in EXIT_CODES if isinstance(error, kind))
