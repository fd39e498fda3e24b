"""The one exception hierarchy of the firmware host.

Every message says what was expected and what was found. Two branches matter to
callers: `ModuleError` and its kin are about the product (a module or a document was
refused), `RigError` is about the hardware path (a port was lost, a board went
silent), which the HIL suite reports as an ERROR of the rig, never a FAIL of a module.
"""

from __future__ import annotations


class FirmwareError(Exception):
    """Root of every error the firmware host raises on purpose."""


class RigError(FirmwareError):
    """The serial path to a board failed; not a verdict on the module under test."""


class PortLost(RigError):
    """A port that was open went away (board unplugged, PTY closed, link dropped)."""


class DeadlineExceeded(RigError):
    """A read or write did not finish before its deadline."""


class ReadbackUnavailable(RigError):
    """The board has no control channel, so its display cannot be read back."""


# --- Desired-state documents, signatures, policy, store and journal -------------------


class DocumentRejected(FirmwareError):
    """A desired-state document was refused; the running module stays in place."""


class DocumentTooLarge(DocumentRejected):
    """The document or one of its fields is over its size cap (checked before decoding)."""


class MalformedDocument(DocumentRejected):
    """The document is not a single JSON object in UTF-8."""


class InvalidField(DocumentRejected):
    """One field is missing, unknown, of the wrong type or out of range; `.field` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"field {field!r}: {message}")
        self.field = field


class ChecksumMismatch(InvalidField):
    """The declared sha256 is not the sha256 of the decoded module."""


class SignatureRejected(DocumentRejected):
    """The document's Ed25519 signature is missing, unknown or wrong."""


class UnsignedDocument(SignatureRejected):
    """No signature outside development mode."""


class UnknownKey(SignatureRejected):
    """The key id is not in the device's trust store."""


class BadSignature(SignatureRejected):
    """The signature does not verify against the trusted key."""


class PolicyViolation(DocumentRejected):
    """An authentic document that the device's policy refuses."""


class Rollback(PolicyViolation):
    """The release counter is not greater than the installed one."""


class DocumentExpired(PolicyViolation):
    """The document's expiry time has passed."""


class VersionAlreadyProcessed(PolicyViolation):
    """The desired version was already processed (accepted or refused)."""


class AbiNotImplemented(PolicyViolation):
    """The document declares a module ABI the firmware does not implement."""


class DevelopmentModeRequired(PolicyViolation):
    """An operation only allowed in explicit development mode was asked for."""


class KeyFileError(FirmwareError):
    """A key file is missing, unreadable or not an Ed25519 key of the expected kind."""


class StoreError(FirmwareError):
    """The module store cannot give a valid installed module."""


class NoInstalledModule(StoreError):
    """The store is empty (a device that never received a module)."""


class StoreCorrupt(StoreError):
    """A stored module or the store's metadata does not match what was written."""


class JournalError(FirmwareError):
    """The sales journal cannot be opened or written."""


class TerminalClosed(FirmwareError):
    """A sale was attempted while the configuration status is `disabled`."""
