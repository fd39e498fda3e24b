"""The one exception hierarchy of the firmware host.

Every message says what was expected and what was found. Two branches matter to
callers: `ModuleRejected` and its kin are about the product (a module or a document was
refused), `SerialLinkError` is about a serial line (a port was lost, the far end went
silent or broke the framing). The rig (boardlink/) builds its own error family on top
and reports both as an ERROR of the rig, never as a FAIL of a module.
"""

from __future__ import annotations


class FirmwareError(Exception):
    """Root of every error the firmware host raises on purpose."""


class SerialLinkError(FirmwareError):
    """A serial line failed; says nothing about the module that priced the sale."""


class PortLost(SerialLinkError):
    """A port that was open went away (board unplugged, PTY closed, link dropped)."""


class DeadlineExceeded(SerialLinkError):
    """A read or write did not finish before its deadline."""


class FramingError(SerialLinkError):
    """Bytes that break a line's framing: a line over its cap, or not ASCII."""


# --- Price modules: load-time refusals, run-time containment, the guard ---------------


class UnknownAbi(FirmwareError):
    """An ABI name (configuration, command line) that no firmware generation uses."""


class ModuleRejected(FirmwareError):
    """A price module was refused at load time; whatever ran before keeps running."""


class NotWasm(ModuleRejected):
    """The bytes lack the wasm magic (text, WAT, base64 left encoded, random bytes)."""


class ModuleTooLarge(ModuleRejected):
    """The module is over the size cap; checked before anything parses it."""


class ForbiddenImport(ModuleRejected):
    """The module imports something; a price function is pure and gets no host access."""

    def __init__(self, message: str, imports: tuple[str, ...]) -> None:
        super().__init__(message)
        self.imports = imports


class MissingExport(ModuleRejected):
    """The module has no `price_func` export at all."""


class ExportNotFunction(ModuleRejected):
    """`price_func` is exported, but as a global, memory or table."""


class IncompatibleExportType(ModuleRejected):
    """`price_func` is a function whose type is not the firmware's host ABI."""


class MalformedModule(ModuleRejected):
    """The bytes start like wasm but wasmtime cannot compile or validate them."""


class InstantiationFailed(ModuleRejected):
    """Instantiating the module faulted (start function, data segments, initial memory).

    `.fault` is the contained run-time fault, so callers see both that the module was
    refused and why.
    """

    def __init__(self, fault: ModuleFault) -> None:
        super().__init__(str(fault))
        self.fault = fault


class ModuleFault(FirmwareError):
    """A loaded module misbehaved while running; the host contained it."""


class ModuleTrap(ModuleFault):
    """The module trapped (`unreachable`, division by zero, out-of-bounds access)."""


class FuelExhausted(ModuleFault):
    """The module used its whole fuel budget: an endless or far too long loop."""


class ModuleMemoryExceeded(ModuleFault):
    """The module needs more linear memory or table space than the cap allows."""


class StackExhausted(ModuleFault):
    """The module overflowed the wasm stack cap (deep or endless recursion)."""


class InvalidInput(FirmwareError):
    """A sale input is out of range; refused before it reaches the module's i32s."""

    def __init__(self, field: str, low: object, high: object, value: object) -> None:
        super().__init__(f"{field}: expected {low}..{high}, found {value!r}")
        self.field = field
        self.low = low
        self.high = high
        self.value = value


class InvalidPrice(FirmwareError):
    """The guard: the module's price is outside 0..max, so the sale is refused."""

    def __init__(self, price: int) -> None:
        super().__init__(f"Invalid price : {price}")
        self.price = price


class UnknownLanguage(FirmwareError):
    """The display language is not one the firmware has texts for."""


class DisplayError(FirmwareError):
    """A display request the driver cannot honour (bad position, level, code page, driver)."""


# --- Desired-state documents, signatures, policy, store and journal -------------------


class DocumentRejected(FirmwareError):
    """A desired-state document was refused; the running module stays in place."""


class DocumentTooLarge(DocumentRejected):
    """The document or one of its fields is over its size cap (checked before decoding)."""


class MalformedDocument(DocumentRejected):
    """The document is not a single JSON object in UTF-8."""


class DocumentUnreadable(DocumentRejected):
    """A document file (TUI command, watched folder) could not be read."""


class NotCanonical(MalformedDocument):
    """A value with no RFC 8785 form (lone surrogate, non-finite number, integer past 2^53-1)."""


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


class FastForward(PolicyViolation):
    """The version or release counter jumps further ahead than the device allows in one step.

    Accepting it would move the device's floor so far that later documents could never
    apply (with 2^53 - 1 a single document would lock the terminal for good)."""


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


class UntrustedModule(ModuleRejected):
    """A stored module that no key in the trust store vouches for; production mode will
    not run it (installed unsigned in development mode, or signed by a revoked key)."""


class JournalError(FirmwareError):
    """The sales journal cannot be opened or written."""


class TerminalClosed(FirmwareError):
    """A sale was attempted while the configuration status is `disabled`."""
