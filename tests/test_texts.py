"""Display texts: the registry, its languages, and what fits on a 20-column line."""

from __future__ import annotations

import dataclasses
import itertools

import pytest

from firmware_host.errors import UnknownLanguage
from firmware_host.terminal import refusal_lines
from firmware_host.texts import EN, MAX_TEXT, all_texts, languages, register, texts_for


def test_languages_in_the_registry() -> None:
    assert languages() == ("DE", "EN", "ES", "FR")
    assert [t.code for t in all_texts()] == list(languages())
    assert texts_for("FR").total == "Total"


def test_unknown_language_names_field_and_choices() -> None:
    with pytest.raises(UnknownLanguage) as caught:
        texts_for("en")
    assert str(caught.value) == "language: expected one of DE, EN, ES, FR, found 'en'"


def test_guard_message_in_english_is_the_contract() -> None:
    assert refusal_lines(EN, 110, 20) == ("Invalid price : 110", "Sale refused")
    assert refusal_lines(EN, 1100, 20) == ("Invalid price : 1100", "Sale refused")
    assert refusal_lines(EN, 12345, 20) == ("Invalid price :", "12345".rjust(20))


def test_every_text_is_ascii_and_fits_a_line() -> None:
    for texts in all_texts():
        for text in texts.display_texts():
            assert text.isascii() and 0 < len(text) <= MAX_TEXT, (texts.code, text)


def test_register_refuses_a_text_that_does_not_fit() -> None:
    too_long = dataclasses.replace(EN, code="XX", closed="Terminal is now closed")
    with pytest.raises(ValueError, match=r"XX text 'Terminal is now closed': expected 1\.\.20"):
        register(too_long)
    accented = dataclasses.replace(EN, code="XX", total="Gesamtbetrag \u00fc")
    with pytest.raises(ValueError, match="ASCII"):
        register(accented)
    assert "XX" not in languages()


def test_screens_of_different_kinds_never_share_a_text() -> None:
    """parse_screen tells outcomes apart by these texts, in whichever language."""
    kinds = ("invalid_price", "out_of_range", "fault", "closed", "enter_price")
    for (kind_a, kind_b), a, b in itertools.product(
        itertools.combinations(kinds, 2), all_texts(), all_texts()
    ):
        assert getattr(a, kind_a) != getattr(b, kind_b), (a.code, kind_a, b.code, kind_b)
