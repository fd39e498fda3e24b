"""Key presses from a board's keypad: display-port bytes in, terminal Key events out.

A board sends one byte per key press back on the display port: the ASCII byte a
terminal keyboard sends for the same key. The boards keep their own copy of this wire
contract (boardcore/keycodes.py, which must also run on MicroPython); a test holds the
two equal. Line noise, a display echoing, or a half-plugged cable can put other bytes
on that line; they are counted and dropped, never turned into a key or an exception.
"""

from __future__ import annotations

from firmware_host.deadlines import now
from firmware_host.errors import DeadlineExceeded
from firmware_host.keys import Key
from firmware_host.transport import SerialPort

KEY_CODES: dict[Key, int] = {
    **{Key.from_digit(d): ord(str(d)) for d in range(10)},
    Key.QUANTITY: ord("*"),
    Key.ENTER: 0x0D,  # CR
    Key.CLEAR: 0x18,  # CAN
    Key.BACKSPACE: 0x08,  # BS
}
CODE_KEYS: dict[int, Key] = {code: key for key, code in KEY_CODES.items()}


class KeypadDecoder:
    """Pure: bytes in, keys out; remembers how much noise it has dropped."""

    def __init__(self) -> None:
        self.noise_bytes = 0

    def feed(self, data: bytes) -> list[Key]:
        keys = [CODE_KEYS[code] for code in data if code in CODE_KEYS]
        self.noise_bytes += len(data) - len(keys)
        return keys


class KeypadReader:
    """The display port's receive side, read with deadlines."""

    def __init__(self, port: SerialPort) -> None:
        self.port = port
        self.decoder = KeypadDecoder()
        self._queue: list[Key] = []

    def poll(self, timeout: float = 0.0) -> list[Key]:
        """Keys that arrive within `timeout` (all queued ones first); [] when none."""
        if not self._queue:
            self._queue.extend(self.decoder.feed(self.port.read(256, timeout=timeout)))
        keys, self._queue = self._queue, []
        return keys

    def next_key(self, timeout: float) -> Key:
        """The next key press, skipping noise, or DeadlineExceeded."""
        deadline = now() + timeout
        while not self._queue:
            left = deadline - now()
            if left <= 0:
                raise DeadlineExceeded(
                    f"expected a key press on {self.port.url} within {timeout:g} s, found "
                    f"none ({self.decoder.noise_bytes} noise bytes dropped so far)"
                )
            self._queue.extend(self.decoder.feed(self.port.read(256, timeout=left)))
        return self._queue.pop(0)
