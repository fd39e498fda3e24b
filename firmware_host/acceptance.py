"""The device's acceptance of a document, stage by stage, for the tools that must agree.

A terminal accepts a document in stages: the document itself (size caps, strict fields,
canonical form), its signature (trust store), the policy and the module (size cap,
magic, compile, no imports, `price_func` with the firmware's ABI). The device runs them
in order and stops at the first refusal; the tools run the same functions so they never
disagree with it:

- `pos-module sign` runs every stage that needs no device before signing (`check_unsigned`)
  and refuses with the device's own error, so it never signs what a terminal refuses;
- `pos-module verify` runs every stage (`verify_stages`) and reports each one.

Policy rules that compare with a device's floors (version, rollback, fast-forward) need
that device's state; only the device itself checks them (`policy.DEVICE_RULES`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from firmware_host import policy
from firmware_host.abi import FirmwareAbi
from firmware_host.config import DesiredState, parse_document, parse_fields
from firmware_host.errors import FirmwareError
from firmware_host.runtime import Limits, PriceModule
from firmware_host.trust import TrustStore, authenticate


class Outcome(Enum):
    PASSED = "passed"
    FAILED = "failed"
    NOT_RUN = "not-run"  # it needs a document, and none could be parsed


@dataclass(frozen=True)
class Stage:
    """One stage of acceptance: its name, outcome and, if it failed, the device's error."""

    name: str
    outcome: Outcome
    error: FirmwareError | None = None
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        found: dict[str, Any] = {"stage": self.name, "outcome": self.outcome.value}
        if self.error is not None:
            found |= {"error": type(self.error).__name__, "reason": str(self.error)}
        if self.note is not None:
            found["note"] = self.note
        return found


def document_policy(desired: DesiredState, firmware: FirmwareAbi, now: datetime) -> None:
    """The rules that need only the document, a clock and the firmware's ABI."""
    fresh = policy.Installed(None, None, None, firmware.value)
    policy.check(desired, fresh, now, policy.DOCUMENT_RULES)


def load_module(desired: DesiredState, firmware: FirmwareAbi, limits: Limits) -> PriceModule:
    """The module as the device loads it: size cap, magic, compile, imports, export."""
    return PriceModule.load(desired.module, firmware, limits)


def check_unsigned(
    fields: Mapping[str, Any],
    *,
    languages: Collection[str],
    now: datetime,
    limits: Limits,
    judge_module: bool = True,
) -> DesiredState:
    """What a signer checks before it signs; raises the device's typed error.

    The module is compiled for the ABI the document declares (`abi`, the firmware's own
    when absent): that is the firmware the document is meant for. `judge_module` False
    checks only the document's fields and policy: a qualification's rehearsal of its
    release, whose module the qualification itself judges.
    """
    desired = parse_fields(
        fields, dev_mode=True, languages=languages, max_module_bytes=limits.max_module_bytes
    )
    firmware = FirmwareAbi.from_name(desired.abi or FirmwareAbi.CURRENT.value)
    document_policy(desired, firmware, now)
    if judge_module:
        load_module(desired, firmware, limits)
    return desired


DEVICE_STATE_NOTE = "version, rollback and fast-forward rules need the device's floors"


def verify_stages(
    raw: bytes,
    *,
    trust: TrustStore,
    firmware: FirmwareAbi,
    dev_mode: bool,
    languages: Collection[str],
    now: datetime,
    limits: Limits,
) -> tuple[DesiredState | None, list[Stage]]:
    """Every stage of the device's acceptance of `raw`, each reported on its own."""
    try:
        desired = parse_document(
            raw, dev_mode=dev_mode, languages=languages, max_module_bytes=limits.max_module_bytes
        )
    except FirmwareError as error:
        later = ("signature", "policy", "module")
        return None, [
            Stage("document", Outcome.FAILED, error),
            *(Stage(name, Outcome.NOT_RUN) for name in later),
        ]
    checks: list[tuple[str, Callable[[], object], str | None]] = [
        ("signature", lambda: authenticate(desired, trust, dev_mode=dev_mode), None),
        ("policy", lambda: document_policy(desired, firmware, now), DEVICE_STATE_NOTE),
        ("module", lambda: load_module(desired, firmware, limits), None),
    ]
    stages = [Stage("document", Outcome.PASSED)]
    for name, check, note in checks:
        try:
            check()
        except FirmwareError as error:
            stages.append(Stage(name, Outcome.FAILED, error, note))
            continue
        stages.append(Stage(name, Outcome.PASSED, None, note))
    return desired, stages
