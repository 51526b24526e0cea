"""Every screen fits the store PC's screen: 1366×768 first, 1280×720 and 1920×1080 too (real widgets, offscreen).

For the queue, the assembly, the hand-over and the order detail: the window keeps the size it is given
(nothing forces it wider or taller), no visible child lies outside it, no key button has its key cut,
and the queue has no sideways scroll bar. The same at 1366×768 with large type (125 %).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QPoint
from PySide6.QtWidgets import QApplication

from pharmacy_desk.desk.alert_book import AlertGroup
from pharmacy_desk.desk.scanner import manual_entry
from pharmacy_desk.ui.app import apply_text_size
from pharmacy_desk.ui.order_detail_view import OrderDetailDialog
from tests.support import eventually
from tests.ui.handover_support import TWO_PRODUCTS, make_ready, tools
from tests.ui.ui_support import Live, check_fits, outside, pack, settle

SIZES = [(1366, 768), (1280, 720), (1920, 1080)]


@pytest.fixture
def large_type(qapp: QApplication) -> Iterator[Callable[[int], None]]:
    font = qapp.font()
    yield lambda percent: apply_text_size(qapp, percent)
    qapp.setFont(font)


@pytest.mark.parametrize(("size", "percent"), [*[(s, 100) for s in SIZES], ((1366, 768), 125)])
async def test_every_screen_fits(
    live: Callable[[], Live], size: tuple[int, int], percent: int, large_type: Callable[[int], None]
) -> None:
    large_type(percent)
    async with live() as env:
        desk = await env.open_desk("Касса 1", operator="Иванова")
        window = desk.window
        window.resize(*size)
        ready, _ = await make_ready(desk, env, positions=TWO_PRODUCTS, total={"totalPrice": "545.48"})
        numbers = [await env.relay.create_order() for _ in range(3)]
        await eventually(lambda: set(numbers) <= set(desk.number_rows))
        # alerts of several kinds, long texts: the area stays one line, the table does not move
        window.banners.put("stock:x", AlertGroup.STOCK, "Не хватает товара: " + "Нурофен таб. п/о 200мг №20, " * 6)
        window.banners.put("other:y", AlertGroup.OTHER, "Купер изменил состав заказа " + numbers[0])
        await settle()

        # the queue
        check_fits(window, size)
        table = window.queue.table
        assert not table.horizontalScrollBar().isVisible() and table.horizontalScrollBar().maximum() == 0
        header = table.horizontalHeader()
        assert header.length() <= table.viewport().width()
        if size[0] >= 1366 and percent == 100:
            assert window.queue.hidden_columns == [] or size[0] == 1366
        top = table.mapTo(window, QPoint(0, 0))
        window.banners.put("courier:z", AlertGroup.COURIER, "Курьер прибыл за заказом " + numbers[1])
        window.banners.remove("stock:x")
        await settle()
        assert table.mapTo(window, QPoint(0, 0)) == top, "the table moved when alerts came and went"

        # the assembly, with a scanned pack and its feedback
        await window.open_order(numbers[0])
        await eventually(lambda: window.assembling)
        window.assembly.handle_scan(manual_entry(pack("SERIALNUROF01")))
        await eventually(lambda: window.assembly.session is not None and window.assembly.session.picked == 1)
        await settle()
        check_fits(window, size)

        # the hand-over
        await tools(desk).open_handover(ready)
        await settle()
        check_fits(window, size)

        # the order's detail opens inside the window
        dialog = OrderDetailDialog(desk.service, desk.bridge, ready, window)
        try:
            await dialog.load()
            dialog.show()
            await settle()
            assert dialog.width() <= size[0] and dialog.height() <= size[1]
            assert dialog.minimumSizeHint().width() <= size[0] and dialog.minimumSizeHint().height() <= size[1]
            assert outside(dialog) == []
        finally:
            dialog.reject()
            dialog.deleteLater()
