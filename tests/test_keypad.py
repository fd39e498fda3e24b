"""Keypad bytes to Key events: the documented codes, noise dropped, deadlines kept."""

from __future__ import annotations

import os

import pytest

from firmware_host.errors import DeadlineExceeded
from firmware_host.keypad import KeypadDecoder, KeypadReader
from firmware_host.keys import Key
from firmware_host.transport import SerialPort
from tests.serial_helpers import pty_pair

# The contract of docs/serial-protocols.md, typed here: digits are ASCII '0'..'9',
# QUANTITY '*' (0x2A), ENTER CR (0x0D), CLEAR CAN (0x18), BACKSPACE BS (0x08).
CONTRACT = {
    **{0x30 + digit: Key.from_digit(digit) for digit in range(10)},
    0x2A: Key.QUANTITY,
    0x0D: Key.ENTER,
    0x18: Key.CLEAR,
    0x08: Key.BACKSPACE,
}


@pytest.mark.parametrize(("code", "key"), sorted(CONTRACT.items()))
def test_each_documented_code_is_its_key(code: int, key: Key) -> None:
    assert KeypadDecoder().feed(bytes([code])) == [key]


def test_every_other_byte_is_noise() -> None:
    decoder = KeypadDecoder()
    noise = bytes(code for code in range(256) if code not in CONTRACT)
    assert decoder.feed(noise) == []
    assert decoder.noise_bytes == 256 - len(CONTRACT)


def test_keys_survive_noise_between_them() -> None:
    decoder = KeypadDecoder()
    assert decoder.feed(b"\x00\xff3\x1b*\x7f7\r") == [Key.D3, Key.QUANTITY, Key.D7, Key.ENTER]
    assert decoder.noise_bytes == 4


def test_reader_takes_keys_from_the_display_port() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        reader = KeypadReader(port)
        os.write(master, b"\xfe1\x00\x08")
        assert reader.next_key(timeout=2.0) is Key.D1
        assert reader.next_key(timeout=2.0) is Key.BACKSPACE
        assert reader.poll() == []


def test_garbage_only_ends_in_a_deadline_that_counts_the_noise() -> None:
    with pty_pair() as (master, path), SerialPort(path) as port:
        reader = KeypadReader(port)
        os.write(master, b"\x00\x01\x02\xff")
        with pytest.raises(DeadlineExceeded, match=r"found none \(4 noise bytes"):
            reader.next_key(timeout=0.3)
