"""The terminal firmware service: boots a module, applies documents, sells, journals.

A `Device` owns the running `Pricer`, the `TerminalLogic`, the module store, the sales
journal and the trust store, all under one state directory:

    <state-dir>/store/            the module store (see store.py)
    <state-dir>/journal.sqlite3   the sales journal (see journal.py)
    <state-dir>/trust/            default trust store: `<key-id>.pub` files

Hot swap: applying a document does everything that can fail first (parse, verify,
policy, compile and instantiate, durable install) without holding the sale lock, then
replaces one immutable `_Active` snapshot (pricer + module record + configuration)
under the sale lock. A sale reads that snapshot once, so every sale is priced and
journaled wholly by one module version and one configuration, and a swap waits for a
sale in progress. A refused document never touches the running snapshot.

Events (boot, swap, refusal, guard, fault) go to plain callbacks, called synchronously
on the thread that caused them; the device starts no threads of its own.

Boot loads the current module, else the last-known-good one; with neither, the terminal
shows closed, the reported state says why (`closed-reason`) and `sell` raises
`NoInstalledModule`. In production mode a stored module runs only if a key in the trust
store vouches for it (`TrustStore.vouch_for`): one installed unsigned in development
mode, or signed by a key since removed from the trust store, is skipped like a corrupt
one. A sale on a closed terminal raises `TerminalClosed` and is not journaled (nothing
was sold); neither is a sale whose count or unit price is no i32 at all.
An unreadable `state.json` raises `StoreCorrupt` from the constructor: the device cannot
know what it may run.

Only an applied document moves the version floor; a refusal, whatever its stage, is
reported (`desired-version`, the ack) and stores nothing (docs/delivery-security.md).
"""

from __future__ import annotations

import base64
import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import Enum
from pathlib import Path

from firmware_host import policy
from firmware_host.abi import FirmwareAbi
from firmware_host.clock import Clock
from firmware_host.config import DesiredState, max_document_bytes, parse_document
from firmware_host.errors import (
    DevelopmentModeRequired,
    DocumentRejected,
    DocumentTooLarge,
    DocumentUnreadable,
    FirmwareError,
    InvalidPrice,
    ModuleFault,
    ModuleRejected,
    NoInstalledModule,
    StoreCorrupt,
    TerminalClosed,
)
from firmware_host.files import read_regular_file
from firmware_host.journal import Journal, Sale
from firmware_host.keys import Key
from firmware_host.pricing import DEFAULT_MAX_PRICE, Outcome, Priced, Pricer, Refused
from firmware_host.reported import Ack, ReportedState
from firmware_host.runtime import Limits, PriceModule, check_range
from firmware_host.store import AppliedConfig, ModuleRecord, ModuleStore, ensure_folder
from firmware_host.terminal import Screen, TerminalLogic
from firmware_host.texts import languages
from firmware_host.trust import TrustStore, authenticate

STORE_DIR = "store"
JOURNAL_NAME = "journal.sqlite3"
TRUST_DIR = "trust"
EVENT_LOG_SIZE = 200


def utc_now() -> datetime:
    """Looked up at call time, so freezegun controls document expiry in tests."""
    return datetime.now(UTC)


class EventKind(Enum):
    BOOT = "boot"
    BOOT_FALLBACK = "boot-fallback"
    SWAP = "swap"
    CONFIG = "config"
    REFUSAL = "refusal"
    GUARD = "guard"
    FAULT = "fault"


# Refused sales worth announcing: the guard firing and a contained module fault.
OUTCOME_EVENTS: dict[type[FirmwareError], EventKind] = {
    InvalidPrice: EventKind.GUARD,
    ModuleFault: EventKind.FAULT,
}


@dataclass(frozen=True)
class DeviceEvent:
    kind: EventKind
    message: str
    sha256: str | None = None


@dataclass(frozen=True)
class JournaledSale:
    outcome: Outcome
    sale_id: int


@dataclass(frozen=True)
class _Active:
    """What one sale uses; replaced as a whole, never mutated. `reason` says why there
    is no pricer (set at boot)."""

    pricer: Pricer | None
    record: ModuleRecord | None
    config: AppliedConfig
    reason: str | None = None


class Device:
    """One terminal: `apply_document` between sales, `sell`/`press` for sales."""

    def __init__(
        self,
        state_dir: Path,
        *,
        abi: FirmwareAbi = FirmwareAbi.CURRENT,
        trust: TrustStore | None = None,
        dev_mode: bool = False,
        clock: Clock | None = None,
        utc_clock: Clock = utc_now,
        limits: Limits | None = None,
        max_price: int = DEFAULT_MAX_PRICE,
        steps: policy.Steps | None = None,
    ) -> None:
        self.abi = abi
        self.dev_mode = dev_mode
        self.limits = limits or Limits()
        self.steps = steps or policy.Steps()
        self.max_price = max_price
        self._clock = clock
        self._utc_clock = utc_clock
        ensure_folder(state_dir, "a state folder")
        self.trust = trust if trust is not None else TrustStore.load(state_dir / TRUST_DIR)
        self.store = ModuleStore(state_dir / STORE_DIR, self.limits.max_module_bytes)
        self._sale_lock = threading.RLock()
        self._apply_lock = threading.Lock()
        self._subscribers: list[Callable[[DeviceEvent], None]] = []
        self.events: deque[DeviceEvent] = deque(maxlen=EVENT_LOG_SIZE)
        self._last_ack = Ack.booted()
        self._last_desired: int | None = None
        self._active = self._boot()
        config = self._active.config
        self.terminal = TerminalLogic(self.price, config.language, config.tax)
        self._configure_terminal(self._active)
        # Opened last: a constructor that raises earlier leaves no connection open.
        self.journal = Journal(state_dir / JOURNAL_NAME)

    # --- events -----------------------------------------------------------------

    def subscribe(self, callback: Callable[[DeviceEvent], None]) -> Callable[[], None]:
        """Call `callback` for every later event; returns the unsubscribe function."""
        self._subscribers.append(callback)
        return lambda: self._subscribers.remove(callback)

    def _emit(self, kind: EventKind, message: str, sha256: str | None = None) -> None:
        event = DeviceEvent(kind, message, sha256)
        self.events.append(event)
        for callback in list(self._subscribers):
            callback(event)

    # --- boot -------------------------------------------------------------------

    def _boot(self) -> _Active:
        """Current module, else last-known-good; no module leaves the terminal closed."""
        config = self.store.state.config
        try:
            candidates = self.store.boot_candidates()
        except NoInstalledModule as exc:
            self._emit(EventKind.BOOT, str(exc))
            return _Active(None, None, config, str(exc))
        refusals: list[str] = []
        for record in candidates:
            try:
                if not self.dev_mode:  # production runs only what the trust store vouches for
                    self.trust.vouch_for(record)
                module = PriceModule.load(self.store.read_module(record), self.abi, self.limits)
            except (StoreCorrupt, ModuleRejected) as exc:
                self._emit(EventKind.BOOT_FALLBACK, str(exc), record.sha256)
                refusals.append(f"{type(exc).__name__}: {exc}")
                continue
            self._emit(EventKind.BOOT, f"booted module {record.sha256}", record.sha256)
            return _Active(self._pricer(module), record, config)
        reason = "no stored module may run: " + "; ".join(refusals)
        self._emit(EventKind.BOOT, reason)
        return _Active(None, None, config, reason)

    def _pricer(self, module: PriceModule) -> Pricer:
        return Pricer(module, max_price=self.max_price, clock=self._clock)

    # --- applying documents -------------------------------------------------------

    def apply_document(self, raw: bytes) -> ReportedState:
        """Parse, verify, check, compile, install and swap; a refusal is reported, not raised."""
        return self._apply(raw, label=None)

    def apply_document_file(self, path: Path) -> ReportedState:
        """A document from a file (operator command, watched folder), reported like any other.

        Only a regular file is read, and at most one byte past the size cap, so a FIFO or
        /dev/zero is no hang and a huge file is refused as too large without being
        loaded; an unreadable file is a refusal, not an exception.
        """
        cap = max_document_bytes(self.limits.max_module_bytes)
        try:
            raw = read_regular_file(path, cap, "document", DocumentUnreadable, DocumentTooLarge)
        except DocumentRejected as error:
            return self._refused(error, None)
        return self._apply(raw, label=None)

    def load_module(self, wasm: bytes, *, label: str | None = None) -> ReportedState:
        """Development mode: run `wasm` (e.g. a catalogue version) through the same checks."""
        if not self.dev_mode:
            error = DevelopmentModeRequired(
                "load_module: expected a device in development mode, found production mode"
            )
            return self._refused(error, None)
        config = self._active.config
        document = {
            "status": config.status,
            "language": config.language,
            "tax": config.tax,
            "price-func": base64.b64encode(wasm).decode("ascii"),
        }
        return self._apply(json.dumps(document).encode("utf-8"), label=label)

    def _apply(self, raw: bytes, label: str | None) -> ReportedState:
        with self._apply_lock:
            desired: DesiredState | None = None
            try:
                desired = parse_document(
                    raw,
                    dev_mode=self.dev_mode,
                    languages=languages(),
                    max_module_bytes=self.limits.max_module_bytes,
                )
                authenticate(desired, self.trust, dev_mode=self.dev_mode)
                self._accept(desired, label)
            except FirmwareError as error:
                # Nothing is recorded: a refused version stays free for the next document.
                return self._refused(error, desired.version if desired else None)
            self._last_ack = Ack.applied()
            self._last_desired = desired.version
            return self.reported()

    def _refused(self, error: FirmwareError, version: int | None) -> ReportedState:
        self._last_ack = Ack.refused(error)
        self._last_desired = version
        self._emit(EventKind.REFUSAL, f"{type(error).__name__}: {error}")
        return self.reported()

    def _accept(self, desired: DesiredState, label: str | None) -> None:
        running = self._active
        state = self.store.state
        installed = policy.Installed(
            running_sha256=running.record.sha256 if running.record else None,
            release_counter=state.release_floor,
            processed_version=state.processed_version,
            firmware_abi=self.abi.value,
            steps=self.steps,
        )
        policy.check(desired, installed, self._utc_clock())
        config = AppliedConfig(desired.status, desired.language, desired.tax, desired.version)
        processed = max(
            (v for v in (desired.version, state.processed_version) if v is not None), default=None
        )
        signed_by = desired.key_id if desired.signature else None  # only a verified id
        key_sha256 = self.trust.fingerprint(signed_by) if signed_by else None
        if running.record is not None and desired.module_sha256 == running.record.sha256:
            # The same module, signed again: the new signature vouches for it from now on
            # (how a key rotation keeps the running module), an unsigned one changes nothing.
            record = running.record
            if signed_by is not None:
                record = replace(record, key_id=signed_by, key_sha256=key_sha256)
            self.store.update(config=config, processed_version=processed, current=record)
            self._swap(_Active(running.pricer, record, config), EventKind.CONFIG)
            return
        module = PriceModule.load(desired.module, self.abi, self.limits)
        record = ModuleRecord(
            sha256=desired.module_sha256,
            abi=self.abi.value,
            version=desired.version,
            release_counter=desired.release_counter,
            key_id=signed_by,
            label=label,
            key_sha256=key_sha256,
        )
        self.store.install(
            desired.module,
            record,
            running=running.record,
            config=config,
            processed_version=processed,
        )
        self._swap(_Active(self._pricer(module), record, config), EventKind.SWAP)

    def _swap(self, active: _Active, kind: EventKind) -> None:
        """The only place the running snapshot changes: between two sales."""
        with self._sale_lock:
            self._active = active
            self._configure_terminal(active)
        sha256 = active.record.sha256 if active.record else None
        self._emit(kind, f"running module {sha256}, config version {active.config.version}", sha256)

    def _configure_terminal(self, active: _Active) -> None:
        """Language and tax apply at once; only opening or closing abandons a typed sale."""
        self.terminal.set_language(active.config.language)
        self.terminal.set_tax(active.config.tax)
        closed = active.pricer is None or not active.config.enabled
        if closed != self.terminal.closed:
            self.terminal.set_closed(closed)

    def reported(self) -> ReportedState:
        active = self._active
        closed_reason = active.reason if active.pricer is None else None
        if closed_reason is None and not active.config.enabled:
            closed_reason = f"status {active.config.status!r}"
        return ReportedState(
            running=active.record,
            desired_version=self._last_desired,
            processed_version=self.store.state.processed_version,
            ack=self._last_ack,
            config=active.config,
            closed_reason=closed_reason,
        )

    # --- sales --------------------------------------------------------------------

    def sell(self, count: int, unit_price: int) -> JournaledSale:
        """Price one sale with the running module and commit it to the journal."""
        check_range("count", count)  # no i32 at all: nothing a keypad or a module knows
        check_range("unit_price", unit_price)
        with self._sale_lock:
            active = self._active
            if active.pricer is None or active.record is None:
                raise NoInstalledModule("sale: expected a running price module, found none")
            if not active.config.enabled:
                raise TerminalClosed(
                    f"sale: expected status 'enabled', found {active.config.status!r}"
                )
            outcome = active.pricer.try_price(count, unit_price)
            sale_id = self.journal.record(self._sale(outcome, active))
        if isinstance(outcome, Refused):
            for error_kind, event_kind in OUTCOME_EVENTS.items():
                if isinstance(outcome.error, error_kind):
                    self._emit(event_kind, str(outcome.error), outcome.module_sha256)
        return JournaledSale(outcome, sale_id)

    def price(self, count: int, unit_price: int) -> Outcome:
        return self.sell(count, unit_price).outcome

    def _sale(self, outcome: Outcome, active: _Active) -> Sale:
        error = None if isinstance(outcome, Priced) else outcome.error
        return Sale(
            at=outcome.at,
            hour=outcome.hour,
            count=outcome.count,
            unit_price=outcome.unit_price,
            price=outcome.price if isinstance(outcome, Priced) else None,
            error_kind=type(error).__name__ if error else None,
            error=str(error) if error else None,
            tax=active.config.tax,
            module_sha256=outcome.module_sha256,
            config_version=active.config.version,
        )

    @property
    def screen(self) -> Screen:
        """What the customer display shows now."""
        with self._sale_lock:
            return self.terminal.screen

    def press(self, key: Key) -> Screen:
        """One key press; ENTER prices a journaled sale through the running module."""
        with self._sale_lock:
            return self.terminal.press(key)

    def close(self) -> None:
        self.journal.close()

    def __enter__(self) -> Device:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
