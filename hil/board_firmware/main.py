"""Fixture board firmware for a Raspberry Pi Pico: display port, control channel, keypad.

Copied to the board as /main.py (README.md). The protocol work is the shared core in
boardcore, the same code the virtual board runs, moved between the UARTs by fixture.py;
this file only builds the hardware (UARTs, key matrix, LCD) from `machine` and loops.
"""

import binascii

import machine
from machine import UART, Pin

from boardcore.board import Board
from hil.board_firmware import config
from hil.board_firmware.fixture import Fixture, command_set
from hil.board_firmware.keymatrix import KeyMatrix
from hil.board_firmware.lcd import Lcd


def make_board() -> Board:
    jumper = Pin(config.CMDSET_JUMPER, Pin.IN, Pin.PULL_UP)
    serial = binascii.hexlify(machine.unique_id()).decode()
    cmdset = command_set(jumper.value())
    return Board(cmdset, config.ROWS, config.COLS, config.MODEL, config.FIRMWARE, serial)


def open_uart(number: int, tx: int, rx: int) -> UART:
    return UART(number, baudrate=config.BAUD, bits=8, parity=None, stop=1, tx=Pin(tx), rx=Pin(rx))


def start() -> tuple[Fixture, KeyMatrix, Lcd]:
    """The board, its two UARTs, its key matrix and its LCD, as wired in config.py."""
    display = open_uart(config.DISPLAY_UART, config.DISPLAY_TX, config.DISPLAY_RX)
    control = open_uart(config.CONTROL_UART, config.CONTROL_TX, config.CONTROL_RX)
    fixture = Fixture(make_board(), display, control, config.BAUD)
    keys = KeyMatrix(config.KEY_ROWS, config.KEY_COLS, config.KEY_LAYOUT)
    lcd = Lcd(config.LCD_RS, config.LCD_E, config.LCD_DATA, config.BACKLIGHT_PWM)
    return fixture, keys, lcd


def turn(fixture: Fixture, keys: KeyMatrix, lcd: Lcd) -> None:
    """One turn of the main loop: UARTs, then the key matrix, then the glass."""
    fixture.poll()
    pressed = keys.scan()
    if pressed:
        fixture.press(pressed)
    lcd.show(fixture.board.cells)


def run() -> None:
    fixture, keys, lcd = start()
    while True:
        turn(fixture, keys, lcd)


if __name__ == "__main__":  # MicroPython runs /main.py as __main__ at boot
    run()
