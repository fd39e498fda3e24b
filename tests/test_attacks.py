"""One test per attack class of TUF and Uptane, against a real terminal in production mode.

Each attack meets a terminal running v2 (version 5, release counter 2, one journaled
sale) and must be refused with its own typed error, leaving the running module, the
version floor, the stored state and the journal exactly as they were; the terminal then
still prices with v2. The threat model and what each refusal relies on is in
docs/delivery-security.md.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from firmware_host.clock import fixed
from firmware_host.device import Device
from firmware_host.journal import Sale
from firmware_host.pricing import Priced
from firmware_host.reported import ReportedState
from firmware_host.store import STATE_NAME, ModuleRecord
from firmware_host.trust import TrustStore
from price_modules import wasm_bytes
from tests.documents import Signer, minimal
from tests.test_hostile_modules import hostile

V1, V2, V3, V4 = (wasm_bytes(v) for v in ("v1", "v2", "v3", "v4"))
TOP = 2**53 - 1  # the largest counter a document may carry


@dataclass(frozen=True)
class Snapshot:
    running: ModuleRecord | None
    processed_version: int | None
    release_floor: int | None
    state_file: bytes
    sales: list[Sale]


class Terminal:
    """A production terminal that applied v2 (version 5, counter 2) and sold once."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.ops = Signer(folder / "keys")  # the operator's key, in the trust store
        self.device = self.boot(self.ops.trust)
        applied = self.device.apply_document(self.ops.document(V2, version=5, release_counter=2))
        assert applied.accepted, applied.ack
        self.sell()

    def boot(self, trust: TrustStore) -> Device:
        """At 13:00 on the tests' day, in the shop and in UTC, on injected clocks."""
        return Device(
            self.folder / "state",
            trust=trust,
            clock=fixed(SHOP_MOMENT),
            utc_clock=fixed(SHOP_MOMENT.replace(tzinfo=UTC)),
        )

    def sell(self) -> Priced:
        outcome = self.device.sell(2, 10).outcome
        assert isinstance(outcome, Priced) and outcome.price == 20, outcome
        return outcome

    def snapshot(self) -> Snapshot:
        state = self.device.store.state
        return Snapshot(
            running=self.device.reported().running,
            processed_version=state.processed_version,
            release_floor=state.release_floor,
            state_file=(self.folder / "state" / "store" / STATE_NAME).read_bytes(),
            sales=self.device.journal.sales(),
        )

    def attacked(self, attack: Callable[[], ReportedState], error: str, code: int) -> str:
        """Run `attack`, check it was refused with `error` and changed nothing; its reason."""
        before = self.snapshot()
        assert before.running is not None
        report = attack()
        assert (report.ack.error, report.ack.code) == (error, code), report.ack
        assert self.snapshot() == before
        assert report.running == before.running
        assert self.sell().module_sha256 == before.running.sha256
        return report.ack.reason

    def apply(self, document: bytes | dict[str, Any]) -> Callable[[], ReportedState]:
        raw = document if isinstance(document, bytes) else json.dumps(document).encode()
        return lambda: self.device.apply_document(raw)


SHOP_MOMENT = datetime(2026, 1, 1, 13, 0)


@pytest.fixture
def terminal(tmp_path: Path) -> Iterator[Terminal]:
    terminal = Terminal(tmp_path)
    yield terminal
    terminal.device.close()


def test_arbitrary_software_unsigned_unknown_key_or_forged_is_refused(
    terminal: Terminal, tmp_path: Path
) -> None:
    """Attacker's module without a trusted signature: unsigned, unknown key, forged."""
    unsigned = terminal.ops.fields(V3, version=6, release_counter=3)
    del unsigned["signature"]
    terminal.attacked(terminal.apply(unsigned), "InvalidField", 400)
    terminal.attacked(terminal.apply(minimal(V3)), "InvalidField", 400)  # the cloud's form
    rogue = Signer(tmp_path / "rogue", key_id="rogue")
    terminal.attacked(
        terminal.apply(rogue.document(V3, version=6, release_counter=3)), "UnknownKey", 401
    )
    impostor = Signer(tmp_path / "impostor")  # the trusted key id, another key
    reason = terminal.attacked(
        terminal.apply(impostor.document(V3, version=6, release_counter=3)), "BadSignature", 401
    )
    assert reason.startswith("signature: expected a valid Ed25519 signature by 'ops-2026'")


def test_rollback_to_an_older_release_or_a_replayed_document_is_refused(
    terminal: Terminal,
) -> None:
    old = terminal.ops.document(V1, version=3, release_counter=1)  # captured long ago
    terminal.attacked(terminal.apply(old), "VersionAlreadyProcessed", 409)
    current = terminal.ops.document(V2, version=5, release_counter=2)
    terminal.attacked(terminal.apply(current), "VersionAlreadyProcessed", 409)
    newer_but_old_module = terminal.ops.document(V3, version=6, release_counter=1)
    reason = terminal.attacked(terminal.apply(newer_but_old_module), "Rollback", 409)
    assert reason == (
        "release-counter: expected a release counter greater than the installed 2, found 1"
    )


@pytest.mark.parametrize(
    ("version", "counter", "error", "code", "reason"),
    [
        (
            TOP,
            3,
            "FastForward",
            409,
            "version: expected at most 1000005 (a step of at most 1000000 past 5), "
            "found 9007199254740991",
        ),
        (
            6,
            TOP,
            "FastForward",
            409,
            "release-counter: expected at most 1002 (a step of at most 1000 past 2), "
            "found 9007199254740991",
        ),
        (
            TOP + 1,
            3,
            "InvalidField",
            400,
            "field 'version': expected an integer in 1..9007199254740991, found 9007199254740992",
        ),
    ],
)
def test_fast_forward_past_the_step_is_refused_and_consumes_nothing(
    terminal: Terminal, version: int, counter: int, error: str, code: int, reason: str
) -> None:
    """Signed by the trusted key: once applied, no later document could ever be newer."""
    if version <= TOP:
        fields = terminal.ops.fields(V3, version=version, release_counter=counter)
    else:  # past 2^53 - 1 it cannot even be signed (no exact JSON number): forge it
        fields = terminal.ops.fields(V3, version=6, release_counter=counter)
        fields["version"] = version
    assert terminal.attacked(terminal.apply(fields), error, code) == reason
    # Nothing was used up: the next legitimate document applies with the next numbers.
    legit = terminal.device.apply_document(terminal.ops.document(V3, version=6, release_counter=3))
    assert legit.accepted and legit.processed_version == 6


def test_indefinite_freeze_by_a_stale_document_is_refused(terminal: Terminal) -> None:
    """A document held back until it is stale: its expiry has passed."""
    stale = terminal.ops.document(
        V3, version=6, release_counter=3, expires="2025-12-31T23:59:59+00:00"
    )
    reason = terminal.attacked(terminal.apply(stale), "DocumentExpired", 410)
    assert reason == (
        "expires: expected a time after now (2026-01-01T13:00:00+00:00), "
        "found 2025-12-31T23:59:59+00:00"
    )


def test_mix_and_match_of_signed_parts_is_refused(terminal: Terminal) -> None:
    """Parts of two authentic documents combined, or a new one downgraded to legacy."""
    v3_doc = terminal.ops.fields(V3, version=6, release_counter=3)
    v1_doc = terminal.ops.fields(V1, version=7, release_counter=4)
    module_swapped = v3_doc | {k: v1_doc[k] for k in ("price-func", "sha256")}
    terminal.attacked(terminal.apply(module_swapped), "BadSignature", 401)
    signature_swapped = v3_doc | {"signature": v1_doc["signature"]}
    terminal.attacked(terminal.apply(signature_swapped), "BadSignature", 401)
    checksum_kept = v3_doc | {"price-func": v1_doc["price-func"]}
    terminal.attacked(terminal.apply(checksum_kept), "ChecksumMismatch", 400)
    downgraded = {k: v for k, v in v3_doc.items() if k != "canonicalization"}
    terminal.attacked(terminal.apply(downgraded), "BadSignature", 401)


def test_endless_data_is_refused_before_it_is_read_or_decoded(
    terminal: Terminal, tmp_path: Path
) -> None:
    endless = Path("/dev/zero")  # no regular file: refused before a byte is read
    terminal.attacked(
        lambda: terminal.device.apply_document_file(endless), "DocumentUnreadable", 500
    )
    huge_module = base64.b64encode(b"\0asm" + bytes(100_000)).decode()
    big = terminal.ops.fields(V3, version=6, release_counter=3) | {"price-func": huge_module}
    terminal.attacked(terminal.apply(big), "DocumentTooLarge", 413)
    deep = b'{"status": ' + b"[" * 3000 + b"]" * 3000 + b"}"
    terminal.attacked(terminal.apply(deep), "MalformedDocument", 400)
    long_number = b'{"version": ' + b"9" * 5000 + b"}"
    terminal.attacked(terminal.apply(long_number), "MalformedDocument", 400)


@pytest.mark.parametrize(
    ("wasm", "overrides", "error", "code"),
    [
        pytest.param(V1, {"abi": "launch"}, "AbiNotImplemented", 403, id="launch-abi"),
        pytest.param(V4, {}, "IncompatibleExportType", 422, id="float-export"),
        pytest.param(V1, {}, "IncompatibleExportType", 422, id="two-argument-export"),
        pytest.param(hostile("env_import"), {}, "ForbiddenImport", 422, id="import"),
        pytest.param(hostile("start_traps"), {}, "InstantiationFailed", 422, id="start-traps"),
    ],
)
def test_wrong_software_for_this_firmware_is_refused(
    terminal: Terminal, wasm: bytes, overrides: dict[str, Any], error: str, code: int
) -> None:
    """Authentic, but not software this terminal can run: another ABI or a bad module."""
    document = terminal.ops.document(wasm, version=6, release_counter=3, **overrides)
    terminal.attacked(terminal.apply(document), error, code)


def test_compromised_key_is_bounded_then_revoked(terminal: Terminal, tmp_path: Path) -> None:
    """A stolen operator key: it cannot lock the terminal, and after rotation it is dead.

    Recovery (docs/delivery-security.md): put the new key in the trust store and remove
    the stolen one, restart, sign the next document with the new key above the floor.
    """
    stolen = terminal.ops
    lockout = stolen.document(V3, version=TOP, release_counter=TOP)
    terminal.attacked(terminal.apply(lockout), "FastForward", 409)
    # Rotation: the trust store now holds only the new key.
    (tmp_path / "keys" / "ops-2026.pub").unlink()
    new = Signer(tmp_path / "keys", key_id="ops-2027")
    terminal.device.close()
    terminal.device = terminal.boot(new.trust)
    assert terminal.device.reported().running is None  # v2 was signed by the stolen key
    recovered = terminal.device.apply_document(new.document(V2, version=6, release_counter=3))
    assert recovered.accepted, recovered.ack
    terminal.sell()
    after_rotation = stolen.document(V3, version=7, release_counter=4)
    reason = terminal.attacked(terminal.apply(after_rotation), "UnknownKey", 401)
    assert reason == (
        "signature: expected a key id in the trust store ['ops-2027'], found 'ops-2026'"
    )


def test_every_refusal_above_kept_the_version_free(terminal: Terminal) -> None:
    """The next document after all of them still takes version 6 (nothing consumed)."""
    stale = terminal.ops.document(V3, version=6, release_counter=3, expires="2020-01-01T00:00:00Z")
    terminal.attacked(terminal.apply(stale), "DocumentExpired", 410)
    wrong = terminal.ops.document(V4, version=6, release_counter=3)
    terminal.attacked(terminal.apply(wrong), "IncompatibleExportType", 422)
    fixed = terminal.device.apply_document(terminal.ops.document(V3, version=6, release_counter=3))
    assert fixed.accepted and (fixed.processed_version, fixed.desired_version) == (6, 6)
