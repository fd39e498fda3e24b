"""The qualification record: what was checked, against which limits, with which outcome.

The record is the release manager's evidence, so it names everything needed to repeat
the run (module bytes, rig, software, git revision) and every failing case by hour,
count and unit price. JSON is its canonical form; JUnit XML and HTML are views of it.
It is written atomically (temporary file, fsync, rename, fsync of the folder), so a
crash never leaves a half-written record that a release pipeline could mistake for a
finished one.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from firmware_host.store import atomic_write
from hil.qualify.results import CaseResult, CheckResult, Outcome
from hil.qualify.verdict import RULE, Verdict, verdict

SCHEMA = "pos-qualification/2"
FILE_MODE = 0o644


@dataclass(frozen=True)
class PlaceInfo:
    """The labgrid place a board was held through, and the exporter that published its
    ports (its name, and the host it gives for them)."""

    place: str
    exporter: str | None = None
    host: str | None = None


@dataclass(frozen=True)
class BoardInfo:
    """A board of the rig and who it said it is on its control channel (ID line)."""

    name: str
    url: str
    control: str | None
    command_set: str | None
    identity: dict[str, Any] | None = None
    error: str | None = None
    labgrid: PlaceInfo | None = None  # in the record only for a board on a labgrid place


@dataclass(frozen=True)
class Record:
    module: dict[str, Any]
    firmware_abi: str
    grid: dict[str, Any]
    rig: dict[str, Any]
    boards: tuple[BoardInfo, ...]
    software: dict[str, Any]
    checks: tuple[CheckResult, ...]
    created: str
    deployed: dict[str, Any] | None = None
    seconds: float = 0.0  # the whole qualification, wall clock

    @property
    def verdict(self) -> Verdict:
        return verdict(self.checks)

    @property
    def outcome(self) -> Outcome:
        return self.verdict.outcome

    @property
    def totals(self) -> dict[str, int]:
        by_outcome = Counter(check.outcome.value for check in self.checks)
        return {
            "checks": len(self.checks),
            **{o.value: by_outcome.get(o.value, 0) for o in Outcome},
            "cases": sum(c.total for c in self.checks),
            "cases_passed": sum(c.passed for c in self.checks),
            "cases_failed": sum(c.failed for c in self.checks),
            "cases_error": sum(c.errors for c in self.checks),
            "cases_skipped": sum(c.skipped for c in self.checks),
            "cases_not_run": sum(c.not_run_cases for c in self.checks),
        }

    def failing_cases(self) -> list[tuple[str, CaseResult]]:
        return [(check.name, case) for check in self.checks for case in check.cases]

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "outcome": self.outcome.value,
            "verdict": {
                "reasons": list(self.verdict.reasons),
                "left_out": list(self.verdict.left_out),
                "rule": RULE,
            },
            "created": self.created,
            "seconds": round(self.seconds, 3),
            "module": self.module,
            "firmware_abi": self.firmware_abi,
            "grid": self.grid,
            "rig": self.rig,
            "boards": [_board_dict(b) for b in self.boards],
            "software": self.software,
            "deployed": self.deployed,
            "totals": self.totals,
            "checks": [_check_dict(c) for c in self.checks],
        }


def _board_dict(board: BoardInfo) -> dict[str, Any]:
    data = asdict(board)
    if board.labgrid is None:
        del data["labgrid"]
    return data


def _check_dict(check: CheckResult) -> dict[str, Any]:
    data = asdict(check)
    data["total"] = check.total
    return data


def write_atomic(path: Path, data: bytes) -> None:
    """The firmware store's durable write (temporary file, fsync, rename, fsync of the
    folder: the old file or the new one), into a folder made if missing, readable by
    others; a failure is a StoreError naming the path."""
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path, data)
    os.chmod(path, FILE_MODE)  # a record is for others to read, whatever the umask


def write_json(record: Record, path: Path) -> None:
    text = json.dumps(record.to_dict(), indent=2, sort_keys=False) + "\n"
    write_atomic(path, text.encode("utf-8"))
