"""Keypad codes a board sends to the host on the display port, one byte per key press.

The display port is a plain serial line with the host talking and the board mostly
listening, so the board's keys travel back on the same wire as single bytes. The codes
are the ASCII bytes a terminal keyboard would send for the same key, so a person can
also drive a board from a serial console. Every other byte is noise and is ignored.

Keys are named by the `firmware_host.keys.Key` values (plain strings here, so this
module also runs under MicroPython).
"""

# (name, code) in the documented order: MicroPython's dicts do not keep insertion
# order, so anything that lists the keys (error messages) iterates this tuple.
KEY_TABLE = (
    ("0", 0x30),
    ("1", 0x31),
    ("2", 0x32),
    ("3", 0x33),
    ("4", 0x34),
    ("5", 0x35),
    ("6", 0x36),
    ("7", 0x37),
    ("8", 0x38),
    ("9", 0x39),
    ("qty", 0x2A),  # '*'
    ("enter", 0x0D),  # CR
    ("clear", 0x18),  # CAN
    ("backspace", 0x08),  # BS
)
KEY_CODES = dict(KEY_TABLE)
KEY_NAMES = tuple(name for name, _ in KEY_TABLE)

CODE_KEYS = {code: name for name, code in KEY_CODES.items()}
