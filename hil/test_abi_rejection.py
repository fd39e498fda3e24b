"""Firmware generations: a module is loaded exactly when its signature is the firmware's
host ABI; otherwise it is refused with `Incompatible Export Type` and the module that
ran before keeps running and keeps pricing correctly."""

from __future__ import annotations

from hil.cases import AbiCase
from hil.handles import TerminalUnderTest
from hil.verify import Record, record_case, verify_step

INCOMPATIBLE = "Incompatible Export Type"


def test_abi_outcome(
    abi_case: AbiCase, hil_terminal: TerminalUnderTest, record_property: Record
) -> None:
    record_case(record_property, "abi", abi_case)
    subject, abi = abi_case.subject, abi_case.abi
    if abi_case.fallback is not None:
        first = hil_terminal.run(abi_case.fallback)
        assert first is None or first.accepted, (
            f"load {abi_case.fallback.label}: expected the fallback to load, found {first.ack}"
        )
    offer = hil_terminal.load(subject)
    running = abi_case.running_after
    found = offer.running.sha256 if offer.running else None
    if abi_case.accepted:
        expected, right = "accepted", offer.accepted
    else:
        expected = f"refused: {INCOMPATIBLE}"
        right = offer.ack.error == "IncompatibleExportType" and offer.ack.reason.startswith(
            INCOMPATIBLE
        )
    right = right and found == (running.sha256 if running else None)
    record_property(
        "limits", f"host ABI {abi.signature}, module claims {subject.manifest.signature}"
    )
    record_property("expected", expected)
    record_property("observed", f"{offer.ack.status}: {offer.ack.reason}")
    record_property("outcome", "pass" if right else "fail")
    assert right, (
        f"offer {subject.label} on {abi.value} firmware: expected {expected} with "
        f"{running.label if running else 'no module'} running after, found {offer.ack.status} "
        f"({offer.ack.error}: {offer.ack.reason}) with {found} running"
    )
    for index, planned in enumerate(abi_case.checks()):
        observed = hil_terminal.sell(planned.count, planned.unit_price, hour=planned.hour)
        verify_step(record_property, index, planned, observed)
