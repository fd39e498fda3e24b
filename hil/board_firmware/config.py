"""Pins, key layout and identity of the Pico fixture board (the wiring table in README.md).

Kept apart from the logic so a board built with other pins changes this file only.
"""

MODEL = "Pico-HD44780"
FIRMWARE = "1.0"
ROWS = 2
COLS = 20
BAUD = 9600

# UART0: display port (display commands in, keypad codes out).
DISPLAY_UART = 0
DISPLAY_TX = 0
DISPLAY_RX = 1
# UART1: control channel.
CONTROL_UART = 1
CONTROL_TX = 4
CONTROL_RX = 5

# HD44780 in 4-bit mode, R/W tied to GND (the Pico only writes, never reads 5 V).
LCD_RS = 6
LCD_E = 7
LCD_DATA = (8, 9, 10, 11)  # D4..D7
BACKLIGHT_PWM = 20

# 4x4 membrane key matrix: rows driven low one at a time, columns pulled up.
KEY_ROWS = (12, 13, 14, 15)
KEY_COLS = (16, 17, 18, 19)
# Printed legends "1 2 3 A / 4 5 6 B / 7 8 9 C / * 0 # D" -> firmware_host.keys.Key values.
KEY_LAYOUT = (
    ("1", "2", "3", ""),
    ("4", "5", "6", ""),
    ("7", "8", "9", "clear"),
    ("qty", "0", "enter", "backspace"),
)

# Jumper GP21 to GND selects the CD5220 command set; open selects Epson.
CMDSET_JUMPER = 21
