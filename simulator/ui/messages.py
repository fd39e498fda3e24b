"""Messages from widgets and worker threads to the app.

Worker threads never touch widgets; they post these (`post_message` is thread-safe) and
the app handles them on its own thread.
"""

from __future__ import annotations

from pathlib import Path

from textual.message import Message

from firmware_host.device import DeviceEvent
from firmware_host.keys import Key


class KeypadPressed(Message):
    """A key from any source: a button, the keyboard, or a board's keypad."""

    def __init__(self, key: Key) -> None:
        super().__init__()
        self.key = key


class DeviceEventPosted(Message):
    """The device reported an event (possibly from a worker thread)."""

    def __init__(self, event: DeviceEvent) -> None:
        super().__init__()
        self.event = event


class WorkerStatus(Message):
    """A worker (board mirror, folder watch) changed state."""

    def __init__(self, source: str, text: str) -> None:
        super().__init__()
        self.source = source
        self.text = text


class DocumentApplied(Message):
    """A document from the watched folder went through the device."""

    def __init__(self, path: Path, accepted: bool, reason: str) -> None:
        super().__init__()
        self.path = path
        self.accepted = accepted
        self.reason = reason


class TerminalReady(Message):
    """The main screen is composed: the app may start logging and its workers."""
