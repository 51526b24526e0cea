"""A line that may not be sold remotely, on the assembly screen against a real relay (issue 14, item 2):
its pack is refused, the line shows the rule in red, F7 leaves it out with the rule as the reason (no
question asked), and the relay accepts the composition without it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from desk_support import STORE, position
from PySide6.QtCore import Qt
from ui_support import ASPIRIN_EAN, ASPIRIN_SKU, NUROFEN_SKU, Desk, Live, activate, eventually, press, type_keys

from pharmacy_desk.desk.assembly_feedback import FeedbackCode
from pharmacy_desk.domain.product import Dispensing, ProductAttributes
from pharmacy_desk.domain.remote_sale import FORBIDDEN_REASON
from pharmacy_desk.inventory.embedded import StockRow, import_rows
from pharmacy_desk.ui.assembly_lines import COL_REASON

RX = ProductAttributes(marked=False, dispensing=Dispensing.RX, shelf_price=Decimal("99.50"))
OTC = ProductAttributes(marked=True, dispensing=Dispensing.OTC, shelf_price=Decimal("199.99"))


def _row(sku: str, name: str, gtin: str | None, attributes: ProductAttributes) -> StockRow:
    expiry = dt.date.today() + dt.timedelta(days=400)
    return StockRow(2, sku, name, gtin, "S-1", expiry, 9, "A1", attributes)


async def _scan(desk: Desk, text: str) -> FeedbackCode:
    before = desk.window.assembly.last_feedback
    await type_keys(text, window=desk.window)
    await eventually(lambda: desk.window.assembly.last_feedback is not before)
    feedback = desk.window.assembly.last_feedback
    assert feedback is not None
    return feedback.code


async def test_an_rx_line_is_blocked_and_left_out_with_f7(live: Callable[[], Live]) -> None:
    async with live() as env:
        rows = [
            _row(NUROFEN_SKU, "Нурофен таб. п/о 200мг №20", "04600714356057", OTC),
            _row(ASPIRIN_SKU, "Аспирин 500мг №10", "0" + ASPIRIN_EAN, RX),
        ]
        await import_rows(env.relay.state.engine, STORE, rows)
        desk = await env.open_desk()
        positions = [
            position(NUROFEN_SKU, "Нурофен таб. п/о 200мг №20", 2, "199.99"),
            position(ASPIRIN_SKU, "Аспирин 500мг №10", 1, "99.50"),
        ]
        number = await env.relay.create_order(positions=positions, total={"totalPrice": "499.48"})
        await eventually(lambda: number in desk.number_rows)
        await activate(desk.window)
        assert desk.window.queue.select(number)
        desk.window.queue.table.setFocus()
        await press(desk.window, Qt.Key.Key_Return)
        await eventually(lambda: desk.window.assembly.number == number and desk.window.assembling)
        view = desk.window.assembly
        session = view.session
        assert session is not None and ASPIRIN_SKU in session.forbidden

        assert await _scan(desk, ASPIRIN_EAN) is FeedbackCode.REMOTE_SALE_FORBIDDEN
        assert "рецептурный препарат" in view.feedback.text()
        row = next(r for r in range(view.lines.rowCount()) if view.lines.line(r).sku == ASPIRIN_SKU)  # type: ignore[union-attr]
        reason = view.lines.index(row, COL_REASON)
        assert reason.data().startswith("рецептурный препарат")
        assert reason.data(Qt.ItemDataRole.BackgroundRole).color().name() == "#f8d7da"

        view._select_row(row)
        view.table.setFocus()
        await press(desk.window, Qt.Key.Key_F7)  # missing: the rule is the reason, no dialog
        await eventually(lambda: session.line(ASPIRIN_SKU).reason == FORBIDDEN_REASON)  # type: ignore[union-attr]
        assert view.lines.index(row, COL_REASON).data() == FORBIDDEN_REASON
        assert not any("рецептурный" in b for b in session.blockers())
