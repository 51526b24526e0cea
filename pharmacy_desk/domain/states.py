"""The vocabulary of an order's life: flows, states, payment, Kuper's events and our notifications."""

from __future__ import annotations

from enum import StrEnum


class Flow(StrEnum):
    """Who takes the goods from the counter."""

    DELIVERY = "by_courier"  # Kuper's courier delivers
    PICKUP = "pickup"  # the customer comes with a pickup code and pays at the counter
    UNKNOWN = "unknown"  # Kuper sent a shipment method we do not know: flagged, handled as delivery


class OrderState(StrEnum):
    """Where an order stands. Names follow the seeds' statuses where they name one."""

    NEW = "new"
    ACCEPTED = "accepted"  # restaurant step, only when the store setting asks for it
    COLLECTING = "collecting"  # after order.in_work
    ASSEMBLED = "assembled"
    READY_TO_SHIP = "ready_to_ship"  # after order.ready_for_delivery
    AWAITING_PICKUP = "awaiting_pickup"  # pickup: code issued, waiting for the customer
    PAID = "paid"  # delivery: Kuper charged the customer (order.paid)
    SHIPPING = "shipping"  # delivery: the courier took the bag (order.received)
    SHIPPED = "shipped"  # delivered by Kuper, or handed over to the customer
    CANCELED = "canceled"


TERMINAL_STATES = frozenset({OrderState.SHIPPED, OrderState.CANCELED})

# The order in which states follow each other; used to tell "ahead" from "behind".
STATE_RANK: dict[OrderState, int] = {
    OrderState.NEW: 0,
    OrderState.ACCEPTED: 1,
    OrderState.COLLECTING: 2,
    OrderState.ASSEMBLED: 3,
    OrderState.READY_TO_SHIP: 4,
    OrderState.AWAITING_PICKUP: 5,
    OrderState.PAID: 5,
    OrderState.SHIPPING: 6,
    OrderState.SHIPPED: 7,
    OrderState.CANCELED: 8,
}


class PaymentMethod(StrEnum):
    CASH = "cash"
    CARD = "card"
    KUPER = "kuper"  # Kuper charged the customer (order.paid)


class KuperEventType(StrEnum):
    """Webhooks Kuper sends us (docs/kuper-protocol.md §2)."""

    CREATED = "order.created"
    UPDATED = "order.updated"
    COURIER_ASSIGNED = "courier.assigned"
    COURIER_ARRIVED = "courier.arrived"
    PAID = "order.paid"
    RECEIVED = "order.received"
    DELIVERING = "order.delivering"
    DELIVERED = "order.delivered"
    CANCELED = "order.canceled"


class NotificationType(StrEnum):
    """Notifications we send Kuper (docs/kuper-protocol.md §3)."""

    ACCEPTED = "order.accepted"
    IN_WORK = "order.in_work"
    ASSEMBLED = "order.assembled"
    READY_FOR_DELIVERY = "order.ready_for_delivery"
    PICKUP_CODE_CREATED = "order.pickup_code_created"
    DELIVERED = "order.delivered"
    CANCELED = "order.canceled"


class CancelReason(StrEnum):
    """Kuper's cancellation slugs."""

    STORE_CLOSED = "store_closed"
    OUT_OF_STOCK = "out_of_stock"
    TECHNICAL_ISSUES = "technical_issues"
    ORDER_NOT_PAID = "order_not_paid"
    CUSTOMER_REQUEST = "customer_request"


CANCEL_REASON_RU: dict[CancelReason, str] = {
    CancelReason.STORE_CLOSED: "Аптека закрыта",
    CancelReason.OUT_OF_STOCK: "Нет в наличии",
    CancelReason.TECHNICAL_ISSUES: "Технические проблемы",
    CancelReason.ORDER_NOT_PAID: "Заказ не оплачен",
    CancelReason.CUSTOMER_REQUEST: "По просьбе покупателя",
}

STATE_RU: dict[OrderState, str] = {
    OrderState.NEW: "Новый",
    OrderState.ACCEPTED: "Принят",
    OrderState.COLLECTING: "Собирается",
    OrderState.ASSEMBLED: "Собран",
    OrderState.READY_TO_SHIP: "Готов к выдаче",
    OrderState.AWAITING_PICKUP: "Ждёт покупателя",
    OrderState.PAID: "Оплачен Купером",
    OrderState.SHIPPING: "У курьера",
    OrderState.SHIPPED: "Выдан",
    OrderState.CANCELED: "Отменён",
}
