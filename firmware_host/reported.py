"""The reported-state document, in the style of a device twin's reported properties.

    {"running": {"sha256", "abi", "version", "release-counter", "key-id", "key-sha256",
                 "label"} | null,
     "desired-version": <version of the document this ack answers, or null>,
     "processed-version": <highest version applied: the floor a new document must exceed>,
     "ack": {"code", "status", "error", "reason"},
     "status": "enabled" | "disabled", "language": "EN", "tax": 0.1, "config-version": N,
     "closed-reason": <why the terminal does not sell, or null while it does>}

The ack code is looked up by error class in `ACK_CODES` (nearest base class wins), so a
new error type only needs a row there; `reason` is the typed error's message, so the
cloud sees e.g. "Incompatible Export Type: ..." verbatim.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from firmware_host import errors
from firmware_host.store import AppliedConfig, ModuleRecord

ACK_APPLIED = 200
ACK_CODES: dict[type[errors.FirmwareError], tuple[int, str]] = {
    errors.MalformedDocument: (400, "rejected"),
    errors.InvalidField: (400, "rejected"),
    errors.DocumentTooLarge: (413, "rejected"),
    errors.SignatureRejected: (401, "rejected"),
    errors.PolicyViolation: (403, "rejected"),
    errors.DocumentExpired: (410, "rejected"),
    errors.Rollback: (409, "rejected"),
    errors.FastForward: (409, "rejected"),
    errors.VersionAlreadyProcessed: (409, "rejected"),
    errors.ModuleRejected: (422, "rejected"),
    errors.FirmwareError: (500, "failed"),
}


@dataclass(frozen=True)
class Ack:
    """The device's answer to one desired-state document."""

    code: int
    status: str
    error: str | None
    reason: str

    @classmethod
    def applied(cls) -> Ack:
        return cls(ACK_APPLIED, "applied", None, "applied")

    @classmethod
    def booted(cls) -> Ack:
        """Before any document since boot: nothing refused, nothing newly applied."""
        return cls(ACK_APPLIED, "booted", None, "booted from the module store")

    @classmethod
    def refused(cls, error: errors.FirmwareError) -> Ack:
        kind = next(k for k in type(error).__mro__ if k in ACK_CODES)
        code, status = ACK_CODES[kind]
        return cls(code, status, type(error).__name__, str(error))


def _record(record: ModuleRecord | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "sha256": record.sha256,
        "abi": record.abi,
        "version": record.version,
        "release-counter": record.release_counter,
        "key-id": record.key_id,
        "key-sha256": record.key_sha256,
        "label": record.label,
    }


@dataclass(frozen=True)
class ReportedState:
    running: ModuleRecord | None
    desired_version: int | None
    processed_version: int | None
    ack: Ack
    config: AppliedConfig
    closed_reason: str | None = None

    @property
    def accepted(self) -> bool:
        return self.ack.code == ACK_APPLIED

    def to_json(self) -> dict[str, Any]:
        return {
            "running": _record(self.running),
            "desired-version": self.desired_version,
            "processed-version": self.processed_version,
            "ack": asdict(self.ack),
            "status": self.config.status,
            "language": self.config.language,
            "tax": self.config.tax,
            "config-version": self.config.version,
            "closed-reason": self.closed_reason,
        }
