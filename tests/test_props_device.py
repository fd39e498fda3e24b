"""Properties of a whole terminal receiving documents: `apply_document` answers anything
with a reported state (it never raises), and a refusal changes nothing stored.

This is the path of the folder watcher and the operator's `pos-firmware apply`: a
document that made it raise used to kill the watcher thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_host.device import Device
from firmware_host.store import STATE_NAME
from price_modules import wasm_bytes
from tests.documents import Signer, minimal
from tests.props import document_like, edited, encode, json_values, share


class Terminal:
    def __init__(self, folder: Path, *, dev_mode: bool) -> None:
        self.signer = Signer(folder / "keys")
        self.state_file = folder / "state" / "store" / STATE_NAME
        self.device = Device(
            folder / "state",
            trust=self.signer.trust,
            dev_mode=dev_mode,
            clock=lambda: datetime(2026, 1, 1, 13),
            utc_clock=lambda: datetime(2026, 1, 1, 13, tzinfo=UTC),
        )
        v2 = self.signer.document(wasm_bytes("v2"), version=5, release_counter=2)
        assert self.device.apply_document(v2).accepted

    def apply(self, raw: bytes) -> None:
        before = self.state_file.read_bytes()
        report = self.device.apply_document(raw)
        if not report.accepted:
            assert self.state_file.read_bytes() == before, report.ack


@pytest.fixture(scope="module", params=[False, True], ids=["production", "development"])
def terminal(
    tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
) -> Iterator[Terminal]:
    terminal = Terminal(tmp_path_factory.mktemp("terminal"), dev_mode=request.param)
    yield terminal
    terminal.device.close()


@given(fields=document_like | st.builds(lambda v: {"tax": v}, json_values))
@share(0.005)
def test_any_json_document_is_answered_and_a_refusal_changes_nothing(
    terminal: Terminal, fields: dict[str, object]
) -> None:
    terminal.apply(encode(fields, ascii_only=False))


@given(script=st.binary(min_size=4, max_size=16), module=st.sampled_from(["v1", "v3", "v4"]))
@share(0.01)
def test_edited_documents_are_answered_and_a_refusal_changes_nothing(
    terminal: Terminal, script: bytes, module: str
) -> None:
    signed = terminal.signer.document(wasm_bytes(module), version=6, release_counter=3)
    terminal.apply(edited(signed, script))
    terminal.apply(edited(minimal(wasm_bytes(module)), script))
