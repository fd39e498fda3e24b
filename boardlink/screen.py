"""Reading a display back: the lines a board shows, classified as the terminal drew them.

The rig reads a board's cells on its control channel and needs to know what they say:
a total, a refused price, an input error. The terminal itself never reads its glass,
so this parser lives on the rig side; it reads the firmware's own texts, in every
language, so it cannot drift from what the terminal draws.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import Enum

from firmware_host.texts import Texts, all_texts


class Shown(Enum):
    PRICE = "price"
    REFUSED = "refused"
    INPUT_ERROR = "input-error"
    FAULT = "fault"
    CLOSED = "closed"
    NOTHING = "nothing"


@dataclass(frozen=True)
class DisplayedOutcome:
    """What a display shows, in any language: a total, a refused price, or an error.

    `languages` lists every language whose texts match (EN, FR and ES share "Total").
    """

    kind: Shown
    languages: tuple[str, ...] = ()
    total: Decimal | None = None
    refused_price: int | None = None
    detail: str | None = None


_INT = re.compile(r"-?[0-9]+")
_AMOUNT = re.compile(r"-?[0-9]+\.[0-9]{2}")


def _read_one(texts: Texts, top: str, bottom: str) -> DisplayedOutcome | None:
    code = (texts.code,)
    label = f"{texts.invalid_price} :"
    if top.startswith(label + " ") and _INT.fullmatch(value := top[len(label) + 1 :]):
        return DisplayedOutcome(Shown.REFUSED, code, refused_price=int(value))
    if top == label and _INT.fullmatch(bottom):
        return DisplayedOutcome(Shown.REFUSED, code, refused_price=int(bottom))
    words = bottom.rsplit(" ", 1)
    if len(words) == 2 and words[0].rstrip() == texts.total and _AMOUNT.fullmatch(words[1]):
        return DisplayedOutcome(Shown.PRICE, code, total=Decimal(words[1]), detail=top)
    simple = {texts.out_of_range: Shown.INPUT_ERROR, texts.fault: Shown.FAULT}
    simple[texts.closed] = Shown.CLOSED
    if top in simple:
        return DisplayedOutcome(simple[top], code, detail=bottom)
    return None


def parse_screen(lines: Sequence[str]) -> DisplayedOutcome:
    """Classify display lines (padded or stripped) as the terminal would have drawn them."""
    padded = [*lines, "", ""]
    top, bottom = padded[0].strip(), padded[1].strip()
    found = [r for t in all_texts() if (r := _read_one(t, top, bottom)) is not None]
    if not found:
        return DisplayedOutcome(Shown.NOTHING)
    first = found[0]
    same = tuple(code for r in found if r.kind is first.kind for code in r.languages)
    return DisplayedOutcome(first.kind, same, first.total, first.refused_price, first.detail)
