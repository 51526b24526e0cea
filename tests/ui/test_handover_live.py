"""The hand-over screen against a real relay: the customer's code checked by the relay (tries left, lock-out),
no payment no hand-over, declined packs, a customer who refuses to pay, and the courier of a delivery order."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox

from pharmacy_desk.desk.relay_client import Refused
from pharmacy_desk.domain import CancelReason, HandOver, OrderState, PaymentMethod
from pharmacy_desk.domain.bag_label import encode_bag_label
from pharmacy_desk.ui.handover_view import HandoverView
from pharmacy_desk.ui.outcome import Tone
from tests.desk.desk_support import STORE, new_uuid
from tests.support import eventually
from tests.ui.handover_support import (
    NUROFEN,
    PHOTO_URL,
    TWO_PRODUCTS,
    a_wrong_code,
    load_sample_stock,
    make_ready,
    reserved,
    store_with_pickup,
    told_code,
    tools,
    with_relay,
)
from tests.ui.ui_support import Live, activate, press, type_keys


async def enter_code(view: HandoverView, code: str) -> str:
    """The cashier types the customer's code and Enter; the feedback once the relay answered."""
    before = view.last_shown
    view.code.setFocus()
    await type_keys(code, gap=0.06)
    await eventually(lambda: view.last_shown is not before and not view.busy and not view.working)
    assert view.last_shown is not None
    return view.last_shown.message


async def test_wrong_codes_count_down_lock_out_and_the_right_code_opens_payment(live: Callable[[], Live]) -> None:
    async with with_relay(live(), stores=store_with_pickup(max_attempts=3)) as env:
        desk = await env.open_desk("Касса 1", operator="Иванова")
        first, first_order = await make_ready(desk, env, positions=TWO_PRODUCTS, total={"totalPrice": "545.48"})
        second, second_order = await make_ready(desk, env)
        assert first_order.pickup is not None and second_order.pickup is not None
        first_code, second_code = await told_code(env, first), await told_code(env, second)
        window, view = desk.window, tools(desk).handover
        await activate(window)

        # the bag's label scanned at the queue opens the ready order on the hand-over screen
        await type_keys(encode_bag_label(STORE, first))
        await eventually(lambda: view.number == first and view.isVisible())
        assert view.amount.text() == "К оплате: 545,48\u00a0₽"
        assert [view.lines.index(r, 0).data() for r in range(view.lines.rowCount())] == [
            "Нурофен таб. п/о 200мг №20",
            "Аспирин Кардио 100мг №28",
        ]
        assert not view.buttons["F9"].isEnabled()  # no code, no payment

        wrong = a_wrong_code(first_code)
        assert await enter_code(view, wrong) == "Неверный код выдачи. Осталось попыток: 2"
        assert view.last_shown is not None and view.last_shown.tone is Tone.REFUSED
        # the other order's code is wrong here too, and nothing on the screen names that order
        assert await enter_code(view, second_code) == "Неверный код выдачи. Осталось попыток: 1"
        assert second not in view.feedback.text() and second not in view.code_state.text()
        locked = await enter_code(view, wrong)
        assert locked.startswith("Слишком много неверных попыток: проверка кода заблокирована до ")
        assert "заблокирована до" in view.code_state.text()
        # locked: even the right code is refused until the lock-out ends (one minute here)
        again = await enter_code(view, first_code)
        assert "заблокирована" in again
        relay_order = await desk.service.order_detail(first, refresh=True)
        assert relay_order.pickup is not None and relay_order.pickup.verified_at is None
        assert relay_order.pickup.failed_attempts == 3 and relay_order.pickup.locked_until is not None

        # the next customer, the right code: payment is open, hand-over still is not
        await press(window, Qt.Key.Key_F3)  # the order field
        assert view.order_field.hasFocus()
        await type_keys(second[-6:], gap=0.06)  # the last digits of the number are enough
        await eventually(lambda: view.number == second)
        assert view.isVisible() and view.code.hasFocus()
        assert await enter_code(view, second_code) == (
            "Код верный, коды упаковок проверены. Примите оплату: 379,98\u00a0₽ — F6 наличные, F7 карта"
        )
        assert view.code_state.text() == "✔ Код выдачи проверен"
        assert view.payment.text() == "Не оплачено"
        assert not view.buttons["F9"].isEnabled()
        await view.do_hand_over()  # F9 without a payment says why
        assert view.feedback.text() == "Нет оплаты — нет выдачи: сначала примите оплату (F6 наличные, F7 карта)"
        refused = await desk.service.act(second, HandOver())  # and the relay refuses it too
        assert isinstance(refused, Refused) and refused.code == "payment_missing"

        # the customer declines one pack: the amount is the domain's total of what is left
        view.table.setFocus()
        view.table.selectRow(0)
        await press(window, Qt.Key.Key_Delete)
        assert view.amount.text() == "К оплате: 189,99\u00a0₽"
        await press(window, Qt.Key.Key_F6)
        assert view.payment.text() == "Оплачено наличными: 189,99\u00a0₽"
        assert view.buttons["F9"].isEnabled()
        await press(window, Qt.Key.Key_F9)
        await eventually(lambda: desk.service.book.get(second).state is OrderState.SHIPPED)  # type: ignore[union-attr]
        await eventually(lambda: view.feedback.text() == f"Заказ {second} выдан")
        shipped = await desk.service.order_detail(second, refresh=True)
        assert shipped.payment is not None and shipped.payment.method is PaymentMethod.CASH
        assert str(shipped.payment.amount) == "189.99"
        assert shipped.handed_over is not None and [line.quantity for line in shipped.handed_over] == [1]
        assert len(shipped.handed_over[0].marking_codes) == 1


async def test_a_customer_who_refuses_to_pay_cancels_the_order_and_the_stock_comes_back(
    live: Callable[[], Live],
) -> None:
    async with live() as env:
        await load_sample_stock(env)
        desk = await env.open_desk("Касса 1", operator="Петрова")
        number, order = await make_ready(desk, env)
        assert order.pickup is not None

        async def reserved_packs(packs: int) -> bool:
            return await reserved(env, NUROFEN) == packs

        await eventually(lambda: reserved_packs(2), what="the 2 packs reserved")
        view = tools(desk).handover
        await activate(desk.window)
        await tools(desk).open_handover(number)
        await enter_code(view, await told_code(env, number))
        assert view.buttons["F8"].isEnabled()

        await press(desk.window, Qt.Key.Key_F8)
        await eventually(lambda: isinstance(QApplication.activeModalWidget(), QMessageBox))
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox) and box.objectName() == "refuseToPay"
        assert number in box.text()
        box.button(QMessageBox.StandardButton.Yes).click()

        await eventually(lambda: desk.service.book.get(number).state is OrderState.CANCELED)  # type: ignore[union-attr]
        await eventually(lambda: view.feedback.text() == f"Заказ {number} отменён: не оплачен. Верните товар на полку.")
        detail = await desk.service.order_record(number)
        assert detail.order.cancellation is not None
        assert (
            detail.order.cancellation.reason is CancelReason.ORDER_NOT_PAID and not detail.order.cancellation.by_kuper
        )
        assert [n.event_type for n in detail.history.notifications][-1] == "order.canceled"
        await eventually(lambda: reserved_packs(0), what="the relay to release the reservation")


async def test_the_delivery_timeline_follows_kupers_webhooks(live: Callable[[], Live]) -> None:
    async with live() as env:
        desk = await env.open_desk()
        order_uuid = new_uuid()
        number, _ = await make_ready(desk, env, "delivery", order_uuid=order_uuid)
        view = tools(desk).handover
        await activate(desk.window)
        desk.window.queue.select(number)
        await press(desk.window, Qt.Key.Key_F11)  # the selected ready order on the hand-over screen
        await eventually(lambda: view.number == number)
        assert view.delivery.isVisible() and not view.code.isVisible()
        assert view.courier.name.text() == "Курьер ещё не назначен"
        assert [text.split("\n")[0] for text in view.timeline.texts()] == [
            "○ Оплачен",
            "○ Курьер забрал пакет",
            "○ В пути",
            "○ Доставлен",
        ]

        courier = {"name": "Иван Петров", "phone": "+79990002233", "photoUrl": PHOTO_URL}
        await env.relay.event("courier_assigned", order_uuid, courier=courier)
        await eventually(lambda: view.courier.name.text() == "Иван Петров")
        await eventually(lambda: view.courier.has_photo)
        assert view.courier.phone.text() == "+79990002233"
        await env.relay.event("courier_arrived", order_uuid)
        await eventually(lambda: view.courier.status.text().startswith("У кассы с "))

        await env.relay.event("order_paid", order_uuid, total={"totalPrice": "379.98"})
        await eventually(lambda: view.timeline.texts()[0].startswith("✔ Оплачен"))
        assert view.timeline.texts()[1].startswith("○")
        await env.relay.event("order_received", order_uuid)
        await env.relay.event("order_delivering", order_uuid)
        await eventually(lambda: view.timeline.texts()[2].startswith("✔ В пути"))
        await env.relay.event("order_delivered", order_uuid)
        await eventually(lambda: all(text.startswith("✔") for text in view.timeline.texts()))
        assert desk.service.book.get(number).state is OrderState.SHIPPED  # type: ignore[union-attr]
        assert not view.buttons["F9"].isEnabled() and not view.buttons["F6"].isEnabled()
