"""Properties of the sales journal: any sale is committed or refused as a JournalError,
never half-written, and the journal records the next sale either way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from firmware_host.errors import JournalError
from firmware_host.journal import Journal, Sale
from tests.props import any_text, big_integers, share

GOOD = Sale(
    at=datetime(2026, 1, 1, 13),
    hour=13,
    count=2,
    unit_price=10,
    price=20,
    error_kind=None,
    error=None,
    tax=0.1,
    module_sha256="ab" * 32,
    config_version=1,
)

sales = st.builds(
    Sale,
    at=st.datetimes(),
    hour=big_integers,
    count=big_integers,
    unit_price=big_integers,
    price=st.none() | big_integers,
    error_kind=st.none() | any_text,
    error=st.none() | any_text,
    tax=st.floats(),
    module_sha256=st.none() | any_text,
    config_version=st.none() | big_integers,
)


@pytest.fixture(scope="module")
def journal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Journal]:
    journal = Journal(tmp_path_factory.mktemp("journal") / "journal.sqlite3")
    yield journal
    journal.close()


@given(sale=sales)
@share(0.01)
def test_any_sale_is_committed_or_refused_and_the_next_one_is_committed(
    journal: Journal, sale: Sale
) -> None:
    before = journal.recent(1)
    try:
        sale_id = journal.record(sale)
    except JournalError:
        assert journal.recent(1) == before  # nothing half-written
    else:
        [row] = journal.recent(1)
        assert (row.id, row.count, row.price, row.config_version) == (
            sale_id,
            sale.count,
            sale.price,
            sale.config_version,
        )
    after = journal.record(GOOD)
    assert journal.recent(1)[0].id == after
