"""MicroPython firmware of the rig's fixture board (Raspberry Pi Pico); see README.md."""
