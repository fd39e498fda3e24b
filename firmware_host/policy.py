"""The device policy applied to an authentic desired-state document (pure, no I/O).

Rules, checked in this order (the first that fails is the reason reported):

1. version: a document's `version` must be greater than the last processed one
   (accepted or refused); replaying an old document is refused.
2. expiry: `expires` must be after the device clock's now.
3. anti-rollback: `release-counter` must be greater than the highest counter ever
   installed. Re-sending the running module with its own counter is not a rollback
   (it is a configuration-only change: status, language, tax).
4. ABI: the declared `abi` must be the one the firmware implements. The module's real
   export is checked again when it is compiled (`IncompatibleExportType`).

Fields absent from a development-mode document skip their rule; outside development
mode the parser has already required them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from firmware_host.config import DesiredState
from firmware_host.errors import (
    AbiNotImplemented,
    DocumentExpired,
    Rollback,
    VersionAlreadyProcessed,
)


@dataclass(frozen=True)
class Installed:
    """What the device holds: the facts the policy compares a document against."""

    running_sha256: str | None
    release_counter: int | None
    processed_version: int | None
    firmware_abi: str


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


def _abi(desired: DesiredState, installed: Installed, now: datetime) -> None:
    if desired.abi is not None and desired.abi != installed.firmware_abi:
        raise AbiNotImplemented(
            f"abi: expected {installed.firmware_abi!r} (the ABI this firmware implements), "
            f"found {desired.abi!r}"
        )


Rule = Callable[[DesiredState, Installed, datetime], None]
RULES: tuple[Rule, ...] = (_version, _expiry, _rollback, _abi)


def check(desired: DesiredState, installed: Installed, now: datetime) -> None:
    """Raise the first `PolicyViolation` of `RULES`, or return if the document may apply."""
    for rule in RULES:
        rule(desired, installed, now)
