"""A 2-item pickup order from «new» to «handed over» by keys and scans only, counting the pharmacist's actions,
with the prompt that names the next key at every step; focus and keys after dialogs; Del on the hand-over;
a text field of a dialog is never taken for a scanner."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication

from pharmacy_desk.desk.scanner import manual_entry
from pharmacy_desk.domain import OrderState
from pharmacy_desk.domain.bag_label import encode_bag_label
from pharmacy_desk.ui.line_dialogs import ReasonDialog
from tests.desk.desk_support import STORE, position
from tests.support import eventually
from tests.ui.handover_support import make_ready, store_with_pickup, told_code, tools, with_relay
from tests.ui.ui_support import ASPIRIN_EAN, ASPIRIN_SKU, NUROFEN_SKU, Desk, Live, activate, pack, press, type_keys

MAX_ACTIONS = 12  # the target (it took 19 before)
TWO_ITEMS = [
    position(NUROFEN_SKU, "Нурофен таб. п/о 200мг №20", 1, "199.99"),
    position(ASPIRIN_SKU, "Аспирин 500мг №10", 1, "99.50"),
]


class Actions:
    """Every key the pharmacist presses and every scan, counted (typing the customer's code and Enter is one)."""

    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.done: list[str] = []

    async def key(self, key: Qt.Key, name: str) -> None:
        self.done.append(name)
        await press(self.desk.window, key)

    async def scan(self, text: str, name: str) -> None:
        self.done.append(name)
        await type_keys(text, window=self.desk.window)

    async def type(self, text: str, name: str) -> None:
        self.done.append(name)
        await type_keys(text, window=self.desk.window, gap=0.06)


def state(desk: Desk, number: str) -> OrderState | None:
    summary = desk.service.book.get(number)
    return summary.state if summary is not None else None


async def test_a_pickup_order_from_new_to_handed_over_in_twelve_actions(live: Callable[[], Live]) -> None:
    async with with_relay(live(), stores=store_with_pickup()) as env:
        desk = await env.open_desk("Касса 1", operator="Иванова")
        window, view = desk.window, desk.window.assembly
        number = await env.relay.create_order("pickup", positions=TWO_ITEMS, total={"totalPrice": "299.49"})
        await eventually(lambda: number in desk.number_rows)
        await activate(window)
        await eventually(lambda: window.queue.selected_number() == number)  # the new order, selected at the top
        window.queue.table.setFocus()
        act = Actions(desk)

        await act.key(Qt.Key.Key_Return, "Enter: open the order")
        await eventually(lambda: window.assembling and view.number == number)
        assert "Сканируйте первую упаковку" in view.prompt.text()
        assert not window.alerts.ringing  # opening a ringing order is seeing it: no F2 needed

        await act.scan(pack("SERIALNUROF01", expiry="271231"), "scan the Нурофен pack")
        await eventually(lambda: view.session is not None and view.session.picked == 1)
        await eventually(lambda: state(desk, number) is OrderState.COLLECTING)  # the first scan started it
        assert "осталось 1" in view.prompt.text()
        await act.scan(ASPIRIN_EAN, "scan the Аспирин pack")
        await eventually(lambda: view.session is not None and view.session.picked == 2)
        assert view.prompt.text() == "Всё собрано: F8 — собрано" and view.buttons["F8"].isEnabled()
        assert not view.buttons["F9"].isEnabled() and "Сначала F8" in view.buttons["F9"].toolTip()

        await act.key(Qt.Key.Key_F8, "F8: assembled")
        await eventually(lambda: state(desk, number) is OrderState.ASSEMBLED)
        await eventually(lambda: view.prompt.text().startswith("Собрано. Пакетов: 1"))
        await act.key(Qt.Key.Key_F9, "F9: ready")
        await eventually(lambda: state(desk, number) is OrderState.AWAITING_PICKUP)
        await eventually(lambda: view.prompt.text().startswith("Готов. Положите пакет"))
        order = await desk.service.order_detail(number, refresh=True)
        assert order.pickup is not None
        code = await told_code(env, number)  # what Kuper's app shows the customer

        # the customer comes: the bag's label opens the hand-over wherever the pharmacist is
        handover = tools(desk).handover
        await act.scan(encode_bag_label(STORE, number), "scan the bag label")
        await eventually(lambda: handover.number == number and handover.isVisible() and handover.code.hasFocus())
        assert "код" in handover.feedback.text().lower()
        assert handover.steps.text().startswith("○ Код выдачи   ○ Коды упаковок проверены   ○ Оплачено   ○ Чек")
        assert not handover.buttons["F7"].isEnabled() and "код выдачи" in handover.buttons["F7"].toolTip()
        await act.type(code, "type the code the customer says, Enter")
        await eventually(lambda: handover.session is not None and handover.session.verified)
        # no key: the code accepted, the register checks the Нурофен pack's marking code (permit mode) itself
        await eventually(lambda: handover.flow is not None and handover.flow.codes_checked and not handover.working)
        assert handover.feedback.text() == (
            "Код верный, коды упаковок проверены. Примите оплату: 299,49\u00a0₽ — F6 наличные, F7 карта"
        )
        assert handover.steps.text().startswith("✔ Код выдачи   ✔ Коды упаковок проверены   ○ Оплачено")
        assert handover.buttons["F7"].isEnabled() and not handover.buttons["F9"].isEnabled()
        await act.key(Qt.Key.Key_F7, "F7: paid by card")
        await eventually(lambda: handover.session is not None and handover.session.payment is not None)
        assert handover.feedback.text() == "Оплачено картой: 299,49\u00a0₽. F9 — чек и выдача"
        assert handover.buttons["F9"].isEnabled()
        await act.key(Qt.Key.Key_F9, "F9: receipt and hand-over")  # one key: the receipt, then hand_over
        await eventually(lambda: state(desk, number) is OrderState.SHIPPED)
        await eventually(lambda: handover.feedback.text() == f"Заказ {number} выдан")
        done = "✔ Код выдачи   ✔ Коды упаковок проверены   ✔ Оплачено   ✔ Чек пробит   ✔ Выдано"
        assert handover.steps.text() == done

        # the register printed one sale receipt with the pack's marking code, and the relay has it
        (printed,) = env.register.printed
        assert printed.codes == [code for line in order.composition for code in line.marking_codes]
        shipped = await desk.service.order_detail(number, refresh=True)
        assert shipped.receipts and shipped.receipts[-1].number == printed.number
        assert act.done == [
            "Enter: open the order",
            "scan the Нурофен pack",
            "scan the Аспирин pack",
            "F8: assembled",
            "F9: ready",
            "scan the bag label",
            "type the code the customer says, Enter",
            "F7: paid by card",
            "F9: receipt and hand-over",
        ]
        assert len(act.done) <= MAX_ACTIONS, act.done


async def test_keys_work_after_a_dialog_without_a_click(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        window, view = desk.window, desk.window.assembly
        number = await env.relay.create_order(positions=TWO_ITEMS, total={"totalPrice": "299.49"})
        await eventually(lambda: number in desk.number_rows)
        await window.open_order(number)
        await view.do_start()
        await activate(window)
        view.table.setFocus()
        view.table.selectRow(0)

        await press(window, Qt.Key.Key_F7)  # "missing": a reason dialog
        await eventually(lambda: isinstance(QApplication.activeModalWidget(), ReasonDialog))
        dialog = QApplication.activeModalWidget()
        assert isinstance(dialog, ReasonDialog)
        # a person types a reason fast, in the dialog's field: it stays typing, not a "scan"
        dialog.reasons.lineEdit().clear()
        dialog.reasons.setFocus()
        await type_keys("нет на складе", end=None)
        await eventually(lambda: dialog.reason() == "нет на складе")
        dialog.accept()
        await eventually(lambda: QApplication.activeModalWidget() is None)
        await eventually(lambda: QApplication.activeWindow() is window and view.table.hasFocus())

        # no click: the next keys and scans work at once
        await type_keys(ASPIRIN_EAN, window=window)
        await eventually(lambda: view.session is not None and view.session.picked == 1)
        line = view.session.line(NUROFEN_SKU) if view.session is not None else None
        assert line is not None and line.reason == "нет на складе"
        await press(window, Qt.Key.Key_F8)
        await eventually(lambda: state(desk, number) is OrderState.ASSEMBLED)


async def test_del_declines_a_pack_on_the_hand_over_whatever_has_the_focus(live: Callable[[], Live]) -> None:
    async with with_relay(live(), stores=store_with_pickup()) as env:
        desk = await env.open_desk()
        number, order = await make_ready(desk, env)
        assert order.pickup is not None
        view = tools(desk).handover
        await activate(desk.window)
        await tools(desk).open_handover(number)
        view.code.setFocus()
        await type_keys(await told_code(env, number), gap=0.06)
        await eventually(lambda: view.session is not None and view.session.verified)
        # the register checks the packs' codes first: Del waits for it (the packs are the register's now)
        await eventually(lambda: view.flow is not None and view.flow.codes_checked and not view.working)
        before = view.session.amount if view.session is not None else None
        view.order_field.setFocus()  # the (empty) order field has the focus
        view.table.selectRow(0)
        await press(desk.window, Qt.Key.Key_Delete)
        assert view.session is not None and view.session.declined_packs == 1 and view.session.amount != before
        assert view.order_field.hasFocus() and view.feedback.text().startswith("Упаковка убрана")
        await press(desk.window, Qt.Key.Key_Insert)
        assert view.session.declined_packs == 0 and view.session.amount == before
        # Del after the payment still declines, and the payment is to be taken again for the new amount
        await press(desk.window, Qt.Key.Key_F6)
        assert view.session.payment is not None
        await press(desk.window, Qt.Key.Key_Delete)
        assert view.session.declined_packs == 1 and view.session.payment is None
        assert not view.buttons["F9"].isEnabled()


async def test_an_assembly_in_progress_survives_an_app_restart(live: Callable[[], Live]) -> None:
    three = [
        position(NUROFEN_SKU, "Нурофен таб. п/о 200мг №20", 2, "199.99"),
        position(ASPIRIN_SKU, "Аспирин 500мг №10", 1, "99.50"),
    ]
    async with live() as env:
        token = await env.relay.device("Касса 1")
        first = await env.open_desk("Касса 1", token=token)
        data_dir = first.service.settings.data_path
        number = await env.relay.create_order(positions=three, total={"totalPrice": "499.48"})
        await eventually(lambda: number in first.number_rows)
        await first.window.open_order(number)
        view = first.window.assembly
        view.handle_scan(manual_entry(pack("SERIALNUROF01", expiry="271231")))
        await eventually(lambda: view.session is not None and view.session.picked == 1)
        view.handle_scan(manual_entry(ASPIRIN_EAN))
        await eventually(lambda: view.session is not None and view.session.picked == 2)  # 2 of 3
        before = view.session.line(NUROFEN_SKU) if view.session is not None else None
        assert before is not None
        # the app is closed mid-assembly (a crash, a reboot, the end of a shift)
        first.window.close()
        await first.service.stop()
        env.desks.remove(first)

        again = await env.open_desk("Касса 1", token=token, data_dir=data_dir)
        await eventually(lambda: number in again.number_rows)
        await again.window.open_order(number)
        restored = again.window.assembly
        assert restored.session is not None and restored.session.picked == 2 and restored.session.required == 3
        nurofen = restored.session.line(NUROFEN_SKU)
        assert nurofen is not None and nurofen.packs == before.packs  # the same pack, its code as sent to Kuper
        assert "осталось 1" in restored.prompt.text()  # it goes on where it stopped, no F5 again
        restored.handle_scan(manual_entry(pack("SERIALNUROF02", expiry="271231")))
        await eventually(lambda: restored.session is not None and restored.session.complete)
        await restored.do_assembled()
        await eventually(lambda: state(again, number) is OrderState.ASSEMBLED)
        assert not again.service.assemblies.path(number).exists()  # the relay has it now
