"""The sales journal: every priced or refused sale, durably, in SQLite.

WAL mode with `synchronous=FULL` and one transaction per sale: when `record` returns,
the sale is on disk and survives a kill or power cut at any later moment; a kill
during `record` loses at most that uncommitted sale, never an earlier one. The
connection is shared between threads behind a lock (a device prices from its sale
thread while a supervisor may read the journal).

A sale the journal cannot hold (an integer past SQLite's 64 bits, a non-finite tax, a
row the CHECK refuses) is a `JournalError` raised before or inside its transaction,
and the transaction is always rolled back, so the next sale is recorded as usual. Text
is stored as is, except a lone surrogate (no UTF-8 form), which is kept as its
backslash escape rather than losing the sale.
"""

from __future__ import annotations

import math
import sqlite3
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from firmware_host.errors import JournalError

_SCHEMA = """
CREATE TABLE IF NOT EXISTS sales (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    hour INTEGER NOT NULL,
    count INTEGER NOT NULL,
    unit_price INTEGER NOT NULL,
    price INTEGER,
    error_kind TEXT,
    error TEXT,
    tax REAL NOT NULL,
    module_sha256 TEXT,
    config_version INTEGER,
    CHECK ((price IS NULL) != (error IS NULL))
)
"""
_COLUMNS = (
    "at, hour, count, unit_price, price, error_kind, error, tax, module_sha256, config_version"
)
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


@dataclass(frozen=True)
class Sale:
    """One journal row: a price or an error (exactly one), and what produced it."""

    at: datetime
    hour: int
    count: int
    unit_price: int
    price: int | None
    error_kind: str | None
    error: str | None
    tax: float
    module_sha256: str | None
    config_version: int | None
    id: int | None = None


class Journal:
    """Append-only sales record; `record` returns only after the sale is committed."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._lock = threading.Lock()
        try:
            db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None
        try:
            self._prepare(db)
        except BaseException:
            db.close()  # a refused journal leaves no connection (and file) open
            raise
        self._db = db

    def _unusable(self, exc: sqlite3.Error) -> JournalError:
        return JournalError(f"{self.path}: expected a writable SQLite journal, found {exc}")

    def _prepare(self, db: sqlite3.Connection) -> None:
        try:
            mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            db.execute("PRAGMA synchronous=FULL")
            db.execute(_SCHEMA)
        except sqlite3.Error as exc:
            raise self._unusable(exc) from None
        if mode != "wal":
            raise JournalError(f"{self.path}: expected journal_mode 'wal', found {mode!r}")

    def _refused(self, found: object) -> JournalError:
        return JournalError(f"{self.path}: expected to commit the sale, found {found}")

    def _integer(self, name: str, value: int | None) -> int | None:
        if value is not None and not _INT64_MIN <= value <= _INT64_MAX:
            raise self._refused(f"{name} {value} outside SQLite's 64-bit integers")
        return value

    def _values(self, sale: Sale) -> tuple[object, ...]:
        """The row's values, or a `JournalError` for one the database cannot hold."""
        if not math.isfinite(sale.tax):
            raise self._refused(f"tax {sale.tax} (expected a finite rate)")
        return (
            _text(sale.at.isoformat()),
            self._integer("hour", sale.hour),
            self._integer("count", sale.count),
            self._integer("unit_price", sale.unit_price),
            self._integer("price", sale.price),
            _text(sale.error_kind),
            _text(sale.error),
            sale.tax,
            _text(sale.module_sha256),
            self._integer("config_version", sale.config_version),
        )

    def record(self, sale: Sale) -> int:
        """Commit one sale (its own transaction) and return its id."""
        values = self._values(sale)
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    cursor = self._db.execute(
                        f"INSERT INTO sales ({_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                        values,
                    )
                    self._db.execute("COMMIT")
                finally:
                    if self._db.in_transaction:  # whatever failed, never leave it open
                        self._db.execute("ROLLBACK")
            except (sqlite3.Error, OverflowError, ValueError) as exc:
                raise self._refused(exc) from None
        sale_id = cursor.lastrowid
        if sale_id is None:
            raise JournalError(f"{self.path}: expected a row id for the sale, found none")
        return sale_id

    def sales(self) -> list[Sale]:
        """Every committed sale, oldest first."""
        with self._lock:
            rows = self._db.execute(f"SELECT id, {_COLUMNS} FROM sales ORDER BY id").fetchall()
        return [_sale(row) for row in rows]

    def recent(self, limit: int) -> list[Sale]:
        """The last `limit` sales, newest first: what a front panel shows."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT id, {_COLUMNS} FROM sales ORDER BY id DESC LIMIT ?", (limit,)
            ).fetchall()
        return [_sale(row) for row in rows]

    def sale_ids(self) -> set[int]:
        with self._lock:
            return {row[0] for row in self._db.execute("SELECT id FROM sales")}

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _text(value: str | None) -> str | None:
    """Storable text: a lone surrogate becomes its escape, everything else is kept."""
    if value is None:
        return None
    return value.encode("utf-8", "backslashreplace").decode("utf-8")


def _sale(row: tuple[Any, ...]) -> Sale:
    return Sale(
        id=row[0],
        at=datetime.fromisoformat(row[1]),
        hour=row[2],
        count=row[3],
        unit_price=row[4],
        price=row[5],
        error_kind=row[6],
        error=row[7],
        tax=row[8],
        module_sha256=row[9],
        config_version=row[10],
    )
