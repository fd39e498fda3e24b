"""A stand-in for MicroPython's `time` (ticks and sleeps), for the tests only.

The firmware's sleeps (LCD timing) and its key debounce read the clock; a virtual one
makes both interpreters see the same time whatever the host's speed, and makes the
LCD's 50 ms power-on wait cost nothing. Plain module for MicroPython and CPython.
"""

now_us = [0]


def ticks_us() -> int:
    return now_us[0]


def ticks_ms() -> int:
    return now_us[0] // 1000


def ticks_diff(end: int, start: int) -> int:
    return end - start


def ticks_add(ticks: int, delta: int) -> int:
    return ticks + delta


def sleep_us(us: int) -> None:
    now_us[0] += us


def sleep_ms(ms: int) -> None:
    now_us[0] += ms * 1000


def sleep(seconds: float) -> None:
    now_us[0] += int(seconds * 1000000)
