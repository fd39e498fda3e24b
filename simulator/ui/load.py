"""The load dialog: a catalogue module version, or a desired-state JSON file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from price_modules import manifest, versions


@dataclass(frozen=True)
class LoadRequest:
    """Exactly one of: a catalogue version, or a document file."""

    version: str | None = None
    document: Path | None = None


def version_option(version: str) -> Option:
    info = manifest(version)
    return Option(f"{version}  {info.name:<11} {info.signature}", id=version)


class LoadScreen(ModalScreen[LoadRequest | None]):
    BINDINGS: ClassVar[list[BindingType]] = [("escape", "dismiss(None)", "cancel")]

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Label("Load a module from the catalogue (development mode):")
            yield OptionList(*(version_option(v) for v in versions()), id="versions")
            yield Label("or apply a desired-state document (path, then Enter):")
            yield Input(placeholder="path/to/document.json", id="document")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self.dismiss(LoadRequest(version=event.option.id))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        path = event.value.strip()
        self.dismiss(LoadRequest(document=Path(path).expanduser()) if path else None)
