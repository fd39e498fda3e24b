"""The simulator app driven through its keypad at a fixed size and a frozen firmware clock.

Expected totals come from the module specifications in the README (v3: full price
when 11 < hour < 14 or 16 < hour < 24, else half; v2: full price when 11 < hour < 24;
the guard refuses anything over 100), not from running the app.
"""

from __future__ import annotations

import hashlib
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from boardlink.screen import Shown, parse_screen
from firmware_host.keys import Key
from price_modules import versions, wasm_bytes
from simulator.ui.keypad import button_id
from tests.documents import Signer
from tests.sim_support import rendered_rows, run, sim_app, type_keys, wait_until

V3_SHA = hashlib.sha256(wasm_bytes("v3")).hexdigest()


def total_of(lines: tuple[str, ...] | list[str]) -> Decimal | None:
    return parse_screen(lines).total


def logged(app: Any, *parts: str) -> bool:
    return any(all(part in line for part in parts) for line in app.event_log.entries)


@pytest.mark.parametrize(("hour", "total"), [(13, "20.00"), (15, "10.00")])
def test_a_typed_sale_shows_the_v3_total_for_the_hour(hour: int, total: str) -> None:
    app = sim_app(hour)

    async def scenario(pilot: Pilot[Any]) -> None:
        await type_keys(pilot, "2x10\n")
        model = app.customer_display.lines
        assert model == ("2 x 10".ljust(20), f"Total{total:>15}")
        assert rendered_rows(pilot, app.customer_display) == list(model)
        assert app.line_display.shown() == model  # the panel draws the driver's model
        [sale] = app.device.journal.recent(5)
        assert (sale.hour, sale.count, sale.unit_price) == (hour, 2, 10)
        assert sale.price == int(Decimal(total))

    run(app, scenario)


def test_buttons_and_keys_share_one_path() -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        for key in (Key.D2, Key.QUANTITY, Key.D1, Key.D0, Key.ENTER):
            await pilot.click(f"#{button_id(key)}")
        await pilot.pause()
        assert total_of(app.customer_display.lines) == Decimal("20.00")
        await type_keys(pilot, "3x7\n")  # then the keyboard, on the same terminal
        assert total_of(app.customer_display.lines) == Decimal("21.00")
        await pilot.press("7", "asterisk", "1", "backspace", "2")
        await pilot.pause()
        assert app.customer_display.lines == ("7 x Unit price".ljust(20), "2".rjust(20))
        await pilot.press("delete")  # the keypad's Del clears
        await pilot.pause()
        assert app.customer_display.lines == ("Enter price".ljust(20), " " * 20)
        await pilot.press("4", "multiply", "5", "enter")  # the keypad's *
        await pilot.pause()
        assert total_of(app.customer_display.lines) == Decimal("20.00")

    run(app, scenario)


def test_setting_the_hour_from_the_ui_changes_the_price() -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        await pilot.press("t", "1", "5", "enter")
        await pilot.pause()
        assert app.clock().hour == 15
        await type_keys(pilot, "2x10\n")
        assert total_of(app.customer_display.lines) == Decimal("10.00")
        await pilot.press("right_square_bracket", "right_square_bracket")  # 17:00
        await type_keys(pilot, "2x10\n")
        assert total_of(app.customer_display.lines) == Decimal("20.00")
        assert logged(app, "terminal time 17:00")
        await pilot.press("n")  # back to the frozen base clock: 13:00
        assert app.clock().hour == 13

    run(app, scenario)


def test_an_hour_out_of_range_is_logged_not_applied() -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        await pilot.press("t", "2", "5", "enter")
        await pilot.pause()
        assert app.clock().hour == 13
        assert logged(app, "hour: expected 0..23, found 25")

    run(app, scenario)


@pytest.mark.parametrize("keys", [("minus",), ("plus",), ("1", "underscore")])
def test_a_sign_or_underscore_in_the_hour_dialog_does_not_crash_the_app(
    keys: tuple[str, ...],
) -> None:
    """Input(type="integer") alone accepts "-", "+" and "1_", which int() refuses."""
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        await pilot.press("t", *keys, "enter")
        await pilot.pause()
        assert app.screen is app.terminal  # the dialog closed, the app still runs
        assert app.clock().hour == (1 if keys[0] == "1" else 13)
        await type_keys(pilot, "2x10\n")
        assert total_of(app.customer_display.lines) == Decimal(
            "10.00" if keys[0] == "1" else "20.00"
        )

    run(app, scenario)


def test_the_guard_refuses_110_and_logs_it() -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        await type_keys(pilot, "11x10\n")
        shown = parse_screen(app.customer_display.lines)
        assert (shown.kind, shown.refused_price) == (Shown.REFUSED, 110)
        assert rendered_rows(pilot, app.customer_display)[0] == "Invalid price : 110 "
        assert logged(app, "guard", "Invalid price : 110")
        [sale] = app.device.journal.recent(5)
        assert (sale.price, sale.error) == (None, "Invalid price : 110")

    run(app, scenario)


async def load_from_dialog(pilot: Pilot[Any], version: str) -> None:
    await pilot.press("l")
    pilot.app.screen.query_one(OptionList).highlighted = versions().index(version)
    await pilot.press("enter")
    await pilot.pause()


def test_v4_is_refused_and_v3_keeps_pricing() -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        await load_from_dialog(pilot, "v4")
        assert logged(app, "refusal", "Incompatible Export Type", "found (i32, i32, i32) -> f32")
        rows = dict(app.module_panel.rows)
        assert (rows["module"], rows["sha256"] + rows[""]) == ("v3", V3_SHA)
        assert "IncompatibleExportType" in rows["last"]
        await type_keys(pilot, "2x10\n")
        assert total_of(app.customer_display.lines) == Decimal("20.00")

    run(app, scenario)


def test_a_catalogue_module_swaps_from_the_dialog() -> None:
    app = sim_app(15)

    async def scenario(pilot: Pilot[Any]) -> None:
        await load_from_dialog(pilot, "v2")
        assert dict(app.module_panel.rows)["module"] == "v2"
        await type_keys(pilot, "2x10\n")  # v2 at 15:00 (11 < hour < 24): full price
        assert total_of(app.customer_display.lines) == Decimal("20.00")

    run(app, scenario)


def test_a_signed_document_swaps_the_module(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "keys")
    v2 = wasm_bytes("v2")
    document = tmp_path / "v2.json"
    document.write_bytes(signer.document(v2, version=5, release_counter=2))
    app = sim_app(13, trust_dir=tmp_path / "keys")

    async def scenario(pilot: Pilot[Any]) -> None:
        await pilot.press("l")
        await pilot.press("tab")  # from the version list to the path field
        field = pilot.app.screen.query_one(Input)
        assert field.has_focus
        field.value = str(document)
        await pilot.press("enter")
        await wait_until(pilot, lambda: dict(app.module_panel.rows)["release"] == "2", "a swap")
        rows = dict(app.module_panel.rows)
        assert rows["sha256"] + rows[""] == hashlib.sha256(v2).hexdigest()
        assert (rows["key"], rows["module"]) == ("ops-2026", "v2, document version 5")
        panel = "\n".join(rendered_rows(pilot, app.module_panel))
        assert hashlib.sha256(v2).hexdigest()[32:] in panel
        assert logged(app, "swap", "v2")

    run(app, scenario)


def test_a_tampered_document_is_refused(tmp_path: Path) -> None:
    signer = Signer(tmp_path / "keys")
    document = tmp_path / "bad.json"
    signed = signer.document(wasm_bytes("v2"), version=5, release_counter=2).decode()
    assert '"tax": 0.0' in signed
    document.write_text(signed.replace('"tax": 0.0', '"tax": 0.5'))  # changed after signing
    app = sim_app(13, trust_dir=tmp_path / "keys")

    async def scenario(pilot: Pilot[Any]) -> None:
        app.apply_document(document)
        await pilot.pause()
        assert logged(app, "refusal", "BadSignature")
        assert dict(app.module_panel.rows)["module"] == "v3"

    run(app, scenario)


def test_a_missing_document_file_is_a_logged_refusal(tmp_path: Path) -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        app.apply_document(tmp_path / "nope.json")
        await pilot.pause()
        assert logged(app, "DocumentUnreadable", "nope.json")

    run(app, scenario)


def test_production_mode_starts_closed_and_refuses_catalogue_loads() -> None:
    app = sim_app(13, dev_mode=False)

    async def scenario(pilot: Pilot[Any]) -> None:
        assert parse_screen(app.customer_display.lines).kind is Shown.CLOSED
        await load_from_dialog(pilot, "v3")
        assert logged(app, "refusal", "DevelopmentModeRequired")
        assert dict(app.module_panel.rows)["module"] == "none installed"

    run(app, scenario)


def test_help_screen_opens_and_closes() -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        await pilot.press("question_mark")
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        assert app.screen is app.terminal
        await type_keys(pilot, "5\n")  # the keypad works again once the dialog is gone
        assert total_of(app.customer_display.lines) == Decimal("5.00")

    run(app, scenario)


def test_a_small_terminal_still_shows_the_display_and_keypad() -> None:
    app = sim_app(13)

    async def scenario(pilot: Pilot[Any]) -> None:
        await type_keys(pilot, "2x10\n")
        assert {"-narrow", "-short"} <= set(app.terminal.classes)
        assert rendered_rows(pilot, app.customer_display)[1] == "Total          20.00"
        assert app.terminal.query_one("#keypad").region.height > 0

    run(app, scenario, size=(60, 20))
