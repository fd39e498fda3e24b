"""The firmware pieces the simulator needed: an operator-set clock, the journal's recent
sales, and documents read from files with the size cap applied while reading."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time

from firmware_host.clock import AdjustableClock, fixed
from firmware_host.device import Device, EventKind
from firmware_host.errors import InvalidInput
from firmware_host.journal import Journal
from price_modules import wasm_bytes
from tests.documents import minimal
from tests.test_journal import sale


def test_the_clock_follows_its_base_until_set() -> None:
    clock = AdjustableClock(fixed(datetime(2026, 1, 1, 13, 30)))
    assert (clock(), clock.adjusted) == (datetime(2026, 1, 1, 13, 30), False)
    clock.set_hour(15)
    assert (clock(), clock.adjusted) == (datetime(2026, 1, 1, 15, 30), True)
    clock.step(-3)
    assert clock() == datetime(2026, 1, 1, 12, 30)
    clock.step(13)  # past midnight: the next day
    assert clock() == datetime(2026, 1, 2, 1, 30)
    clock.set_hour(0)
    assert clock() == datetime(2026, 1, 2, 0, 30)
    clock.follow_base()
    assert clock() == datetime(2026, 1, 1, 13, 30)


def test_a_set_clock_keeps_running_with_frozen_time() -> None:
    with freeze_time("2026-01-01 13:00") as frozen:
        clock = AdjustableClock()
        clock.set_hour(15)
        frozen.tick(timedelta(minutes=90))
        assert clock() == datetime(2026, 1, 1, 16, 30)


@pytest.mark.parametrize("hour", [-1, 24, True])
def test_an_impossible_hour_is_refused(hour: int) -> None:
    clock = AdjustableClock(fixed(datetime(2026, 1, 1, 13)))
    with pytest.raises(InvalidInput) as caught:
        clock.set_hour(hour)
    assert str(caught.value) == f"hour: expected 0..23, found {hour!r}"
    assert not clock.adjusted


def test_recent_sales_are_the_newest_first(tmp_path: Path) -> None:
    journal = Journal(tmp_path / "j.sqlite3")
    ids = [journal.record(sale(count=n)) for n in range(1, 6)]
    assert [s.id for s in journal.recent(3)] == ids[:-4:-1]
    assert [s.count for s in journal.recent(3)] == [5, 4, 3]
    assert len(journal.recent(10)) == 5
    journal.close()


def test_a_document_file_is_applied(tmp_path: Path) -> None:
    document = tmp_path / "doc.json"
    document.write_bytes(minimal(wasm_bytes("v2")))
    with Device(tmp_path / "state", dev_mode=True) as device:
        assert device.apply_document_file(document).accepted
        assert device.events[-1].kind is EventKind.SWAP


def test_an_oversized_file_is_refused_without_reading_it_all(tmp_path: Path) -> None:
    document = tmp_path / "huge.json"
    with document.open("wb") as handle:
        handle.truncate(50 * 1024 * 1024)  # sparse: large on paper, cheap on disk
    with Device(tmp_path / "state", dev_mode=True) as device:
        report = device.apply_document_file(document)
    assert (report.ack.error, report.accepted) == ("DocumentTooLarge", False)


def test_an_unreadable_file_is_a_reported_refusal(tmp_path: Path) -> None:
    with Device(tmp_path / "state", dev_mode=True) as device:
        report = device.apply_document_file(tmp_path / "missing.json")
        assert report.ack.error == "DocumentUnreadable"
        assert "missing.json: expected a readable document, found" in report.ack.reason
        assert device.events[-1].kind is EventKind.REFUSAL
