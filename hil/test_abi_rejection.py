"""Firmware generations: a module is loaded exactly when its signature is the firmware's
host ABI; otherwise it is refused with `Incompatible Export Type` and the module that
ran before keeps running and keeps pricing correctly."""

from __future__ import annotations

from hil.cases import AbiCase
from hil.plugin import Record, ScenarioRun, record_case, verify_step

INCOMPATIBLE = "Incompatible Export Type"


def test_abi_outcome(abi_case: AbiCase, abi_offer: ScenarioRun, record_property: Record) -> None:
    record_case(record_property, "abi", abi_case)
    subject, abi = abi_case.subject, abi_case.abi
    (label, offer) = abi_offer.reports[-1]
    record_property(
        "limits", f"host ABI {abi.signature}, module claims {subject.manifest.signature}"
    )
    record_property("expected", "accepted" if abi_case.accepted else f"refused: {INCOMPATIBLE}")
    record_property("observed", f"{offer.ack.status}: {offer.ack.reason}")
    for name, report in abi_offer.reports[:-1]:
        assert report.accepted, f"{name}: expected the fallback to load, found {report.ack}"
    if abi_case.accepted:
        assert offer.accepted, (
            f"{label} on {abi.value} firmware: expected it loaded, found {offer.ack}"
        )
    else:
        assert not offer.accepted, (
            f"{label} on {abi.value} firmware: expected a refusal, found it loaded"
        )
        assert offer.ack.error == "IncompatibleExportType", offer.ack
        assert offer.ack.reason.startswith(INCOMPATIBLE), offer.ack.reason
    running = abi_case.running_after
    expected_sha = running.sha256 if running else None
    found_sha = offer.running.sha256 if offer.running else None
    assert found_sha == expected_sha, (
        f"expected {running.label if running else 'no module'} running, found {offer.running}"
    )
    for planned, observation in abi_offer.sales:
        verify_step(record_property, planned, observation)
