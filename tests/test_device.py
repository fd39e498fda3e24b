"""The device: applying documents end to end, refusals in the reported state, boot, events."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from freezegun import freeze_time

from boardlink.screen import Shown, parse_screen
from firmware_host.abi import FirmwareAbi
from firmware_host.clock import fixed
from firmware_host.device import Device, DeviceEvent, EventKind
from firmware_host.errors import NoInstalledModule, StoreCorrupt, StoreError, TerminalClosed
from firmware_host.keys import Key
from firmware_host.pricing import Priced, Refused
from firmware_host.reported import ReportedState
from firmware_host.store import AppliedConfig, StoreState
from firmware_host.terminal import Screen
from price_modules import wasm_bytes
from tests.documents import Signer, minimal
from tests.test_journal import open_files

V1, V2, V3, V4 = (wasm_bytes(v) for v in ("v1", "v2", "v3", "v4"))
SHA = {v: hashlib.sha256(wasm_bytes(v)).hexdigest() for v in ("v1", "v2", "v3", "v4")}


@pytest.fixture
def signer(tmp_path: Path) -> Signer:
    return Signer(tmp_path / "keys")


# The tests' moment, injected into the device: 13:00 on the tests' day, in the shop and
# in UTC. Nothing is frozen for the process, so pytest's own timings stay true.
SHOP_MOMENT = datetime(2026, 1, 1, 13, 0)
UTC_MOMENT = SHOP_MOMENT.replace(tzinfo=UTC)


@pytest.fixture
def device(tmp_path: Path, signer: Signer) -> Iterator[Device]:
    dev = Device(
        tmp_path / "state",
        trust=signer.trust,
        clock=fixed(SHOP_MOMENT),
        utc_clock=fixed(UTC_MOMENT),
    )
    yield dev
    dev.close()


def at(hour: int) -> datetime:
    """The frozen moment of a sale at `hour` on the tests' day."""
    return datetime(2026, 1, 1, hour)


def applied(report: ReportedState) -> ReportedState:
    assert report.ack.code == 200, report.ack
    return report


def test_a_fresh_device_has_no_module_and_refuses_sales(device: Device) -> None:
    report = device.reported().to_json()
    assert report["running"] is None
    with pytest.raises(NoInstalledModule) as caught:
        device.sell(2, 10)
    assert str(caught.value) == "sale: expected a running price module, found none"


def test_a_signed_document_is_applied_and_prices_journaled_sales(
    device: Device, signer: Signer
) -> None:
    report = applied(device.apply_document(signer.document(V3, version=4, release_counter=3)))
    assert report.to_json() == {
        "running": {
            "sha256": SHA["v3"],
            "abi": "current",
            "version": 4,
            "release-counter": 3,
            "key-id": "ops-2026",
            "key-sha256": signer.trust.fingerprint("ops-2026"),
            "label": None,
        },
        "desired-version": 4,
        "processed-version": 4,
        "ack": {"code": 200, "status": "applied", "error": None, "reason": "applied"},
        "status": "enabled",
        "language": "EN",
        "tax": 0.0,
        "config-version": 4,
        "closed-reason": None,
    }
    sale = device.sell(2, 10)  # 13:00 is full price under v3
    assert sale.outcome == Priced(2, 10, 13, 20, SHA["v3"], at(13))
    [row] = device.journal.sales()
    assert (row.id, row.hour, row.count, row.unit_price, row.price) == (sale.sale_id, 13, 2, 10, 20)
    assert (row.module_sha256, row.config_version, row.error) == (SHA["v3"], 4, None)


def test_a_guard_refusal_is_journaled_and_announced(device: Device, signer: Signer) -> None:
    events: list[DeviceEvent] = []
    device.subscribe(events.append)
    applied(device.apply_document(signer.document(V3, version=1, release_counter=1)))
    outcome = device.price(11, 10)
    assert isinstance(outcome, Refused) and str(outcome.error) == "Invalid price : 110"
    [row] = device.journal.sales()
    assert (row.price, row.error_kind, row.error) == (None, "InvalidPrice", "Invalid price : 110")
    assert [e.kind for e in events] == [EventKind.SWAP, EventKind.GUARD]
    assert events[-1].message == "Invalid price : 110"


def test_an_incompatible_module_is_refused_and_the_running_one_keeps_pricing(
    device: Device, signer: Signer
) -> None:
    applied(device.apply_document(signer.document(V3, version=1, release_counter=1)))
    report = device.apply_document(signer.document(V4, version=2, release_counter=2))
    assert (report.ack.code, report.ack.status, report.ack.error) == (
        422,
        "rejected",
        "IncompatibleExportType",
    )
    assert report.ack.reason == (
        "Incompatible Export Type: price_func expected (i32, i32, i32) -> i32, "
        "found (i32, i32, i32) -> f32"
    )
    assert report.running is not None and report.running.sha256 == SHA["v3"]
    assert (report.desired_version, report.processed_version) == (2, 1)
    assert device.price(2, 10) == Priced(2, 10, 13, 20, SHA["v3"], at(13))
    # The refused document used up nothing: the corrected one takes the same numbers.
    applied(device.apply_document(signer.document(V2, version=2, release_counter=2)))


@pytest.mark.parametrize(
    ("version", "counter", "code", "error", "reason"),
    [
        (
            5,
            1,
            409,
            "Rollback",
            "release-counter: expected a release counter greater than the installed 3, found 1",
        ),
        (
            4,
            9,
            409,
            "VersionAlreadyProcessed",
            "version: expected a version greater than the last processed 4, found 4",
        ),
    ],
)
def test_policy_refusals_are_reported(
    device: Device, signer: Signer, version: int, counter: int, code: int, error: str, reason: str
) -> None:
    applied(device.apply_document(signer.document(V3, version=4, release_counter=3)))
    report = device.apply_document(signer.document(V2, version=version, release_counter=counter))
    assert (report.ack.code, report.ack.error, report.ack.reason) == (code, error, reason)
    assert report.running is not None and report.running.sha256 == SHA["v3"]


def test_an_expired_document_is_reported(device: Device, signer: Signer) -> None:
    raw = signer.document(V3, version=1, release_counter=1, expires="2025-12-31T23:00:00+00:00")
    report = device.apply_document(raw)
    assert (report.ack.code, report.ack.error) == (410, "DocumentExpired")
    assert report.ack.reason == (
        "expires: expected a time after now (2026-01-01T13:00:00+00:00), "
        "found 2025-12-31T23:00:00+00:00"
    )


def test_an_unauthenticated_document_does_not_consume_its_version(
    device: Device, signer: Signer
) -> None:
    fields = signer.fields(V3, version=1, release_counter=1)
    fields["tax"] = 0.5
    forged = device.apply_document(json.dumps(fields).encode())
    assert (forged.ack.code, forged.ack.error) == (401, "BadSignature")
    unsigned = device.apply_document(minimal(V3))
    assert (unsigned.ack.code, unsigned.ack.error) == (400, "InvalidField")
    assert device.reported().processed_version is None
    applied(device.apply_document(signer.document(V3, version=1, release_counter=1)))


def test_unsigned_document_in_production_mode_is_refused(device: Device, signer: Signer) -> None:
    fields = signer.fields(V3, version=1, release_counter=1)
    del fields["signature"]
    report = device.apply_document(json.dumps(fields).encode())
    assert (report.ack.code, report.ack.error) == (400, "InvalidField")
    assert report.ack.reason == "field 'signature': expected it to be present, found it missing"


def test_disabled_status_closes_the_terminal_without_reinstalling(
    device: Device, signer: Signer
) -> None:
    events: list[DeviceEvent] = []
    applied(device.apply_document(signer.document(V3, version=1, release_counter=1)))
    device.subscribe(events.append)
    raw = signer.document(V3, version=2, release_counter=1, status="disabled", language="DE")
    report = applied(device.apply_document(raw))
    assert (report.config.status, report.config.language, report.config.version) == (
        "disabled",
        "DE",
        2,
    )
    assert [e.kind for e in events] == [EventKind.CONFIG]
    with pytest.raises(TerminalClosed) as caught:
        device.sell(2, 10)
    assert str(caught.value) == "sale: expected status 'enabled', found 'disabled'"


def test_boot_loads_the_installed_module_and_configuration(
    tmp_path: Path, device: Device, signer: Signer
) -> None:
    raw = signer.document(V2, version=3, release_counter=2, language="FR", tax=0.2)
    applied(device.apply_document(raw))
    device.close()
    with freeze_time("2026-01-01 13:00"):
        rebooted = Device(tmp_path / "state", trust=signer.trust)
        report = rebooted.reported()
        assert report.running is not None and report.running.sha256 == SHA["v2"]
        assert (report.config.language, report.config.tax, report.processed_version) == (
            "FR",
            0.2,
            3,
        )
        assert rebooted.price(2, 10) == Priced(2, 10, 13, 20, SHA["v2"], at(13))
        rebooted.close()


def test_boot_falls_back_to_last_known_good_when_current_is_corrupt(
    tmp_path: Path, device: Device, signer: Signer
) -> None:
    applied(device.apply_document(signer.document(V2, version=1, release_counter=1)))
    applied(device.apply_document(signer.document(V3, version=2, release_counter=2)))
    device.close()
    junk = b"\0asm junk"
    (tmp_path / "state" / "store" / "modules" / f"{SHA['v3']}.wasm").write_bytes(junk)
    with freeze_time("2026-01-01 15:00"):
        rebooted = Device(tmp_path / "state", trust=signer.trust)
        kinds = [e.kind for e in rebooted.events]
        assert kinds == [EventKind.BOOT_FALLBACK, EventKind.BOOT]
        assert rebooted.events[0].message.endswith(
            f"expected sha256 {SHA['v3']}, found {hashlib.sha256(junk).hexdigest()}"
        )
        assert rebooted.price(2, 10) == Priced(2, 10, 15, 20, SHA["v2"], at(15))
        rebooted.close()


def test_development_mode_accepts_the_cloud_example_and_catalogue_modules(
    tmp_path: Path,
) -> None:
    with freeze_time("2026-01-01 09:00"):
        device = Device(tmp_path, dev_mode=True)
        applied(device.apply_document(minimal(V3, tax=0.1)))
        assert device.price(2, 10) == Priced(2, 10, 9, 10, SHA["v3"], at(9))
        report = applied(device.load_module(V2, label="v2"))
        assert report.running is not None and report.running.label == "v2"
        refused = device.load_module(V4, label="v4")
        assert refused.ack.reason.startswith("Incompatible Export Type")
        assert device.price(2, 10) == Priced(2, 10, 9, 10, SHA["v2"], at(9))
        device.close()


def test_catalogue_loading_needs_development_mode(device: Device) -> None:
    report = device.load_module(V3, label="v3")
    assert (report.ack.code, report.ack.error, report.ack.reason) == (
        403,
        "DevelopmentModeRequired",
        "load_module: expected a device in development mode, found production mode",
    )


def test_launch_firmware_runs_v1_and_refuses_v2(tmp_path: Path) -> None:
    with freeze_time("2026-01-01 13:00"):
        device = Device(tmp_path, dev_mode=True, abi=FirmwareAbi.LAUNCH)
        applied(device.load_module(V1))
        assert device.price(3, 7) == Priced(3, 7, 13, 21, SHA["v1"], at(13))
        refused = device.load_module(V2)
        assert refused.ack.reason == (
            "Incompatible Export Type: price_func expected (i32, i32) -> i32, "
            "found (i32, i32, i32) -> i32"
        )
        device.close()


def _type(device: Device, *keys: Key) -> Screen:
    screen = device.screen
    for key in keys:
        screen = device.press(key)
    return screen


SALE_2_X_10 = (Key.D2, Key.QUANTITY, Key.D1, Key.D0, Key.ENTER)


def test_key_presses_sell_in_the_configured_language_with_tax(
    device: Device, signer: Signer
) -> None:
    raw = signer.document(V3, version=1, release_counter=1, language="DE", tax=0.1)
    applied(device.apply_document(raw))
    shown = parse_screen(_type(device, *SALE_2_X_10).lines)
    assert (shown.kind, shown.total) == (Shown.PRICE, Decimal("22.00"))
    assert "DE" in shown.languages
    [row] = device.journal.sales()
    assert (row.price, row.tax, row.config_version) == (20, 0.1, 1)


def test_a_disabled_terminal_shows_closed_and_ignores_keys(device: Device, signer: Signer) -> None:
    raw = signer.document(V3, version=1, release_counter=1, status="disabled")
    applied(device.apply_document(raw))
    assert parse_screen(_type(device, *SALE_2_X_10).lines).kind is Shown.CLOSED
    assert device.journal.sales() == []


def test_a_sale_across_the_hour_reads_the_clock_once(tmp_path: Path) -> None:
    """Each reading is a second later: read twice, the row said 14:00:00 with hour 13."""
    readings: list[datetime] = []

    def clock() -> datetime:
        readings.append(datetime(2026, 1, 1, 13, 59, 59) + timedelta(seconds=len(readings)))
        return readings[-1]

    with Device(tmp_path / "state", dev_mode=True, clock=clock) as device:
        assert device.load_module(V3).accepted
        sale = device.sell(2, 10)
        row = device.journal.sales()[-1]
    assert sale.outcome == Priced(2, 10, 13, 20, SHA["v3"], datetime(2026, 1, 1, 13, 59, 59))
    assert (row.at, row.hour) == (sale.outcome.at, 13)
    assert len(readings) == 1


def test_an_unknown_language_in_the_stored_state_is_corrupt_and_opens_no_journal(
    tmp_path: Path,
) -> None:
    state = tmp_path / "state"
    Device(state).close()
    stored = StoreState(config=AppliedConfig(language="XX")).to_json()
    (state / "store" / "state.json").write_text(json.dumps(stored))
    with pytest.raises(StoreCorrupt) as caught:
        Device(state)
    assert str(caught.value) == (
        f"{state / 'store' / 'state.json'}: config field 'language': "
        "expected one of ['DE', 'EN', 'ES', 'FR'], found 'XX'"
    )
    assert open_files(state) == []


def test_a_failing_disk_is_reported_not_raised_and_uses_up_no_version(
    device: Device, signer: Signer, monkeypatch: pytest.MonkeyPatch
) -> None:
    applied(device.apply_document(signer.document(V3, version=1, release_counter=1)))

    def disk_full(path: Path, data: bytes) -> None:
        raise StoreError(f"expected to write {path.name}, found the disk full")

    monkeypatch.setattr("firmware_host.store.atomic_write", disk_full)
    refused = device.apply_document(signer.document(V4, version=2, release_counter=2))
    assert (refused.ack.code, refused.ack.error) == (422, "IncompatibleExportType")
    failed = device.apply_document(signer.document(V2, version=2, release_counter=2))
    assert (failed.ack.code, failed.ack.error) == (500, "StoreError")
    assert failed.running is not None and failed.running.sha256 == SHA["v3"]
    monkeypatch.undo()
    applied(device.apply_document(signer.document(V2, version=2, release_counter=2)))
    assert device.reported().processed_version == 2
