"""The closed vocabularies of the Kuper wire: event types, shipment methods, cancellation slugs.

All values come from the seeds and the protocol document (``docs/kuper-protocol.md`` §2–§3); none is
assumed. Incoming webhooks never fail on a value missing here (an unknown ``event_type`` becomes an
:class:`~pharmacy_desk.kuper.webhooks.UnknownWebhook`, an unknown shipment method stays a raw string);
outgoing notifications only ever use these values.
"""

from __future__ import annotations

from enum import StrEnum


class WebhookEvent(StrEnum):
    """``event_type`` of a webhook (Kuper → merchant)."""

    ORDER_CREATED = "order.created"
    ORDER_UPDATED = "order.updated"
    COURIER_ASSIGNED = "courier.assigned"
    COURIER_ARRIVED = "courier.arrived"
    ORDER_PAID = "order.paid"
    ORDER_RECEIVED = "order.received"
    ORDER_DELIVERING = "order.delivering"
    ORDER_DELIVERED = "order.delivered"
    ORDER_CANCELED = "order.canceled"


class NotificationEvent(StrEnum):
    """``event_type`` of a notification (merchant → Kuper)."""

    ORDER_ACCEPTED = "order.accepted"
    ORDER_IN_WORK = "order.in_work"
    ORDER_ASSEMBLED = "order.assembled"
    ORDER_READY_FOR_DELIVERY = "order.ready_for_delivery"
    ORDER_PICKUP_CODE_CREATED = "order.pickup_code_created"
    ORDER_DELIVERED = "order.delivered"
    ORDER_CANCELED = "order.canceled"


class ShipmentMethod(StrEnum):
    """Who takes the order to the customer."""

    BY_COURIER = "by_courier"  # Kuper's courier delivers
    PICKUP = "pickup"  # the customer picks up at the pharmacy


class CancellationSlug(StrEnum):
    """Reasons a cancellation may carry (the merchant may only send these)."""

    STORE_CLOSED = "store_closed"
    OUT_OF_STOCK = "out_of_stock"
    TECHNICAL_ISSUES = "technical_issues"
    ORDER_NOT_PAID = "order_not_paid"
    CUSTOMER_REQUEST = "customer_request"


WEBHOOK_EVENT_ALIASES: dict[str, WebhookEvent] = {
    "order.cancelled": WebhookEvent.ORDER_CANCELED,  # a pharmacy ERP's spelling
    "order.changed": WebhookEvent.ORDER_UPDATED,  # likewise
}
"""Other spellings of webhook event types, taken as the event they name."""


def webhook_event(event_type: str) -> WebhookEvent | None:
    """The known webhook event ``event_type`` names (either spelling), else ``None``."""
    try:
        return WebhookEvent(event_type)
    except ValueError:
        return WEBHOOK_EVENT_ALIASES.get(event_type)


class NotificationFormat(StrEnum):
    """The shape of the notifications we POST (``kuper.notification_format``)."""

    SEEDS = "seeds"  # {"event_type", "payload": {"orderUUID", "number", "positions", "total", "pickupCode"}}
    NESTED = "nested"  # {"event": {"type", "payload": {"order_id", "number", "order": {...}, "code"}}} (live)


class ShipmentState(StrEnum):
    """``state`` of a shipment as Kuper's shipments API reports it (live sources)."""

    PENDING = "pending"
    READY = "ready"  # new, waiting for the store (not "ready for delivery")
    ACCEPTED = "accepted"
    COLLECTING = "collecting"
    ASSEMBLED = "assembled"
    READY_TO_SHIP = "ready_to_ship"
    SHIPPING = "shipping"
    SHIPPED = "shipped"
    CANCELED = "canceled"


SHIPMENT_STATE_RANK: dict[ShipmentState, int] = {
    ShipmentState.PENDING: 0,
    ShipmentState.READY: 0,
    ShipmentState.ACCEPTED: 1,
    ShipmentState.COLLECTING: 2,
    ShipmentState.ASSEMBLED: 3,
    ShipmentState.READY_TO_SHIP: 4,
    ShipmentState.SHIPPING: 5,
    ShipmentState.SHIPPED: 6,
}
"""How far an order has come on Kuper's side (``canceled`` is off this scale)."""

NOTIFICATION_SHIPMENT_STATE: dict[NotificationEvent, ShipmentState] = {
    NotificationEvent.ORDER_ACCEPTED: ShipmentState.ACCEPTED,
    NotificationEvent.ORDER_IN_WORK: ShipmentState.COLLECTING,
    NotificationEvent.ORDER_ASSEMBLED: ShipmentState.ASSEMBLED,
    NotificationEvent.ORDER_READY_FOR_DELIVERY: ShipmentState.READY_TO_SHIP,
    NotificationEvent.ORDER_DELIVERED: ShipmentState.SHIPPED,
    NotificationEvent.ORDER_CANCELED: ShipmentState.CANCELED,
}
"""The Kuper state a notification moves the order to (the pickup code moves none)."""


def kuper_already_has(event: NotificationEvent, state: str) -> bool:
    """True when Kuper's ``state`` shows it already knows what ``event`` would tell it.

    A state at or past the notification's state counts; ``canceled`` only for a cancellation. The
    pickup code moves no state; it follows ``ready_for_delivery``, and our strict models never send a
    code Kuper could refuse for its form, so a 422 for it while Kuper is at ``ready_to_ship`` or later
    is taken as a repeat (the code went through, its answer was lost).
    """
    try:
        now = ShipmentState(state)
    except ValueError:
        return False
    if event is NotificationEvent.ORDER_CANCELED or now is ShipmentState.CANCELED:
        return event is NotificationEvent.ORDER_CANCELED and now is ShipmentState.CANCELED
    if event is NotificationEvent.ORDER_PICKUP_CODE_CREATED:
        return SHIPMENT_STATE_RANK[now] >= SHIPMENT_STATE_RANK[ShipmentState.READY_TO_SHIP]
    return SHIPMENT_STATE_RANK[now] >= SHIPMENT_STATE_RANK[NOTIFICATION_SHIPMENT_STATE[event]]
