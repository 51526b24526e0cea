"""Assembling at the counter against a real relay, with keystrokes as a wedge scanner types them."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from pharmacy_desk.desk.assembly_feedback import FeedbackCode
from pharmacy_desk.desk.relay_client import Refused
from pharmacy_desk.desk.stream import ConnectionState
from pharmacy_desk.domain import OrderState
from pharmacy_desk.domain.keyboard_layout import us_to_ru
from pharmacy_desk.inventory import FoundSeries
from pharmacy_desk.inventory.embedded.serials import remember_pack_serials
from pharmacy_desk.ui.line_dialogs import LineChoiceDialog, ReasonDialog, SubstituteDialog
from pharmacy_desk.ui.outcome import Tone
from pharmacy_desk.ui.sounds import Sound
from tests.desk.desk_support import STORE, new_uuid, position
from tests.support import eventually
from tests.ui.ui_support import (
    ASPIRIN_EAN,
    ASPIRIN_SKU,
    GS,
    NUROFEN_GTIN,
    NUROFEN_SKU,
    OTHER_GTIN,
    Desk,
    Live,
    activate,
    pack,
    press,
    type_keys,
)

TWO_LINES = [
    position(NUROFEN_SKU, "Нурофен таб. п/о 200мг №20", 2, "199.99"),
    position(ASPIRIN_SKU, "Аспирин 500мг №10", 1, "99.50"),
]


async def scan(desk: Desk, text: str) -> FeedbackCode:
    """The scanner types ``text`` + Enter; the screen's feedback code."""
    before = desk.window.assembly.last_feedback
    await type_keys(text, window=desk.window)
    await eventually(lambda: desk.window.assembly.last_feedback is not before)
    feedback = desk.window.assembly.last_feedback
    assert feedback is not None
    return feedback.code


async def open_in_assembly(desk: Desk, number: str) -> None:
    await eventually(lambda: number in desk.number_rows)
    await activate(desk.window)
    assert desk.window.queue.select(number)
    desk.window.queue.table.setFocus()
    await press(desk.window, Qt.Key.Key_Return)  # Enter on the order
    await eventually(lambda: desk.window.assembly.number == number and desk.window.assembling)


async def act(desk: Desk, key: Qt.Key) -> Tone:
    view = desk.window.assembly
    before = view.last_shown
    await press(desk.window, key)
    await eventually(lambda: view.last_shown is not before and view.busy.value == "idle")
    assert view.last_shown is not None
    return view.last_shown.tone


async def test_an_order_is_assembled_by_scanner_keystrokes(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        number = await env.relay.create_order(positions=TWO_LINES, total={"totalPrice": "499.48"})
        await open_in_assembly(desk, number)
        view = desk.window.assembly
        assert "Сканируйте первую упаковку" in view.prompt.text() and not view.buttons["F9"].isEnabled()

        assert await act(desk, Qt.Key.Key_F5) is Tone.OK
        await eventually(lambda: desk.service.book.get(number).state is OrderState.COLLECTING)  # type: ignore[union-attr]

        # the right pack: two series planned, so the pharmacist picks it with one key; the question names the pack
        assert await scan(desk, pack("SERIALNUROF01")) is FeedbackCode.SERIES_NEEDED
        assert "1 — N-1111" in view.series.text() and view.series.isVisible()
        assert "Нурофен таб. п/о 200мг №20, упаковка …ROF01" in view.series.text()
        await type_keys("2", window=desk.window, gap=0.2, end=None)  # a person presses "2"
        await eventually(lambda: view.last_feedback is not None and view.last_feedback.code is FeedbackCode.OK)
        line = view.session.line(NUROFEN_SKU)  # type: ignore[union-attr]
        assert line is not None and line.picked == 1 and line.packs[0].series == "N-2222"
        assert not view.series.isVisible()
        assert "1" not in view.manual.text()

        refusals_before = desk.player.count(Sound.ERROR)
        assert await scan(desk, pack("SERIALNUROF01")) is FeedbackCode.ALREADY_SCANNED  # a double scan
        assert await scan(desk, pack("SERIALOTHER01", gtin=OTHER_GTIN)) is FeedbackCode.NOT_IN_ORDER  # wrong product
        assert await scan(desk, pack("SERIALEXPIRE1", expiry="230101")) is FeedbackCode.EXPIRED  # an expired pack
        assert desk.player.count(Sound.ERROR) == refusals_before + 3
        assert view.last_shown is not None and view.last_shown.tone is Tone.REFUSED
        assert "Не кладите в пакет" in view.feedback.text()

        # typed under a Russian layout, with the GS separators lost on the way
        russian = us_to_ru(pack("SERIALNUROF02").replace(GS, ""))
        assert any("а" <= ch <= "я" or "А" <= ch <= "Я" for ch in russian)
        assert await scan(desk, russian) is FeedbackCode.OK  # the plan's other pack: N-1111, no question
        assert view.session.line(NUROFEN_SKU).packs[1].series == "N-1111"  # type: ignore[union-attr]
        assert not view.series.isVisible()

        assert await scan(desk, ASPIRIN_EAN) is FeedbackCode.OK  # an unmarked product's EAN-13
        assert view.totals.text() == "Упаковок: 3 из 3 · Сумма: 499,48\u00a0₽"
        assert not view.manual.text() and view.manual.placeholderText()

        assert await act(desk, Qt.Key.Key_F8) is Tone.OK
        await eventually(lambda: desk.service.book.get(number).state is OrderState.ASSEMBLED)  # type: ignore[union-attr]
        assert await act(desk, Qt.Key.Key_F9) is Tone.OK
        await eventually(lambda: desk.service.book.get(number).state is OrderState.READY_TO_SHIP)  # type: ignore[union-attr]

        detail = await desk.service.order_detail(number, refresh=True)
        codes = {line.sku: line.marking_codes for line in detail.composition}
        assert codes[NUROFEN_SKU] == (pack("SERIALNUROF01"), pack("SERIALNUROF02"))  # GS rebuilt, layout undone
        assert Sound.OK in desk.player.played


async def test_fewer_packs_need_a_reason_before_assembled(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        number = await env.relay.create_order()
        await open_in_assembly(desk, number)
        view = desk.window.assembly
        assert await act(desk, Qt.Key.Key_F5) is Tone.OK
        assert await scan(desk, pack("SERIALNUROF01")) is FeedbackCode.SERIES_NEEDED
        assert view.choose_series(1)

        assert await act(desk, Qt.Key.Key_F8) is Tone.REFUSED  # 1 of 2 without a reason
        assert "укажите причину" in view.feedback.text()

        view.table.setFocus()
        await press(desk.window, Qt.Key.Key_F6)
        await eventually(lambda: view.findChild(ReasonDialog, "reasonDialog") is not None)
        dialog = view.findChild(ReasonDialog, "reasonDialog")
        assert dialog is not None and dialog.reason() == "нет в наличии"
        dialog.accept()
        await eventually(lambda: view.session.line(NUROFEN_SKU).reason == "нет в наличии")  # type: ignore[union-attr]

        assert await act(desk, Qt.Key.Key_F8) is Tone.OK
        detail = await desk.service.order_detail(number, refresh=True)
        assert detail.state is OrderState.ASSEMBLED
        assert [(line.sku, line.quantity) for line in detail.composition] == [(NUROFEN_SKU, 1)]


async def test_the_bag_count_is_set_by_plus_and_minus_once_assembled(live: Callable[[], Live]) -> None:
    async def person_types(keys: str) -> None:  # one key at a time, as a person does (not a scanner burst)
        for key in keys:
            await type_keys(key, window=desk.window, gap=0.2, end=None)
            await asyncio.sleep(0.2)

    async with live() as env:
        desk = await env.open_desk()
        one_line = [position(ASPIRIN_SKU, "Аспирин 500мг №10", 1, "99.50")]
        number = await env.relay.create_order(positions=one_line, total={"totalPrice": "99.50"})
        await open_in_assembly(desk, number)
        view = desk.window.assembly
        assert await scan(desk, ASPIRIN_EAN) is FeedbackCode.OK  # the first scan starts the assembly
        await person_types("+")  # not yet: still assembling
        assert view.session is not None and view.session.bags == 1

        assert await act(desk, Qt.Key.Key_F8) is Tone.OK
        await eventually(lambda: view.prompt.text().startswith("Собрано. Пакетов: 1"))
        await person_types("++-")
        await eventually(lambda: view.prompt.text().startswith("Собрано. Пакетов: 2"))
        assert view.session.bags == 2 and "этикетка на каждый пакет (2)" in view.prompt.text()
        await person_types("---")
        await eventually(lambda: view.prompt.text().startswith("Собрано. Пакетов: 1"))  # never fewer than one
        await person_types("+")
        await eventually(lambda: view.session is not None and view.session.bags == 2)

        assert await act(desk, Qt.Key.Key_F9) is Tone.OK
        detail = await desk.service.order_detail(number, refresh=True)
        assert detail.state is OrderState.READY_TO_SHIP
        assert detail.packs == 2  # Kuper's packs.count, one label per bag


async def test_a_cancellation_during_assembly_shows_what_to_put_back(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        order_uuid = new_uuid()
        number = await env.relay.create_order(order_uuid=order_uuid)
        await open_in_assembly(desk, number)
        assert await act(desk, Qt.Key.Key_F5) is Tone.OK
        assert await scan(desk, pack("SERIALNUROF01")) is FeedbackCode.SERIES_NEEDED
        assert desk.window.assembly.choose_series(2)

        await env.relay.event("order_canceled", order_uuid)
        await eventually(lambda: desk.window.return_dialog is not None and desk.window.return_dialog.isVisible())
        dialog = desk.window.return_dialog
        assert dialog is not None
        title = dialog.findChild(QLabel, "title")
        assert title is not None and title.text() == f"Заказ {number} отменён. Верните на полку:"
        assert [(i.name, i.quantity, i.series) for i in dialog.items] == [("Нурофен таб. п/о 200мг №20", 1, "N-2222")]
        cell = dialog.table.item(0, 0)
        assert cell is not None and cell.text() == "Нурофен таб. п/о 200мг №20"
        assert Sound.ERROR in desk.player.played
        assert not desk.window.assembling  # the screen went back to the queue
        dialog.accept()
        await eventually(lambda: desk.window.return_dialog is None)
        await eventually(lambda: desk.service.book.get(number).state is OrderState.CANCELED)  # type: ignore[union-attr]


async def test_offline_actions_queue_and_replay_in_order(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        number = await env.relay.create_order(positions=[TWO_LINES[1]], total={"totalPrice": "99.50"})
        await open_in_assembly(desk, number)

        await env.relay.stop()  # the relay goes away
        await eventually(lambda: desk.window.status.state in (ConnectionState.RECONNECTING, ConnectionState.OFFLINE))
        assert await act(desk, Qt.Key.Key_F5) is Tone.PENDING
        assert "сохранено" in desk.window.assembly.feedback.text()
        assert await scan(desk, ASPIRIN_EAN) is FeedbackCode.OK
        assert await act(desk, Qt.Key.Key_F8) is Tone.PENDING
        await eventually(lambda: desk.window.status.queued_count == 2 and desk.window.status.queued.isVisible())
        assert desk.window.status.queued.text() == "Ждут отправки: 2"

        await env.relay.start()  # back on the same port and database
        await eventually(lambda: desk.window.status.state is ConnectionState.CONNECTED, timeout=15)
        await eventually(lambda: desk.window.status.queued_count == 0 and not desk.window.status.queued.isVisible())
        await eventually(lambda: desk.service.book.get(number).state is OrderState.ASSEMBLED)  # type: ignore[union-attr]
        detail = await desk.service.client.get_order(number)
        assert [a.kind for a in detail.history.actions] == ["start_assembly", "assembled"]
        assert all(a.status_code == 200 for a in detail.history.actions)


async def test_two_windows_cannot_both_assemble_one_order(live: Callable[[], Live]) -> None:
    async with live() as env:
        first = await env.open_desk("Касса 1", operator="Иванова")
        second = await env.open_desk("Касса 2")
        number = await env.relay.create_order()
        await eventually(lambda: number in first.number_rows and number in second.number_rows)
        await eventually(lambda: second.window.alerts.ringing == [number])

        await open_in_assembly(first, number)
        assert await act(first, Qt.Key.Key_F5) is Tone.OK
        await eventually(lambda: second.service.book.get(number).state is OrderState.COLLECTING)  # type: ignore[union-attr]
        await eventually(lambda: not second.window.alerts.ringing)  # the bell stopped on the other PC too

        await open_in_assembly(second, number)
        assert "Собирает: Касса 1 (Иванова)" in second.window.assembly.details.text()
        errors = second.player.count(Sound.ERROR)
        assert await act(second, Qt.Key.Key_F5) is Tone.REFUSED
        message = second.window.assembly.feedback.text()
        assert "Касса 1" in message and "Иванова" in message
        assert second.player.count(Sound.ERROR) == errors + 1
        outcome = await second.service.start_assembly(number)
        assert isinstance(outcome, Refused) and outcome.code == "claimed_by_other"


async def test_a_substitute_and_an_unknown_barcode_are_assembled(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        number = await env.relay.create_order()  # Нурофен ×2
        await open_in_assembly(desk, number)
        view = desk.window.assembly
        assert await act(desk, Qt.Key.Key_F5) is Tone.OK

        view.table.setFocus()
        await press(desk.window, Qt.Key.Key_F4)
        await eventually(lambda: view.findChild(SubstituteDialog, "substituteDialog") is not None)
        dialog = view.findChild(SubstituteDialog, "substituteDialog")
        assert dialog is not None and not dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.sku.setText("300300")
        dialog.name.setText("Ибупрофен 200мг №20")
        dialog.price.setText("150,00")
        dialog.gtin.setText("4600000000015")
        assert dialog.buttons.button(dialog.buttons.StandardButton.Ok).isEnabled()
        dialog.accept()
        await eventually(lambda: view.session.line("300300") is not None)  # type: ignore[union-attr]
        assert "вместо 100234" in view.table.model().index(1, 0).data()

        assert await scan(desk, "4600000000015") is FeedbackCode.OK  # the substitute's own barcode
        assert await scan(desk, "4600000000022") is FeedbackCode.UNKNOWN_PRODUCT  # nobody knows this one
        await eventually(lambda: view.findChild(LineChoiceDialog, "lineChoiceDialog") is not None)
        choice = view.findChild(LineChoiceDialog, "lineChoiceDialog")
        assert choice is not None
        rows = [choice.list.item(i).data(256) for i in range(choice.list.count())]
        choice.list.setCurrentRow(rows.index("300300"))
        choice.accept()
        await eventually(lambda: view.session.line("300300").picked == 2)  # type: ignore[union-attr]
        assert view.session.learned_gtins["04600000000022"] == "300300"  # type: ignore[union-attr]

        assert await act(desk, Qt.Key.Key_F8) is Tone.OK
        detail = await desk.service.order_detail(number, refresh=True)
        assert {(line.sku, line.quantity, line.replaces) for line in detail.composition} == {
            (NUROFEN_SKU, 0, None),
            ("300300", 2, NUROFEN_SKU),
        }
        assert desk.service.catalogue["04600000000022"] == "300300"  # remembered for the next orders


async def test_a_pack_whose_serial_was_recorded_on_receipt_gets_its_series_without_a_key(
    live: Callable[[], Live],
) -> None:
    async with live() as env:
        recorded = FoundSeries(gtin=NUROFEN_GTIN, serial="SERIALNUROF07", series="N-2222", sku=NUROFEN_SKU)
        await remember_pack_serials(env.relay.state.engine, STORE, [recorded])
        desk = await env.open_desk()
        number = await env.relay.create_order(positions=TWO_LINES, total={"totalPrice": "499.48"})
        await open_in_assembly(desk, number)
        view = desk.window.assembly
        assert await act(desk, Qt.Key.Key_F5) is Tone.OK

        # two series are planned, so the scan alone is ambiguous; the relay knows this serial's series
        assert await scan(desk, pack("SERIALNUROF07")) is FeedbackCode.SERIES_NEEDED
        await eventually(lambda: view.last_feedback is not None and view.last_feedback.code is FeedbackCode.OK)
        line = view.session.line(NUROFEN_SKU)  # type: ignore[union-attr]
        assert line is not None and [(p.series, p.series_pending) for p in line.packs] == [("N-2222", False)]
        assert not view.series.isVisible()
