"""Our bulk discount on the rig's boards, through the public fixtures only.

`hil_terminal` is the terminal firmware on each board of the rig running our module
(bulk_discount, named in pytest.ini); `hil_board` is the board itself. With no rig
named, the rig starts two virtual boards (epson, cd5220) on PTYs.
"""

from decimal import Decimal

import pytest

from firmware_host.keys import Key


def total(shown):
    """The total the customer display shows, as the rig reads it back."""
    assert shown.shown.total is not None, f"expected a total, found {shown.lines!r}"
    return shown.shown.total


def test_a_few_items_are_full_price(hil_terminal):
    assert total(hil_terminal.sell(2, 10, hour=13)) == Decimal("20.00")


def test_ten_items_are_ten_percent_off(hil_terminal):
    assert total(hil_terminal.sell(10, 5, hour=9)) == Decimal("45.00")


def test_a_hundred_items_are_twenty_percent_off(hil_terminal):
    assert total(hil_terminal.sell(100, 1, hour=21)) == Decimal("80.00")


def test_a_discounted_price_over_the_limit_is_still_refused(hil_terminal):
    shown = hil_terminal.sell(12, 10, hour=0)
    assert shown.shown.refused_price == 108
    assert shown.lines[0].startswith("Invalid price : 108")


def test_the_sale_is_priced_by_our_module(hil_terminal, hil_module):
    assert hil_terminal.sell(3, 7, hour=15).priced_by == hil_module.sha256


def test_a_sale_typed_key_by_key(hil_terminal):
    hil_terminal.clock.set_hour(18)
    hil_terminal.press(Key.CLEAR, Key.D1, Key.D0, Key.QUANTITY, Key.D9)
    assert total(hil_terminal.enter(Key.ENTER)) == Decimal("81.00")


@pytest.mark.hil_board(cmdset="cd5220")
def test_the_pole_display_reads_back_what_it_shows(hil_terminal, hil_board):
    hil_terminal.sell(1, 50, hour=13)
    assert hil_board.lines()[1].rstrip().endswith("50.00")
    assert hil_board.identity.cmdset == "cd5220"
