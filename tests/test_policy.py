"""Policy: replayed versions, expiry, rollback and ABI, each refused with its own error."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

import pytest

from firmware_host import policy
from firmware_host.config import DesiredState, parse_fields
from firmware_host.errors import (
    AbiNotImplemented,
    DocumentExpired,
    PolicyViolation,
    Rollback,
    VersionAlreadyProcessed,
)
from firmware_host.signing import module_fields
from price_modules import wasm_bytes

NOW = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
V2, V3 = wasm_bytes("v2"), wasm_bytes("v3")
RUNNING = policy.Installed(
    running_sha256=hashlib.sha256(V2).hexdigest(),
    release_counter=5,
    processed_version=10,
    firmware_abi="current",
)


def doc(wasm: bytes = V3, /, **overrides: Any) -> DesiredState:
    fields = module_fields(wasm, version=11, release_counter=6, expires="2026-03-02T00:00:00+00:00")
    fields.update(overrides)
    return parse_fields(fields, dev_mode=True, languages=("EN",))


def violation(desired: DesiredState, installed: policy.Installed = RUNNING) -> PolicyViolation:
    with pytest.raises(PolicyViolation) as caught:
        policy.check(desired, installed, NOW)
    return caught.value


def test_a_newer_unexpired_release_for_this_abi_passes() -> None:
    policy.check(doc(), RUNNING, NOW)


def test_first_document_on_an_empty_device_passes() -> None:
    policy.check(doc(), policy.Installed(None, None, None, "current"), NOW)


@pytest.mark.parametrize("version", [10, 3])
def test_an_already_processed_version_is_refused(version: int) -> None:
    error = violation(doc(version=version))
    assert type(error) is VersionAlreadyProcessed
    assert str(error) == (
        f"version: expected a version greater than the last processed 10, found {version}"
    )


def test_an_expired_document_is_refused() -> None:
    error = violation(doc(expires="2026-03-01T12:00:00+00:00"))
    assert type(error) is DocumentExpired
    assert str(error) == (
        "expires: expected a time after now (2026-03-01T12:00:00+00:00), "
        "found 2026-03-01T12:00:00+00:00"
    )


def test_expiry_compares_instants_across_time_zones() -> None:
    # 13:30 at +02:00 is 11:30 UTC: already past at 12:00 UTC.
    assert type(violation(doc(expires="2026-03-01T13:30:00+02:00"))) is DocumentExpired
    policy.check(doc(expires="2026-03-01T08:30:00-04:00"), RUNNING, NOW)


@pytest.mark.parametrize("counter", [5, 4, 0])
def test_a_release_counter_not_greater_than_installed_is_a_rollback(counter: int) -> None:
    error = violation(doc(**{"release-counter": counter}))
    assert type(error) is Rollback
    assert str(error) == (
        f"release-counter: expected a release counter greater than the installed 5, found {counter}"
    )


def test_the_running_module_with_its_own_counter_is_a_configuration_change() -> None:
    policy.check(doc(V2, **{"release-counter": 5}), RUNNING, NOW)


def test_an_abi_the_firmware_does_not_implement_is_refused() -> None:
    error = violation(doc(abi="launch"))
    assert type(error) is AbiNotImplemented
    assert str(error) == (
        "abi: expected 'current' (the ABI this firmware implements), found 'launch'"
    )


def test_rules_run_in_the_documented_order() -> None:
    everything_wrong = doc(
        version=1, expires="2020-01-01T00:00:00+00:00", abi="launch", **{"release-counter": 1}
    )
    assert type(violation(everything_wrong)) is VersionAlreadyProcessed
    assert [rule.__name__ for rule in policy.RULES] == ["_version", "_expiry", "_rollback", "_abi"]
