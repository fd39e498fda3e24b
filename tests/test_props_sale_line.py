"""Properties of `pos-firmware run`'s sale-line path: any line gets one answer line in
a known form, the loop never ends early, and the journal stays usable throughout.

A count of 2^63 used to raise OverflowError inside the journal's open transaction, and
every later sale then failed: here no answer may ever name a JournalError, and every
journaled sale takes the next id.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_host.cli_firmware import serve
from firmware_host.device import Device
from price_modules import wasm_bytes
from tests.props import any_text, big_integers, share

ANSWER = re.compile(
    r"(?P<id>[0-9]+) price -?[0-9]+"
    r"|(?P<refused_id>[0-9]+) refused (InvalidInput|InvalidPrice|ModuleTrap): .+"
    r"|- refused (InvalidInput|TerminalClosed|NoInstalledModule): .+"
    r"|error: expected 'count unit_price' \(two integers\), found .+"
)


class Till:
    """A development-mode device running v3, and the ids its answers have used."""

    def __init__(self, device: Device) -> None:
        self.device = device
        self.last_id = 0

    def answer(self, text: str) -> list[str]:
        """Serve `text` as stdin; check every answer's form and that ids only grow."""
        out = io.StringIO()
        serve(self.device, io.StringIO(text), out)
        answers = out.getvalue().splitlines()
        assert len(answers) == sum(1 for line in io.StringIO(text) if line.strip())
        for line in answers:
            found = ANSWER.fullmatch(line)
            assert found is not None, line
            sale_id = found["id"] or found["refused_id"]
            if sale_id is not None:
                assert int(sale_id) == self.last_id + 1, (line, self.last_id)
                self.last_id = int(sale_id)
        return answers


@pytest.fixture(scope="module")
def till(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Till]:
    with Device(tmp_path_factory.mktemp("state"), dev_mode=True, clock=None) as device:
        assert device.load_module(wasm_bytes("v3"), label="v3").accepted
        yield Till(device)


@given(text=any_text)
@share(1)
def test_any_text_gets_one_answer_per_line(till: Till, text: str) -> None:
    till.answer(text)


spaces = st.text(st.sampled_from(" \t\u00a0\u2003\x1c\x0b"), min_size=1, max_size=3)
digits = st.sampled_from("0123456789\u0663\u00b2\u06f5\u07c2")  # and Unicode digits


@given(
    count=big_integers | st.text(digits, min_size=1, max_size=12),
    unit_price=big_integers | st.text(digits, min_size=1, max_size=12),
    gap=spaces,
)
@share(0.02)
def test_any_two_numbers_are_a_sale_a_refusal_or_an_error_and_the_next_sale_works(
    till: Till, count: int | str, unit_price: int | str, gap: str
) -> None:
    answers = till.answer(f"{count}{gap}{unit_price}\n0 50\n")
    assert answers[-1] == f"{till.last_id} price 0"
