"""Hot swap: a module changes only between two sales, never during one."""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from firmware_host.device import Device
from firmware_host.pricing import Outcome, Priced
from price_modules import wasm_bytes
from tests import spec
from tests.documents import Signer

SWAPS = 40
DEADLINE_S = 10.0
HOUR = 15  # v2 charges full price at 15:00, v3 half: every sale tells them apart
VERSIONS = ("v2", "v3")
BY_SHA = {hashlib.sha256(wasm_bytes(v)).hexdigest(): v for v in VERSIONS}


def shop_clock() -> datetime:
    return datetime(2026, 1, 1, HOUR, 0)


def utc_clock() -> datetime:
    return datetime(2026, 1, 1, tzinfo=UTC)


def make_device(
    tmp_path: Path, clock: Callable[[], datetime] = shop_clock
) -> tuple[Device, Signer]:
    signer = Signer(tmp_path / "keys")
    device = Device(tmp_path / "state", trust=signer.trust, clock=clock, utc_clock=utc_clock)
    return device, signer


def wait_for(condition: threading.Condition, predicate: Callable[[], bool]) -> None:
    with condition:
        assert condition.wait_for(predicate, timeout=DEADLINE_S), "deadline passed"


def test_every_sale_during_many_swaps_comes_wholly_from_one_module(tmp_path: Path) -> None:
    device, signer = make_device(tmp_path)
    documents = [
        signer.document(wasm_bytes(VERSIONS[i % 2]), version=i + 1, release_counter=i + 1)
        for i in range(SWAPS)
    ]
    applied_sha = {
        i + 1: hashlib.sha256(wasm_bytes(VERSIONS[i % 2])).hexdigest() for i in range(SWAPS)
    }
    outcomes: list[Outcome] = []
    sales_done = threading.Condition()
    stop = threading.Event()
    rng = random.Random(7)

    def sell() -> None:
        while not stop.is_set():
            count = rng.randint(0, 12)
            outcome = device.price(count, 10)
            with sales_done:
                outcomes.append(outcome)
                sales_done.notify_all()

    seller = threading.Thread(target=sell)
    device.apply_document(documents[0])
    seller.start()
    try:
        for document in documents[1:]:
            seen = len(outcomes)
            report = device.apply_document(document)
            assert report.accepted, report.ack
            wait_for(sales_done, lambda seen=seen: len(outcomes) >= seen + 2)  # type: ignore[misc]
    finally:
        stop.set()
        seller.join(DEADLINE_S)
    assert not seller.is_alive()

    for outcome in outcomes:
        version = BY_SHA[outcome.module_sha256]
        expected = spec.expected(version, outcome.count, outcome.unit_price, HOUR)
        if isinstance(outcome, Priced):
            assert outcome.price == expected, (version, outcome)
        else:
            assert str(outcome.error) == f"Invalid price : {int(expected)}", (version, outcome)
    rows = device.journal.sales()
    assert len(rows) == len(outcomes)
    for row in rows:
        assert row.config_version is not None
        assert row.module_sha256 == applied_sha[row.config_version], row
    assert {row.config_version for row in rows} == set(range(1, SWAPS + 1))
    device.close()


def test_a_swap_waits_for_the_sale_in_progress(tmp_path: Path) -> None:
    in_sale = threading.Event()
    finish_sale = threading.Event()
    hold = threading.Event()

    def clock() -> datetime:
        if hold.is_set():
            hold.clear()
            in_sale.set()
            assert finish_sale.wait(DEADLINE_S)
        return shop_clock()

    device, signer = make_device(tmp_path, clock)
    device.apply_document(signer.document(wasm_bytes("v2"), version=1, release_counter=1))
    installed = threading.Event()
    real_install = device.store.install

    def install(*args: Any, **kwargs: Any) -> None:
        real_install(*args, **kwargs)
        installed.set()

    device.store.install = install  # type: ignore[method-assign]
    results: dict[str, Any] = {}
    hold.set()
    sale = threading.Thread(target=lambda: results.update(sale=device.price(2, 10)))
    sale.start()
    assert in_sale.wait(DEADLINE_S)
    v3 = wasm_bytes("v3")
    swap = threading.Thread(
        target=lambda: results.update(
            report=device.apply_document(signer.document(v3, version=2, release_counter=2))
        )
    )
    swap.start()
    assert installed.wait(DEADLINE_S)  # the new module is compiled and durable...
    assert swap.is_alive()  # ...but the swap waits for the sale
    running = device.reported().running
    assert running is not None and BY_SHA[running.sha256] == "v2"
    finish_sale.set()
    sale.join(DEADLINE_S)
    swap.join(DEADLINE_S)
    v2_sha256 = hashlib.sha256(wasm_bytes("v2")).hexdigest()
    assert results["sale"] == Priced(2, 10, HOUR, 20, v2_sha256, shop_clock())
    assert results["report"].accepted
    assert device.price(2, 10).module_sha256 == hashlib.sha256(v3).hexdigest()
    device.close()
