"""Pickup orders nobody collected at the counter (issue 14, item 4), against a real relay: the «Не забрали»
tab lists a pickup order past the store's hold with the time waited, F8 cancels it (the store's slug,
Kuper told) and shows what to put back; an order the relay cancels by itself shows the same list."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from desk_support import STORE, RelayServer
from PySide6.QtCore import Qt
from ui_support import Desk, Live, activate, eventually, press

from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.domain import Assembled, FinalLine, OrderState, Ready, StartAssembly
from pharmacy_desk.ui.queue_model import Column, Stage

HOLD_HOURS = 1 / 3600  # one second: the test does not wait 48 hours


def _relay(env: Live, **pickup: Any) -> None:
    store = {"key": STORE, "name": "Аптека №12", "number_prefix": "A12-", "rules": {"pickup": pickup}}
    env.relay = RelayServer(env.relay.database_url, stores=[store], no_show_check_seconds=0.2)


async def _waiting_order(env: Live, desk: Desk) -> str:
    number = await env.relay.create_order("pickup")
    await eventually(lambda: number in desk.number_rows)
    service = desk.service
    for action in (
        StartAssembly(),
        Assembled(composition=(FinalLine(sku="100234", quantity=2),)),
        Ready(),
    ):
        await eventually(lambda: service.book.get(number) is not None)
        outcome = await service.act(
            number, action, expected_version=(await service.order_detail(number, refresh=True)).version
        )
        assert isinstance(outcome, Accepted), outcome
    await eventually(lambda: service.book.get(number).state is OrderState.AWAITING_PICKUP)  # type: ignore[union-attr]
    return number


async def test_the_not_collected_tab_and_f8(live: Callable[[], Live]) -> None:
    env = live()
    _relay(env, hold_hours=HOLD_HOURS)
    async with env:
        desk = await env.open_desk()
        window = desk.window
        await eventually(lambda: window.model.pickup_policy.hold_hours == HOLD_HOURS)  # read from the relay
        number = await _waiting_order(env, desk)
        queue = window.queue
        await eventually(lambda: (window.model.tick(), window.model.stage_count(Stage.NOT_COLLECTED))[1] == 1)
        assert queue.tabs.tabText(5) == "Не забрали (1)"
        row = window.model.row_of(number)
        assert row is not None and window.model.index(row, Column.TIME_LEFT).data().startswith("ждёт ")

        window.show()
        await activate(window)
        queue.set_stage(Stage.NOT_COLLECTED)
        assert queue.proxy.rowCount() == 1 and queue.select(number)
        queue.table.setFocus()
        asked: list[str] = []
        queue.cancelNoShowRequested.connect(asked.append)
        await press(window, Qt.Key.Key_F8)
        assert asked == [number]

        await eventually(lambda: window.return_dialog is not None and window.return_dialog.isVisible())
        dialog = window.return_dialog
        assert dialog is not None
        assert [(i.name, i.quantity) for i in dialog.items] == [("Нурофен таб. п/о 200мг №20", 2)]
        dialog.accept()
        await eventually(lambda: desk.service.book.get(number).state is OrderState.CANCELED)  # type: ignore[union-attr]
        order = await desk.service.order_detail(number, refresh=True)
        assert order.cancellation is not None and order.cancellation.slug == "order_not_paid"
        assert order.cancellation.description is not None and order.cancellation.description.startswith(
            "Заказ не забрали"
        )
        await eventually(lambda: (window.model.tick(), window.model.stage_count(Stage.NOT_COLLECTED))[1] == 0)


async def test_an_order_the_relay_cancels_shows_what_to_put_back(live: Callable[[], Live]) -> None:
    env = live()
    _relay(env, hold_hours=HOLD_HOURS, auto_cancel=True)
    async with env:
        desk = await env.open_desk()
        number = await _waiting_order(env, desk)
        await eventually(lambda: desk.window.return_dialog is not None and desk.window.return_dialog.isVisible())
        dialog = desk.window.return_dialog
        assert dialog is not None
        assert [(i.name, i.quantity) for i in dialog.items] == [("Нурофен таб. п/о 200мг №20", 2)]
        dialog.accept()
        await eventually(lambda: desk.service.book.get(number).state is OrderState.CANCELED)  # type: ignore[union-attr]
