"""What the customer display says, per language, found through a registry.

Texts are plain ASCII and at most 20 characters, so every customer display code page
renders them and each fits one line of a 2 x 20 display. The guard's label in English
is the product's contract: `Invalid price : N`.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

from firmware_host.errors import UnknownLanguage

MAX_TEXT = 20


@dataclass(frozen=True)
class Texts:
    """One language's display texts; `code` is what configuration documents name."""

    code: str
    name: str
    enter_price: str
    quantity: str
    unit_price: str
    total: str
    invalid_price: str
    refused: str
    out_of_range: str
    fault: str
    attendant: str
    closed: str
    closed_hint: str

    def field_label(self, field: str) -> str:
        """Display label of a sale input named as in `InvalidInput.field`."""
        return {"count": self.quantity, "unit_price": self.unit_price}.get(field, field)

    def display_texts(self) -> tuple[str, ...]:
        return tuple(getattr(self, f.name) for f in fields(self) if f.name not in ("code", "name"))


_REGISTRY: dict[str, Texts] = {}


def register(texts: Texts) -> Texts:
    """Add a language; refused if a text is not ASCII or does not fit a line."""
    for text in texts.display_texts():
        if not text.isascii() or not 0 < len(text) <= MAX_TEXT:
            raise ValueError(f"{texts.code} text {text!r}: expected 1..{MAX_TEXT} ASCII characters")
    _REGISTRY[texts.code] = texts
    return texts


def languages() -> tuple[str, ...]:
    return tuple(sorted(_REGISTRY))


def texts_for(code: str) -> Texts:
    try:
        return _REGISTRY[code]
    except KeyError:
        raise UnknownLanguage(
            f"language: expected one of {', '.join(languages())}, found {code!r}"
        ) from None


def all_texts() -> tuple[Texts, ...]:
    return tuple(_REGISTRY[code] for code in languages())


EN = register(
    Texts(
        code="EN",
        name="English",
        enter_price="Enter price",
        quantity="Qty",
        unit_price="Unit price",
        total="Total",
        invalid_price="Invalid price",
        refused="Sale refused",
        out_of_range="Out of range",
        fault="Pricing fault",
        attendant="Call attendant",
        closed="Terminal closed",
        closed_hint="Please use next till",
    )
)
DE = register(
    Texts(
        code="DE",
        name="Deutsch",
        enter_price="Preis eingeben",
        quantity="Menge",
        unit_price="Einzelpreis",
        total="Summe",
        invalid_price="Preis ungueltig",
        refused="Verkauf abgelehnt",
        out_of_range="Ausser Bereich",
        fault="Preisfehler",
        attendant="Bitte Personal rufen",
        closed="Kasse geschlossen",
        closed_hint="Bitte andere Kasse",
    )
)
FR = register(
    Texts(
        code="FR",
        name="Francais",
        enter_price="Entrez le prix",
        quantity="Qte",
        unit_price="Prix unitaire",
        total="Total",
        invalid_price="Prix invalide",
        refused="Vente refusee",
        out_of_range="Hors limites",
        fault="Erreur de prix",
        attendant="Appelez un vendeur",
        closed="Caisse fermee",
        closed_hint="Caisse suivante svp",
    )
)
ES = register(
    Texts(
        code="ES",
        name="Espanol",
        enter_price="Introduzca precio",
        quantity="Cant",
        unit_price="Precio unidad",
        total="Total",
        invalid_price="Precio no valido",
        refused="Venta rechazada",
        out_of_range="Fuera de rango",
        fault="Error de precio",
        attendant="Llame al personal",
        closed="Caja cerrada",
        closed_hint="Use otra caja",
    )
)
