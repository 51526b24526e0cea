"""The queue against a real relay: a webhook becomes a row and rings; the courier raises a banner; scans
of bag labels open their order from anywhere; typing is never mistaken for a scan."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt

from pharmacy_desk.desk.alert_book import AlertGroup
from pharmacy_desk.desk.queue_rules import Stage
from pharmacy_desk.desk.stream import ConnectionState
from pharmacy_desk.domain import OrderState
from pharmacy_desk.domain.keyboard_layout import us_to_ru
from pharmacy_desk.ui.queue_model import Column
from pharmacy_desk.ui.sounds import Sound
from tests.desk.desk_support import new_uuid
from tests.support import eventually
from tests.ui.ui_support import Live, activate, press, type_keys


async def test_a_webhook_appears_in_the_queue_and_rings_until_seen(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        window = desk.window
        await eventually(lambda: window.status.state is ConnectionState.CONNECTED)
        assert window.status.connection.text() == "На связи"

        number = await env.relay.create_order()
        await eventually(lambda: number in desk.number_rows)
        await eventually(lambda: desk.player.count(Sound.NEW_ORDER) >= 1)
        assert window.alerts.ringing == [number]
        banner = window.banners.get(window.alerts.RING_KEY)
        assert banner is not None and number in banner.text and "F2" in banner.text

        row = window.model.row_of(number)
        assert row is not None
        cells = {c: window.model.index(row, c).data() for c in Column}
        assert cells[Column.FLOW] == "Доставка" and cells[Column.STATE] == "Новый"
        assert cells[Column.PACKS] == "2" and cells[Column.AMOUNT] == "379,98\u00a0₽"
        assert window.queue.tabs.tabText(0) == "Новые (1)"
        assert window.queue.proxy.rowCount() == 1

        await press(window, Qt.Key.Key_F2)  # seen
        await eventually(lambda: not window.alerts.ringing)
        assert window.banners.get(window.alerts.RING_KEY) is None
        assert desk.service.book.get(number).state is OrderState.NEW  # type: ignore[union-attr]


async def test_courier_arrived_raises_a_banner_on_the_order(live: Callable[[], Live]) -> None:
    async with live() as env:
        order_uuid = new_uuid()
        number = await env.relay.create_order(order_uuid=order_uuid)
        desk = await env.open_desk()
        await eventually(lambda: number in desk.number_rows)
        await env.relay.event("courier_assigned", order_uuid)
        await env.relay.event("courier_arrived", order_uuid)

        await eventually(lambda: desk.window.banners.get(f"courier:{number}") is not None)
        banner = desk.window.banners.get(f"courier:{number}")
        assert banner is not None and "Курьер прибыл" in banner.text and number in banner.text
        assert Sound.COURIER in desk.player.played
        row = desk.window.model.row_of(number)
        assert row is not None
        await eventually(lambda: "Курьер ждёт" in desk.window.model.index(row, Column.COURIER).data())

        area = desk.window.banners
        assert area.top_group is AlertGroup.COURIER and area.action.isVisible() and area.action.text() == "Открыть"
        area.action.click()  # "Открыть": the order opens and the alert goes
        await eventually(lambda: desk.window.assembly.number == number and desk.window.assembling)
        assert desk.window.banners.get(f"courier:{number}") is None


async def test_typing_stays_typing_and_a_bag_label_opens_its_order(live: Callable[[], Live]) -> None:
    async with live() as env:
        first = await env.relay.create_order()
        second = await env.relay.create_order("pickup")
        desk = await env.open_desk()
        window = desk.window
        await eventually(lambda: {first, second} <= set(desk.number_rows))
        await activate(window)
        window.queue.focus_search()

        await type_keys(second[-3:], gap=0.09, end=None)  # a person types "002" into the search field
        await eventually(lambda: window.queue.search.text() == second[-3:])
        await eventually(lambda: window.queue.proxy.rowCount() == 1)
        assert window.queue.proxy.number_at(0) == second

        # a bag label scanned under a Russian keyboard layout, while the search field has the focus
        await type_keys(us_to_ru(f"PDESK1:apteka-12:{first}"))
        await eventually(lambda: window.assembly.number == first and window.assembling)
        assert window.queue.search.text() == "" or window.queue.search.text() == second[-3:]
        assert first not in window.queue.search.text()

        window.show_queue()
        window.queue.set_stage(Stage.ALL)
        assert window.queue.selected_number() == first
