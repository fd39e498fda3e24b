"""The rig's link to a fixture board: its control channel, the rig's errors, and reading
back what a display shows.

The terminal firmware (firmware_host/) never needs any of this: a real terminal drives
its display and reads its keypad, it does not read its own glass back. The simulator's
board mirror and the HIL rig both do, so it lives here, beside them and above the
firmware.
"""
