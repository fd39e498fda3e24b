"""The device policy applied to an authentic desired-state document (pure, no I/O).

Rules, checked in this order (the first that fails is the reason reported):

1. version: a document's `version` must be greater than the last applied one;
   replaying an old document is refused.
2. expiry: `expires` must be after the device clock's now.
3. anti-rollback: `release-counter` must be greater than the highest counter ever
   installed. Re-sending the running module with its own counter is not a rollback
   (it is a configuration-only change: status, language, tax).
4. fast-forward: neither `version` nor `release-counter` may move more than one step
   (`Steps`) past the device's floor (0 on a fresh device). Without a bound, one
   document with 2^53 - 1 locks the terminal: nothing could ever be newer.
5. ABI: the declared `abi` must be the one the firmware implements. The module's real
   export is checked again when it is compiled (`IncompatibleExportType`).

Rules 1, 3 and 4 compare against the device's floors (`DEVICE_RULES`); 2 and 5 need only
the document, a clock and an ABI (`DOCUMENT_RULES`), so a signer can run them before it
signs. Fields absent from a development-mode document skip their rule; outside
development mode the parser has already required them.

Why these default steps: a version step of 1,000,000 covers a terminal that missed a
document a minute for about two years, and a release-counter step of 1,000 covers
nineteen years of weekly module releases; yet with floors limited to 2^53 - 1, a
compromised key needs about 9e9 (versions) or 9e12 (counters) applied documents to
exhaust the range, far beyond the time it takes to revoke the key. Both are settings
of the device (`pos-firmware --max-version-step/--max-counter-step`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from firmware_host.config import MAX_COUNTER, DesiredState
from firmware_host.errors import (
    AbiNotImplemented,
    DocumentExpired,
    FastForward,
    Rollback,
    VersionAlreadyProcessed,
)
from firmware_host.runtime import check_range

DEFAULT_MAX_VERSION_STEP = 1_000_000
DEFAULT_MAX_COUNTER_STEP = 1_000


@dataclass(frozen=True)
class Steps:
    """How far one document may move the version and the release counter."""

    version: int = DEFAULT_MAX_VERSION_STEP
    release_counter: int = DEFAULT_MAX_COUNTER_STEP

    def __post_init__(self) -> None:
        check_range("max_version_step", self.version, 1, MAX_COUNTER)
        check_range("max_counter_step", self.release_counter, 1, MAX_COUNTER)


@dataclass(frozen=True)
class Installed:
    """What the device holds: the facts the policy compares a document against."""

    running_sha256: str | None
    release_counter: int | None
    processed_version: int | None
    firmware_abi: str
    steps: Steps = Steps()


def _version(desired: DesiredState, installed: Installed, now: datetime) -> None:
    done = installed.processed_version
    if desired.version is not None and done is not None and desired.version <= done:
        raise VersionAlreadyProcessed(
            f"version: expected a version greater than the last processed {done}, "
            f"found {desired.version}"
        )


def _expiry(desired: DesiredState, installed: Installed, now: datetime) -> None:
    if desired.expires is not None and now >= desired.expires:
        raise DocumentExpired(
            f"expires: expected a time after now ({now.isoformat()}), "
            f"found {desired.expires.isoformat()}"
        )


def _rollback(desired: DesiredState, installed: Installed, now: datetime) -> None:
    counter, floor = desired.release_counter, installed.release_counter
    if counter is None or floor is None or counter > floor:
        return
    if counter == floor and desired.module_sha256 == installed.running_sha256:
        return
    raise Rollback(
        f"release-counter: expected a release counter greater than the installed {floor}, "
        f"found {counter}"
    )


def _jump(field: str, value: int | None, floor: int | None, step: int) -> None:
    base = floor or 0
    if value is not None and value - base > step:
        raise FastForward(
            f"{field}: expected at most {base + step} (a step of at most {step} past "
            f"{base}), found {value}"
        )


def _fast_forward(desired: DesiredState, installed: Installed, now: datetime) -> None:
    steps = installed.steps
    _jump("version", desired.version, installed.processed_version, steps.version)
    _jump(
        "release-counter",
        desired.release_counter,
        installed.release_counter,
        steps.release_counter,
    )


def _abi(desired: DesiredState, installed: Installed, now: datetime) -> None:
    if desired.abi is not None and desired.abi != installed.firmware_abi:
        raise AbiNotImplemented(
            f"abi: expected {installed.firmware_abi!r} (the ABI this firmware implements), "
            f"found {desired.abi!r}"
        )


Rule = Callable[[DesiredState, Installed, datetime], None]
RULES: tuple[Rule, ...] = (_version, _expiry, _rollback, _fast_forward, _abi)
DEVICE_RULES: tuple[Rule, ...] = (_version, _rollback, _fast_forward)
DOCUMENT_RULES: tuple[Rule, ...] = tuple(rule for rule in RULES if rule not in DEVICE_RULES)


def check(
    desired: DesiredState,
    installed: Installed,
    now: datetime,
    rules: tuple[Rule, ...] = RULES,
) -> None:
    """Raise the first `PolicyViolation` of `rules`, or return if the document may apply."""
    for rule in rules:
        rule(desired, installed, now)
