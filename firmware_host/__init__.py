"""The terminal's host firmware: loads, checks, guards and hot-swaps price modules.

This package never imports textual or pytest: it is the code that ships on a device.
"""
