"""The board side of the display wire contract, shared by every board we build.

The virtual board (simulator/) and the MicroPython fixture firmware (hil/board_firmware/)
both run these modules, and the host's keypad reader uses the key-code table, so the
two ends of the wire cannot drift apart. Plain modules only: they import each other and
nothing MicroPython lacks (no dataclasses, enum, typing, abc or re at runtime).
"""
