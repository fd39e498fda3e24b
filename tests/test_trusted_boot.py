"""Production mode runs only modules a key in the trust store vouches for.

A module installed unsigned in development mode, or signed by a key that has since left
the trust store, is skipped at boot like a corrupt one: the terminal falls back to its
last signed module, or stays closed and says why in the reported state.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from firmware_host.clock import fixed
from firmware_host.device import Device, EventKind
from firmware_host.errors import NoInstalledModule
from firmware_host.pricing import Priced
from firmware_host.store import STATE_NAME
from firmware_host.trust import TrustStore
from price_modules import wasm_bytes
from tests.documents import Signer

V2, V3 = wasm_bytes("v2"), wasm_bytes("v3")
SHA2, SHA3 = hashlib.sha256(V2).hexdigest(), hashlib.sha256(V3).hexdigest()
UNSIGNED = (
    "expected a module installed from a signed document, found one installed unsigned "
    "in development mode"
)


SHOP_MOMENT = datetime(2026, 1, 1, 13)


def boot(state: Path, trust: TrustStore, *, dev_mode: bool = False) -> Device:
    """A terminal at 13:00 on the tests' day, in the shop and in UTC (injected clocks)."""
    return Device(
        state,
        trust=trust,
        dev_mode=dev_mode,
        clock=fixed(SHOP_MOMENT),
        utc_clock=fixed(SHOP_MOMENT.replace(tzinfo=UTC)),
    )


def signed_v2(folder: Path, signer: Signer) -> Path:
    """A state folder where `signer`'s document installed v2; the device is closed again."""
    state = folder / "state"
    with boot(state, signer.trust) as device:
        assert device.apply_document(signer.document(V2, version=1, release_counter=1)).accepted
    return state


def test_a_development_module_never_prices_in_production_the_signed_one_does(
    tmp_path: Path,
) -> None:
    signer = Signer(tmp_path / "keys")
    state = signed_v2(tmp_path, signer)
    with boot(state, signer.trust, dev_mode=True) as device:  # an engineer tries v3
        assert device.load_module(V3, label="v3").accepted
    with boot(state, signer.trust) as device:  # back in production
        kinds = [(e.kind, e.sha256) for e in device.events]
        assert kinds == [(EventKind.BOOT_FALLBACK, SHA3), (EventKind.BOOT, SHA2)]
        assert device.events[0].message == f"module {SHA3}: {UNSIGNED}"
        outcome = device.sell(2, 10).outcome
        assert isinstance(outcome, Priced) and outcome.module_sha256 == SHA2
        assert device.reported().to_json()["closed-reason"] is None


def test_with_no_signed_module_the_terminal_stays_closed_and_says_why(tmp_path: Path) -> None:
    state = tmp_path / "state"
    with boot(state, TrustStore(), dev_mode=True) as device:
        assert device.load_module(V3, label="v3").accepted
    with boot(state, TrustStore()) as device:
        report = device.reported().to_json()
        assert report["running"] is None
        assert report["closed-reason"] == (
            f"no stored module may run: UntrustedModule: module {SHA3}: {UNSIGNED}"
        )
        assert device.terminal.closed
        with pytest.raises(NoInstalledModule):
            device.sell(2, 10)
        assert device.journal.sales() == []


def test_a_key_replaced_under_the_same_id_no_longer_vouches_for_its_modules(
    tmp_path: Path,
) -> None:
    """Rotation that reuses the key id: the stored fingerprint tells the keys apart."""
    old = Signer(tmp_path / "old")
    state = signed_v2(tmp_path, old)
    new = Signer(tmp_path / "new")  # same id "ops-2026", another key
    with boot(state, new.trust) as device:
        reason = device.reported().closed_reason
    assert reason == (
        f"no stored module may run: UntrustedModule: module {SHA2}: expected a module signed "
        f"by a key in the trust store, found one signed by an earlier key named 'ops-2026' "
        f"(sha256 {old.trust.fingerprint('ops-2026')}, the store now holds "
        f"{new.trust.fingerprint('ops-2026')})"
    )


def test_a_record_from_before_fingerprints_is_vouched_for_by_its_key_id(tmp_path: Path) -> None:
    """Terminals updated in the field keep running what they installed, if the id is held."""
    signer = Signer(tmp_path / "keys")
    state = signed_v2(tmp_path, signer)
    path = state / "store" / STATE_NAME
    stored = json.loads(path.read_text())
    del stored["current"]["key_sha256"]
    path.write_text(json.dumps(stored))
    with boot(state, signer.trust) as device:
        running = device.reported().running
        assert running is not None and running.key_sha256 is None
        assert device.price(2, 10) == Priced(2, 10, 13, 20, SHA2, datetime(2026, 1, 1, 13))
    with boot(state, TrustStore()) as device:
        assert device.reported().running is None


def test_a_signed_install_records_the_fingerprint_of_the_verifying_key(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "keys")
    with boot(tmp_path / "state", signer.trust) as device:
        report = device.apply_document(signer.document(V2, version=1, release_counter=1))
    public = load_pem_public_key(signer.pair.public_path.read_bytes())
    raw = public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    assert report.running is not None
    assert report.running.key_sha256 == hashlib.sha256(raw).hexdigest()


def test_a_planned_rotation_re_signs_the_running_module_before_the_old_key_goes(
    tmp_path: Path,
) -> None:
    """Both keys trusted, the running module signed again by the new key, the old key
    removed: the terminal keeps selling (docs/delivery-security.md, planned rotation)."""
    keys = tmp_path / "keys"
    old = Signer(keys, key_id="ops-2026")
    state = signed_v2(tmp_path, old)
    new = Signer(keys, key_id="ops-2027")  # both keys in the trust store now
    with boot(state, TrustStore.load(keys)) as device:
        resigned = device.apply_document(new.document(V2, version=2, release_counter=1))
        assert resigned.accepted and [e.kind for e in device.events][-1] is EventKind.CONFIG
        assert resigned.running is not None and resigned.running.key_id == "ops-2027"
    old.pair.public_path.unlink()
    with boot(state, TrustStore.load(keys)) as device:
        assert device.price(2, 10) == Priced(2, 10, 13, 20, SHA2, datetime(2026, 1, 1, 13))
