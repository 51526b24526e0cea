"""What a replay conflict says to the pharmacist: who changed the order, what changed, what to do now.

An action saved while the relay was away (offline queue) can meet an order that moved on meanwhile:
Kuper or another PC canceled it, another PC took over its assembly... The relay's own message
(«Заказ изменился: повторите действие») says none of that; :func:`explain` reads the order as it is
now (``QueueConflict.current_order``) and says it in Russian, with the packs to put back on the shelf
when the order is gone.
"""

from __future__ import annotations

from pharmacy_desk.desk.offline_queue import QueueConflict
from pharmacy_desk.domain import Order, OrderState
from pharmacy_desk.domain.states import CANCEL_REASON_RU, STATE_RU

ACTION_RU = {
    "accept": "принять заказ",
    "start_assembly": "начать сборку",
    "assembled": "собрано",
    "ready": "готов",
    "label_printed": "этикетка напечатана",
    "hand_to_courier": "передан курьеру",
    "cancel": "отмена",
}


def _packs(order: Order) -> str:
    lines = order.composition or order.ordered
    return ", ".join(f"{line.name or line.sku} — {line.quantity} уп." for line in lines if line.quantity > 0)


def explain(conflict: QueueConflict) -> str:
    """One paragraph: who, what, what now."""
    action = ACTION_RU.get(conflict.action.action.kind, conflict.action.action.kind)
    number = conflict.number
    order = conflict.current_order
    not_sent = f"Ваше действие «{action}», сохранённое без связи, не отправлено"
    if order is None:
        return f"Заказ {number}: {not_sent}: {conflict.message}. Откройте заказ и повторите."
    if order.state is OrderState.CANCELED:
        cancel = order.cancellation
        who = "Купер (покупатель или служба)" if cancel is not None and cancel.by_kuper else "другая касса аптеки"
        reason = CANCEL_REASON_RU.get(cancel.reason) if cancel is not None and cancel.reason else None
        what = f"отменил(а) заказ ({reason})" if reason else "отменил(а) заказ"
        packs = _packs(order)
        now = f" Верните на полку: {packs}." if packs else ""
        return f"Заказ {number}: {who} {what}. {not_sent}.{now}"
    if order.assembler is not None and order.state is OrderState.COLLECTING:
        return (
            f"Заказ {number}: его собирает {order.assembler.label}. {not_sent}. "
            f"Если упаковки у вас — передайте их туда или верните на полку."
        )
    who = f"{order.assembler.label}: " if order.assembler is not None else ""
    return (
        f"Заказ {number}: {who}заказ уже «{STATE_RU[order.state]}». {not_sent}. "
        "Откройте заказ, проверьте и повторите, если нужно."
    )
