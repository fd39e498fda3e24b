"""The module panel: which price module runs, who signed it, and the last document's answer.

`module_rows` is pure (reported state in, label/value rows out) so the panel's content is
tested without a screen; the widget only lays the rows out.
"""

from __future__ import annotations

from functools import cache

from rich.markup import escape
from textual.widgets import Static

from firmware_host.abi import FirmwareAbi
from firmware_host.reported import ReportedState
from price_modules import manifest, versions

SHA_SPLIT = 32  # a sha256 on two lines fits a narrow panel


@cache
def catalogue_by_sha256() -> dict[str, str]:
    """Catalogue version of each committed module, to name a running module."""
    return {manifest(v).sha256: v for v in versions()}


def module_name(sha256: str | None) -> str:
    """ "v3" for a catalogue module, the sha256 prefix for anything else."""
    if sha256 is None:
        return "-"
    return catalogue_by_sha256().get(sha256, sha256[:8])


def _or_dash(value: object) -> str:
    return "-" if value is None else str(value)


def module_rows(report: ReportedState, abi: FirmwareAbi) -> list[tuple[str, str]]:
    running = report.running
    ack = report.ack
    answer = ack.status if ack.error is None else f"{ack.status} {ack.code} {ack.error}"
    state = "closed" if running is None or not report.config.enabled else "running"
    if running is None:
        return [
            ("module", "none installed"),
            ("ABI", f"{abi.value} {abi.signature}"),
            ("state", state),
            ("last", answer),
        ]
    version = module_name(running.sha256)
    if running.version is not None:
        version += f", document version {running.version}"
    return [
        ("module", version),
        ("sha256", running.sha256[:SHA_SPLIT]),
        ("", running.sha256[SHA_SPLIT:]),
        ("ABI", f"{running.abi} {abi.signature}"),
        ("key", running.key_id or "unsigned (development)"),
        ("release", _or_dash(running.release_counter)),
        ("state", f"{state}, config {_or_dash(report.config.version)}"),
        ("last", answer),
    ]


class ModulePanel(Static):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.border_title = "module"
        self.rows: list[tuple[str, str]] = []

    def show(self, report: ReportedState, abi: FirmwareAbi) -> None:
        self.rows = module_rows(report, abi)
        self.update("\n".join(f"[b]{k:<8}[/b]{escape(v)}" for k, v in self.rows))
