"""What the firmware's commands (pos-firmware, pos-module) share: the typed errors of a
command line, the error-to-exit-code registry, and running one subcommand.

A typed error leaves a command as its class and message on stderr and a code of the one
table (exits.py); anything else is a bug, which run_main reports with its traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from firmware_host.errors import (
    DocumentRejected,
    FirmwareError,
    KeyFileError,
    ModuleRejected,
    StoreError,
)
from firmware_host.exits import ExitCode


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
    (FileProblem, ExitCode.RIG),
    (FirmwareError, ExitCode.REFUSED),
)


def read_file(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise FileProblem(f"{path}: expected a readable file, found {exc.strerror}") from None


def run_command(run: Callable[[argparse.Namespace], int], args: argparse.Namespace) -> int:
    """Run one subcommand; a typed error becomes its message on stderr and an exit code."""
    try:
        return run(args)
    except FirmwareError as error:
        print(f"{type(error).__name__}: {error}", file=sys.stderr)
        return next(code for kind, code in EXIT_CODES if isinstance(error, kind))
