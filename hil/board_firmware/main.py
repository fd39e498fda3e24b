"""Fixture board firmware for a Raspberry Pi Pico: display port, control channel, keypad.

Copied to the board as /main.py (README.md). The protocol work is the shared core in
boardcore, the same code the virtual board runs; this loop only moves
bytes between it and the UARTs, the key matrix and the LCD.
"""

import binascii

import machine
from machine import UART, Pin

from boardcore.board import Board
from hil.board_firmware import config
from hil.board_firmware.keymatrix import KeyMatrix
from hil.board_firmware.lcd import Lcd


def make_board() -> Board:
    jumper = Pin(config.CMDSET_JUMPER, Pin.IN, Pin.PULL_UP)
    cmdset = "cd5220" if jumper.value() == 0 else "epson"
    serial = binascii.hexlify(machine.unique_id()).decode()
    return Board(cmdset, config.ROWS, config.COLS, config.MODEL, config.FIRMWARE, serial)


def open_uart(number: int, tx: int, rx: int) -> UART:
    return UART(number, baudrate=config.BAUD, bits=8, parity=None, stop=1, tx=Pin(tx), rx=Pin(rx))


def send_keys(board: Board, display: UART) -> None:
    """Keypad codes out on the display port, waiting until they have left the UART."""
    out = board.take_display_output()
    if out:
        display.write(out)
        display.flush()


def run() -> None:
    board = make_board()
    display = open_uart(config.DISPLAY_UART, config.DISPLAY_TX, config.DISPLAY_RX)
    control = open_uart(config.CONTROL_UART, config.CONTROL_TX, config.CONTROL_RX)
    keys = KeyMatrix(config.KEY_ROWS, config.KEY_COLS, config.KEY_LAYOUT)
    lcd = Lcd(config.LCD_RS, config.LCD_E, config.LCD_DATA, config.BACKLIGHT_PWM)
    while True:
        waiting = display.any()
        if waiting:
            board.receive_display(display.read(waiting))
        waiting = control.any()
        if waiting:
            answer = board.receive_control(control.read(waiting))
            send_keys(board, display)  # a KEY's code goes out before its answer
            control.write(answer)
        pressed = keys.scan()
        if pressed:
            board.press(pressed)
        send_keys(board, display)
        lcd.show(board.cells)


if __name__ == "__main__":  # MicroPython runs /main.py as __main__ at boot
    run()
