"""The terminal keypad: buttons and keyboard keys, both becoming `KeypadPressed`.

`KEYBOARD` is the one table of keyboard names per key: the classic name and the one a
terminal with the kitty keyboard protocol sends for the numeric keypad ("multiply" for
the keypad's *, "delete" for its Del). The buttons and the bindings built from it post
the same message, so every input path reaches the terminal through one handler.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Grid
from textual.widgets import Button

from firmware_host.keys import Key
from simulator.ui.messages import KeypadPressed

# Key -> (button label, keyboard names, footer description or "" to keep it out).
KEYBOARD: dict[Key, tuple[str, tuple[str, ...], str]] = {
    **{Key.from_digit(d): (str(d), (str(d),), "") for d in range(10)},
    Key.QUANTITY: ("QTY x", ("x", "asterisk", "multiply"), "quantity"),
    Key.ENTER: ("ENTER", ("enter",), ""),
    Key.CLEAR: ("CLEAR", ("escape", "delete"), "clear"),
    Key.BACKSPACE: ("<-", ("backspace",), ""),
}

KEY_DISPLAY = {"escape": "esc"}

# Button grid, top row first, as on a POS keypad (7 8 9 at the top).
LAYOUT = (
    (Key.D7, Key.D8, Key.D9),
    (Key.D4, Key.D5, Key.D6),
    (Key.D1, Key.D2, Key.D3),
    (Key.CLEAR, Key.D0, Key.BACKSPACE),
    (Key.QUANTITY, Key.ENTER),
)


def key_bindings() -> list[Binding]:
    """Screen bindings for every keyboard name in `KEYBOARD`."""
    bindings = []
    for key, (_, names, description) in KEYBOARD.items():
        bindings.append(
            Binding(
                ",".join(names),
                f"keypad('{key.value}')",
                description or key.value,
                show=bool(description),
                key_display=KEY_DISPLAY.get(names[0], names[0]) if description else None,
                priority=True,
            )
        )
    return bindings


def button_id(key: Key) -> str:
    return f"key-{key.name.lower()}"


class KeyButton(Button, can_focus=False):
    """Not focusable: a focused button would take ENTER for itself."""

    def __init__(self, key: Key) -> None:
        label = KEYBOARD[key][0]
        super().__init__(label, id=button_id(key), classes="key")
        self.key = key


class Keypad(Grid):
    """The buttons; a press posts `KeypadPressed`, as a keyboard key does."""

    def compose(self) -> ComposeResult:
        for row in LAYOUT:
            for key in row:
                yield KeyButton(key)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if isinstance(event.button, KeyButton):
            event.stop()
            self.post_message(KeypadPressed(event.button.key))
