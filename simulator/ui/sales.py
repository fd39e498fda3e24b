"""Recent sales, newest first, as the journal recorded them."""

from __future__ import annotations

from collections.abc import Sequence

from textual.widgets import DataTable

from firmware_host.journal import Sale
from simulator.ui.module_panel import module_name

RECENT_SALES = 8
COLUMNS = ("#", "time", "sale", "hour", "result", "module")


def sale_row(sale: Sale) -> tuple[str, ...]:
    result = str(sale.price) if sale.price is not None else f"refused: {sale.error}"
    return (
        str(sale.id),
        f"{sale.at:%H:%M:%S}",
        f"{sale.count} x {sale.unit_price}",
        str(sale.hour),
        result,
        module_name(sale.module_sha256),
    )


class SalesTable(DataTable[str]):
    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id, show_cursor=False, zebra_stripes=True)
        self.border_title = "recent sales"

    def on_mount(self) -> None:
        self.add_columns(*COLUMNS)

    def show(self, sales: Sequence[Sale]) -> None:
        self.clear()
        for sale in sales:
            self.add_row(*sale_row(sale))
