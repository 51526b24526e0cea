"""The cold chain at the counter against a real relay (issue 14, item 3), real widgets offscreen.

The relay flags an order with a cold line (+2…+8 °C); the queue marks its row «❄» with a tooltip and still
fits 1366 px without a sideways scroll; the assembly screen marks the line and lists it last; F9 on the
hand-over screen gives a delivery bag to the courier: a cold one asks for the cold bag first, a "no"
hands nothing over and says so in Russian (the keys work again at once), a room-temperature one asks nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.domain import Assembled, FinalLine, OrderState, Ready, StartAssembly
from pharmacy_desk.domain.pickup_codes import AuditKind
from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage
from pharmacy_desk.inventory.embedded import StockRow, import_rows
from pharmacy_desk.ui.assembly_lines import COL_NAME
from pharmacy_desk.ui.queue_model import Column
from tests.desk.desk_support import STORE, marking_code, position
from tests.support import eventually
from tests.ui.handover_support import make_ready, tools
from tests.ui.ui_support import ASPIRIN_SKU, NUROFEN_SKU, Desk, Live, activate, press, settle

NUROFEN_NAME = "Нурофен таб. п/о 200мг №20"
COLD_NAME = "Виферон супп. 500000МЕ №10"
ROOM = ProductAttributes(marked=True, dispensing=Dispensing.OTC, storage=Storage.ROOM, shelf_price=Decimal("199.99"))
COLD = ProductAttributes(marked=False, dispensing=Dispensing.OTC, storage=Storage.COLD, shelf_price=Decimal("599.00"))


async def _stock(env: Live) -> None:
    expiry = dt.date.today() + dt.timedelta(days=400)
    rows = [
        StockRow(2, NUROFEN_SKU, NUROFEN_NAME, "04600714356057", "S-1", expiry, 9, "A1", ROOM),
        StockRow(3, ASPIRIN_SKU, COLD_NAME, "04600000000008", "S-2", expiry, 9, "X1", COLD),
    ]
    await import_rows(env.relay.state.engine, STORE, rows)


def _cold_order() -> dict[str, object]:
    positions = [position(ASPIRIN_SKU, COLD_NAME, 1, "599.00"), position(NUROFEN_SKU, NUROFEN_NAME, 2, "199.99")]
    return {"positions": positions, "total": {"totalPrice": "998.98"}}


def _flagged(desk: Desk, number: str) -> bool:
    summary = desk.service.book.get(number)
    return summary is not None and "cold_chain" in summary.flags


async def _ready_cold_delivery(desk: Desk, env: Live) -> str:
    """A delivery order with a cold line, flagged by the relay, then assembled and ready on this desk."""
    number = await env.relay.create_order("delivery", **_cold_order())
    await eventually(lambda: _flagged(desk, number))  # the flag bumps the version: act after it
    service = desk.service
    assert isinstance(await service.act(number, StartAssembly()), Accepted)
    codes = (marking_code(f"{number[-6:]}cold001"), marking_code(f"{number[-6:]}cold002"))
    composition = (
        FinalLine(sku=ASPIRIN_SKU, quantity=1),
        FinalLine(sku=NUROFEN_SKU, quantity=2, marking_codes=codes),
    )
    assert isinstance(await service.act(number, Assembled(composition=composition)), Accepted)
    assert isinstance(await service.act(number, Ready()), Accepted)
    final = await service.order_detail(number, refresh=True)
    assert final.state is OrderState.READY_TO_SHIP
    await eventually(lambda: desk.service.book.version(number) == final.version)
    return number


async def test_the_queue_marks_a_cold_order_and_the_assembly_lists_its_cold_line_last(live: Callable[[], Live]) -> None:
    async with live() as env:
        await _stock(env)
        desk = await env.open_desk()
        window = desk.window
        window.resize(1366, 768)
        number = await env.relay.create_order(**_cold_order())
        room = await env.relay.create_order(positions=[position(NUROFEN_SKU, NUROFEN_NAME, 1, "199.99")])
        await eventually(lambda: _flagged(desk, number) and room in desk.number_rows)
        await settle()

        model = window.model
        cell = model.index(model.row_of(number), Column.NUMBER)  # type: ignore[arg-type]
        assert cell.data() == f"❄ {number}"
        assert "+2…+8 °C" in cell.data(Qt.ItemDataRole.ToolTipRole) and "термосумк" in cell.data(
            Qt.ItemDataRole.ToolTipRole
        )
        assert model.index(model.row_of(room), Column.NUMBER).data() == room  # type: ignore[arg-type]
        table = window.queue.table
        assert (
            table.horizontalScrollBar().maximum() == 0 and table.horizontalHeader().length() <= table.viewport().width()
        )

        await activate(window)
        assert window.queue.select(number)
        table.setFocus()
        await press(window, Qt.Key.Key_Return)
        await eventually(lambda: window.assembly.number == number and window.assembling)
        lines = window.assembly.lines
        assert [lines.line(r).sku for r in range(lines.rowCount())] == [NUROFEN_SKU, ASPIRIN_SKU]  # type: ignore[union-attr]
        name = lines.index(1, COL_NAME)
        assert name.data() == f"❄ {COLD_NAME}" and "+2…+8 °C" in name.data(Qt.ItemDataRole.ToolTipRole)
        assert lines.index(0, COL_NAME).data() == NUROFEN_NAME


async def _open_handover(desk: Desk, number: str) -> None:
    view = tools(desk).handover
    await activate(desk.window)
    desk.window.queue.select(number)
    await press(desk.window, Qt.Key.Key_F11)
    await eventually(lambda: view.number == number and view.buttons["F9"].isEnabled())


def _couriers(desk: Desk, number: str) -> list[str | None]:
    view = tools(desk).handover
    order = view.order
    assert order is not None and order.number == number
    return [entry.detail for entry in order.audit if entry.kind is AuditKind.COURIER]


async def test_a_cold_order_goes_to_the_courier_only_after_the_cold_bag_is_confirmed(live: Callable[[], Live]) -> None:
    async with live() as env:
        await _stock(env)
        desk = await env.open_desk()
        number = await _ready_cold_delivery(desk, env)
        view = tools(desk).handover
        await _open_handover(desk, number)
        assert "ХОЛОД +2…+8" in view.feedback.text()

        await press(desk.window, Qt.Key.Key_F9)
        await eventually(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "coldBag"
        assert number in box.text() and "+2…+8 °C" in box.text() and "термосумк" in box.text()
        box.button(QMessageBox.StandardButton.No).click()
        await eventually(lambda: "не передан курьеру" in view.feedback.text())
        assert "остаётся в аптеке" in view.feedback.text()
        assert _couriers(desk, number) == []
        assert desk.service.book.get(number).state is OrderState.READY_TO_SHIP  # type: ignore[union-attr]
        await eventually(lambda: QApplication.focusWidget() is view.order_field)  # scans and keys work again

        await press(desk.window, Qt.Key.Key_F9)
        await eventually(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        box.button(QMessageBox.StandardButton.Yes).click()
        await eventually(lambda: view.feedback.text() == f"Заказ {number} передан курьеру в термосумке")
        assert _couriers(desk, number) == ["в термосумке"]
        assert QApplication.activeModalWidget() is None and QApplication.focusWidget() is not None
        assert QApplication.focusWidget().window() is desk.window


async def test_a_room_temperature_order_goes_to_the_courier_without_a_question(live: Callable[[], Live]) -> None:
    async with live() as env:
        await _stock(env)
        desk = await env.open_desk()
        number, _ = await make_ready(desk, env, "delivery")
        view = tools(desk).handover
        await _open_handover(desk, number)

        await press(desk.window, Qt.Key.Key_F9)
        await eventually(lambda: view.feedback.text() == f"Заказ {number} передан курьеру")
        assert QApplication.activeModalWidget() is None
        assert _couriers(desk, number) == [None]
