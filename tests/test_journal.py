"""The sales journal: durable rows, WAL mode, and a clear error for an impossible sale."""

from __future__ import annotations

import os
import sqlite3
import threading
from datetime import datetime
from pathlib import Path

import pytest

from firmware_host.errors import JournalError
from firmware_host.journal import Journal, Sale

AT = datetime(2026, 1, 1, 13, 0)


def sale(price: int | None = 20, error: str | None = None, count: int = 2) -> Sale:
    return Sale(
        at=AT,
        hour=13,
        count=count,
        unit_price=10,
        price=price,
        error_kind="InvalidPrice" if error else None,
        error=error,
        tax=0.1,
        module_sha256="ab" * 32,
        config_version=7,
    )


def test_priced_and_refused_sales_are_read_back_after_reopening(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    first = journal.record(sale())
    second = journal.record(sale(price=None, error="Invalid price : 110", count=11))
    journal.close()
    rows = Journal(tmp_path / "j.sqlite3").sales()
    assert [r.id for r in rows] == [first, second]
    assert rows[0] == Sale(**{**sale().__dict__, "id": first})
    assert (rows[1].price, rows[1].error_kind, rows[1].error) == (
        None,
        "InvalidPrice",
        "Invalid price : 110",
    )


def test_the_journal_file_is_in_wal_mode(tmp_path: Path) -> None:
    Journal(tmp_path / "j.sqlite3").record(sale())
    with sqlite3.connect(tmp_path / "j.sqlite3") as db:
        assert db.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_sale_with_both_or_neither_price_and_error_is_refused(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    with pytest.raises(JournalError) as caught:
        journal.record(sale(price=None, error=None))
    assert str(caught.value) == (
        f"{tmp_path / 'j.sqlite3'}: expected to commit the sale, "
        "found CHECK constraint failed: (price IS NULL) != (error IS NULL)"
    )
    assert journal.sales() == []
    journal.record(sale())
    assert len(journal.sales()) == 1


def test_an_unopenable_journal_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(JournalError) as caught:
        Journal(tmp_path)  # a directory
    assert str(caught.value) == (
        f"{tmp_path}: expected a writable SQLite journal, found unable to open database file"
    )


def test_sales_from_several_threads_each_get_their_own_row(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    ids: list[int] = []
    lock = threading.Lock()

    def sell() -> None:
        for _ in range(25):
            sale_id = journal.record(sale())
            with lock:
                ids.append(sale_id)

    threads = [threading.Thread(target=sell) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(set(ids)) == 100
    assert journal.sale_ids() == set(ids)


def open_files(path: Path) -> list[str]:
    """What this process holds open at `path` (Linux /proc), to see a leaked connection."""
    found = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:  # the listing's own descriptor, closed meanwhile
            continue
        if target.startswith(str(path)):
            found.append(target)
    return found


def test_a_file_that_is_no_database_is_refused_and_left_closed(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    path.write_bytes(b"not a database " * 100)
    with pytest.raises(JournalError) as caught:
        Journal(path)
    assert str(caught.value) == (
        f"{path}: expected a writable SQLite journal, found file is not a database"
    )
    assert open_files(path) == []  # the traceback still holds the half-built Journal


@pytest.mark.parametrize(
    ("bad", "found"),
    [
        ({"count": 2**63}, "count 9223372036854775808 outside SQLite's 64-bit integers"),
        ({"price": -(2**63) - 1}, "price -9223372036854775809 outside SQLite's 64-bit integers"),
        ({"tax": float("nan")}, "tax nan (expected a finite rate)"),
    ],
)
def test_a_sale_the_database_cannot_hold_is_refused_and_the_next_one_recorded(
    tmp_path: Path, bad: dict[str, object], found: str
) -> None:
    """A count of 2^63 raised OverflowError inside an open transaction: every later
    sale of that connection then failed with 'cannot start a transaction within one'."""
    journal = Journal(tmp_path / "j.sqlite3")
    with pytest.raises(JournalError) as caught:
        journal.record(Sale(**{**sale().__dict__, **bad}))
    path = tmp_path / "j.sqlite3"
    assert str(caught.value) == f"{path}: expected to commit the sale, found {found}"
    first = journal.record(sale())
    assert [row.id for row in journal.sales()] == [first]


def test_a_lone_surrogate_in_an_error_text_is_kept_as_its_escape(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    sale_id = journal.record(sale(price=None, error="trap in \ud800"))
    [row] = journal.sales()
    assert (row.id, row.error) == (sale_id, "trap in \\ud800")
