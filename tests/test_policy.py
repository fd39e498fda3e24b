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
    FastForward,
    InvalidInput,
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
    assert [rule.__name__ for rule in policy.RULES] == [
        "_version",
        "_expiry",
        "_rollback",
        "_fast_forward",
        "_abi",
    ]


def installed(version: int | None, counter: int | None, steps: policy.Steps) -> policy.Installed:
    return policy.Installed(hashlib.sha256(V2).hexdigest(), counter, version, "current", steps)


@pytest.mark.parametrize(
    ("field", "value", "floor", "passes"),
    [
        ("version", 10 + 100, 10, True),
        ("version", 10 + 101, 10, False),
        ("release-counter", 5 + 7, 5, True),
        ("release-counter", 5 + 8, 5, False),
    ],
)
def test_a_jump_past_the_step_is_a_fast_forward(
    field: str, value: int, floor: int, passes: bool
) -> None:
    steps = policy.Steps(version=100, release_counter=7)
    desired = doc(**{field: value})
    if passes:
        policy.check(desired, installed(10, 5, steps), NOW)
        return
    error = violation(desired, installed(10, 5, steps))
    step = 100 if field == "version" else 7
    assert type(error) is FastForward
    assert str(error) == (
        f"{field}: expected at most {floor + step} (a step of at most {step} past {floor}), "
        f"found {value}"
    )


def test_a_fresh_device_bounds_the_first_document_from_zero() -> None:
    steps = policy.Steps(version=100, release_counter=7)
    policy.check(doc(version=100, **{"release-counter": 7}), installed(None, None, steps), NOW)
    error = violation(doc(version=101), installed(None, None, steps))
    assert str(error) == "version: expected at most 100 (a step of at most 100 past 0), found 101"


def test_the_default_steps_are_a_million_versions_and_a_thousand_releases() -> None:
    assert policy.Steps() == policy.Steps(version=1_000_000, release_counter=1_000)
    with pytest.raises(InvalidInput) as caught:
        policy.Steps(version=0)
    assert str(caught.value) == "max_version_step: expected 1..9007199254740991, found 0"


def test_document_rules_need_no_device_and_device_rules_need_its_floors() -> None:
    names = [rule.__name__ for rule in policy.DOCUMENT_RULES]
    assert names == ["_expiry", "_abi"]
    assert [rule.__name__ for rule in policy.DEVICE_RULES] == [
        "_version",
        "_rollback",
        "_fast_forward",
    ]
    # A signer checks a replayed or jumping document no differently from a good one.
    fresh = policy.Installed(None, None, None, "current")
    policy.check(doc(version=2**53 - 1), fresh, NOW, policy.DOCUMENT_RULES)
