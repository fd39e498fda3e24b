"""One exit-code table for every console script, so a pipeline needs no parsing.

`pos-firmware`, `pos-module`, `pos-sim`, `pos-board` and `pos-qualify` all exit with
these codes and nothing else: 0 done (PASS), 1 refused (FAIL: the module, document or
driver is wrong), 2 the rig or the machine could not do its part (ERROR: a board, a
port, a file that could not be written; nothing proved wrong), 3 a usage error (the
arguments name nothing usable), 4 an internal error: a bug, reported with its traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Callable
from enum import IntEnum
from typing import NoReturn


class ExitCode(IntEnum):
    OK = 0
    REFUSED = 1
    RIG = 2
    USAGE = 3
    INTERNAL = 4


class UsageParser(argparse.ArgumentParser):
    """argparse, but a usage error exits 3 (argparse's own code, 2, means a rig error)."""

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        self.exit(ExitCode.USAGE, f"{self.prog}: usage error: {message}\n")


def quiet_stdout() -> None:
    """The reader of our output went away (`| head`): send the rest nowhere, so the
    command finishes its work and exits with its own code."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)


def run_main(prog: str, main: Callable[[], int]) -> int:
    """`main()`'s code; an exception it lets escape is a bug in the command: its traceback
    is printed and the code is INTERNAL, never a code that means a verdict. A closed
    output pipe is not a bug: RIG (the machine did not let us finish)."""
    try:
        return main()
    except (SystemExit, KeyboardInterrupt):
        raise
    except BrokenPipeError:
        quiet_stdout()
        return ExitCode.RIG
    except Exception:
        traceback.print_exc()
        print(
            f"{prog}: internal error (a bug, not a verdict): see the traceback above",
            file=sys.stderr,
        )
        return ExitCode.INTERNAL


OUR_PACKAGES = ("firmware_host", "price_modules", "boardcore", "boardlink", "simulator", "hil")
DISTRIBUTION = "pos-hil-rig"


def missing_extra(prog: str, extra: str, error: ModuleNotFoundError) -> int:
    """A command whose optional packages are not installed says which extra brings them
    (RIG: this machine lacks a part); a module of our own missing is a bug: re-raised."""
    if (error.name or "").split(".")[0] in OUR_PACKAGES:
        raise error
    print(
        f"{prog}: needs the '{extra}' extra, which is not installed (no module "
        f"{error.name!r}): pip install '{DISTRIBUTION}[{extra}]'",
        file=sys.stderr,
    )
    return ExitCode.RIG
