"""An order's detail against a real relay and a fake Kuper: Kuper's events, staff actions with the PC and the
person, notifications with their delivery state and Kuper's error text, Retry, and a cancellation with a
Kuper reason."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desk.desk.order_book import NotificationStatus
from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.desk.timeline import Source
from pharmacy_desk.domain import CancelReason, OrderState, StartAssembly
from pharmacy_desk.domain.states import CANCEL_REASON_RU
from pharmacy_desk.ui.order_detail_view import (
    COL_DETAIL,
    COL_EVENT,
    COL_STATE,
    COL_WHO,
    CancelDialog,
    OrderDetailDialog,
)
from pharmacy_desk.ui.tasks import spawn
from tests.desk.desk_support import new_uuid, position
from tests.support import eventually
from tests.ui.handover_support import ASPIRIN, NUROFEN, fake_kuper, kuper_config, tools, with_relay
from tests.ui.ui_support import Live, activate


def rows(dialog: OrderDetailDialog) -> list[tuple[str, str, str, str]]:
    model = dialog.history
    return [
        tuple(model.index(r, c).data() for c in (COL_WHO, COL_EVENT, COL_STATE, COL_DETAIL))
        for r in range(model.rowCount())
    ]


async def test_history_shows_who_did_what_and_a_refused_notification_is_sent_again(live: Callable[[], Live]) -> None:
    async with fake_kuper() as (stub, kuper_url), with_relay(live(), kuper=kuper_config(kuper_url)) as env:
        order_uuid = new_uuid()
        stub.storm(422, orders=[order_uuid])  # Kuper refuses this order's notifications for now
        number = await env.relay.create_order(order_uuid=order_uuid)
        desk = await env.open_desk("Касса 2", operator="Иванова")
        await eventually(lambda: number in desk.service.book)
        assert isinstance(await desk.service.act(number, StartAssembly()), Accepted)

        await activate(desk.window)
        desk.window.queue.select(number)
        action = tools(desk).actions["detail"]
        assert action.shortcut().toString() == "Ctrl+I"
        action.trigger()
        await eventually(lambda: tools(desk).detail_dialog is not None)
        dialog = tools(desk).detail_dialog
        assert dialog is not None and dialog.windowTitle() == f"Заказ {number}"
        await eventually(lambda: any(row[2] == "Купер отказал" for row in rows(dialog)))
        assert rows(dialog)[0][:3] == ("Купер", "Новый заказ", "принято")
        assert ("Касса 2 (Иванова)", "Начать сборку", "выполнено", "") in rows(dialog)
        failed = next(row for row in rows(dialog) if row[1] == "Сборка начата")
        assert failed[0] == "Аптека → Купер" and failed[2] == "Купер отказал"
        assert "simulated Kuper error 422" in failed[3] and "ответ 422" in failed[3]  # Kuper's own words

        row = next(i for i, e in enumerate(dialog.history.entries) if e.source is Source.NOTIFICATION)
        dialog.select_row(row)
        assert dialog.retry.isEnabled()
        assert "simulated Kuper error 422" in dialog.entry_detail.text()
        stub.calm()
        dialog.retry.click()
        sent = ("Сборка начата", "доставлено Куперу (попыток: 2)")
        await eventually(lambda: any(r[1:3] == sent for r in rows(dialog)))
        # the row may be redrawn from the stream before the retry's own answer comes back: wait for it
        await eventually(lambda: dialog.message.text() == "Отправлено снова: Сборка начата")
        assert not dialog.retry.isEnabled()
        assert [item.event_type for item in stub.received_for(order_uuid)] == ["order.in_work"]
        dialog.reject()
        await eventually(lambda: tools(desk).detail_dialog is None)


async def test_a_notification_change_during_the_first_load_is_fetched_after_it(
    live: Callable[[], Live], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dialog's first read of the order may come back from before a notification changed (Kuper
    refused it meanwhile): the change announced while that read is under way is fetched after it."""
    async with live() as env:
        number = await env.relay.create_order("pickup")
        desk = await env.open_desk()
        await eventually(lambda: number in desk.service.book)
        real = desk.service.order_record
        reads: list[str] = []
        gate = asyncio.Event()

        async def slow_first_read(wanted: str) -> object:
            record = await real(wanted)  # read before the change below
            reads.append(wanted)
            if len(reads) == 1:
                await gate.wait()
            return record

        monkeypatch.setattr(desk.service, "order_record", slow_first_read)
        order_tools = tools(desk)
        opened = spawn(order_tools.open_detail(number))
        await eventually(lambda: len(reads) == 1 and order_tools.detail_dialog is not None)
        dialog = order_tools.detail_dialog
        assert dialog is not None
        await eventually(dialog.isVisible)
        assert dialog.detail is None  # the first read has not come back yet
        failed = NotificationStatus(outbox_id=1, event_type="order.in_work", status="failed")
        desk.bridge.notificationChanged.emit(failed)
        gate.set()
        await eventually(lambda: len(reads) == 2 and not dialog._loading)
        assert dialog.detail is not None and dialog.detail.order.number == number
        dialog.reject()
        await opened
        assert reads == [number, number]


async def test_the_pharmacy_cancels_with_a_kuper_reason(live: Callable[[], Live]) -> None:
    async with live() as env:
        number = await env.relay.create_order("pickup")
        desk = await env.open_desk("Касса 1", operator="Петрова")
        await eventually(lambda: number in desk.service.book)
        await activate(desk.window)
        desk.window.queue.select(number)
        order_tools = tools(desk)
        order_tools.actions["detail"].trigger()  # the Order menu's "details"
        await eventually(lambda: order_tools.detail_dialog is not None)
        dialog = order_tools.detail_dialog
        assert dialog is not None
        await eventually(lambda: dialog.detail is not None)
        assert dialog.cancel.isEnabled() and not dialog.courier.isVisible()  # a pickup order has no courier

        dialog.cancel.click()
        await eventually(lambda: isinstance(QApplication.activeModalWidget(), CancelDialog))
        ask = QApplication.activeModalWidget()
        assert isinstance(ask, CancelDialog)
        assert [ask.reason.itemText(i) for i in range(ask.reason.count())] == list(CANCEL_REASON_RU.values())
        ask.choose(CancelReason.STORE_CLOSED, "Аптека закрыта на учёт")
        ask.accept()

        await eventually(lambda: desk.service.book.get(number).state is OrderState.CANCELED)  # type: ignore[union-attr]
        await eventually(lambda: dialog.message.text() == f"Заказ {number} отменён")
        await eventually(lambda: not dialog.cancel.isEnabled())
        assert "Отменён аптекой: Аптека закрыта (Аптека закрыта на учёт)" in dialog.summary.text()
        assert ("Касса 1 (Петрова)", "Отмена", "выполнено", "") in rows(dialog)
        assert ("Аптека → Купер", "Отменён", "ждёт отправки", "") in rows(dialog)  # no Kuper configured here
        detail = await desk.service.order_record(number)
        cancellation = detail.order.cancellation
        assert cancellation is not None and cancellation.reason is CancelReason.STORE_CLOSED
        assert cancellation.description == "Аптека закрыта на учёт"
        dialog.reject()


def products(dialog: OrderDetailDialog) -> list[str]:
    table = dialog.composition
    return [table.item(row, 0).text() for row in range(table.rowCount())]


@pytest.mark.qt_log_ignore(r"This plugin does not support (propagateSizeHints|raise)\(\)")  # offscreen limits
async def test_switching_orders_with_a_notification_in_between_never_shows_the_previous_orders_products(
    live: Callable[[], Live],
) -> None:
    nurofen = [position(NUROFEN, "Нурофен таб. п/о 200мг №20", 1, "199.99")]
    aspirin = [position(ASPIRIN, "Аспирин Кардио 100мг №28", 1, "145.50")]
    async with live() as env:
        desk = await env.open_desk()
        first = await env.relay.create_order("pickup", positions=nurofen, total={"totalPrice": "199.99"})
        second = await env.relay.create_order("pickup", positions=aspirin, total={"totalPrice": "145.50"})
        await eventually(lambda: first in desk.service.book and second in desk.service.book)
        order_tools = tools(desk)
        opened_first = spawn(order_tools.open_detail(first))
        await eventually(lambda: order_tools.detail_dialog is not None and order_tools.detail_dialog.detail is not None)
        previous = order_tools.detail_dialog
        assert previous is not None and products(previous) == ["Нурофен таб. п/о 200мг №20"]

        # the pharmacist asks for the next order while this one is open; a notification's state changes
        # while the first dialog goes and the second one loads
        opened_second = spawn(order_tools.open_detail(second))
        desk.bridge.notificationChanged.emit(NotificationStatus(outbox_id=1, event_type="order.in_work", status="sent"))
        await eventually(lambda: order_tools.detail_dialog is not previous and order_tools.detail_dialog is not None)
        dialog = order_tools.detail_dialog
        assert dialog is not None
        await eventually(lambda: dialog.detail is not None)
        await opened_first  # the first dialog's own task ended: it did not forget the second dialog
        assert previous.closed and order_tools.detail_dialog is dialog
        assert dialog.windowTitle() == f"Заказ {second}" and products(dialog) == ["Аспирин Кардио 100мг №28"]
        assert dialog.detail is not None and dialog.detail.order.number == second
        desk.bridge.notificationChanged.emit(NotificationStatus(outbox_id=1, event_type="order.in_work", status="sent"))
        await eventually(lambda: not dialog._loading)
        assert products(dialog) == ["Аспирин Кардио 100мг №28"]
        await order_tools.open_detail(second)  # the same order again: the open dialog is raised, no second one
        assert order_tools.detail_dialog is dialog and dialog.isVisible()
        dialog.reject()
        await opened_second
        assert order_tools.detail_dialog is None
