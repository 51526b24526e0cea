"""Between the wire and the domain: Kuper's webhooks in, our notifications out.

The domain (``pharmacy_desk.domain``) knows nothing of wire names; this module is the one place that
turns a parsed webhook into the domain's :class:`NewOrder` / :class:`KuperEvent`, and a domain
:class:`Notification` into the strict wire model we POST to Kuper.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.events import KuperEvent, NewOrder
from pharmacy_desk.domain.events import Notification as DomainNotification
from pharmacy_desk.domain.money import ZERO
from pharmacy_desk.domain.order import Courier, Customer
from pharmacy_desk.domain.states import CANCEL_REASON_RU, NotificationType
from pharmacy_desk.kuper.notification_parts import NotificationPosition
from pharmacy_desk.kuper.notifications import (
    AcceptedNotification,
    AssembledNotification,
    CanceledNotification,
    DeliveredNotification,
    InWorkNotification,
    Notification,
    PickupCodeCreatedNotification,
    ReadyForDeliveryNotification,
)
from pharmacy_desk.kuper.webhook_parts import DeliveryWindow, OrderPosition, OrderTotal
from pharmacy_desk.kuper.webhooks import (
    CourierAssignedWebhook,
    OrderCanceledWebhook,
    OrderCreatedWebhook,
    OrderPaidWebhook,
    OrderUpdatedWebhook,
    Webhook,
)


def _aware(value: object) -> datetime | None:
    """A wire moment the domain can use: a timezone-aware datetime, else nothing."""
    return value if isinstance(value, datetime) and value.tzinfo is not None else None


def line_from_position(position: OrderPosition) -> Line:
    """One ordered line. Kuper's ``quantity`` is what is ordered now, ``originalQuantity`` a fallback."""
    quantity = position.quantity if position.quantity is not None else position.original_quantity or 0
    quantity = max(quantity, 0)
    price = position.price
    if price is None and position.discount_price is None and position.total_price is not None and quantity:
        price = (position.total_price / quantity).quantize(Decimal("0.01"))
    price = price if price is not None else position.discount_price
    return Line(
        sku=position.sku,
        name=position.name or position.sku,
        quantity=quantity,
        ordered_quantity=quantity,
        price=price if price is not None else ZERO,
        discount_price=position.discount_price,
        weight=position.weight,
    )


def _kuper_total(total: OrderTotal | None) -> Decimal | None:
    if total is None:
        return None
    return total.discount_total_price if total.discount_total_price is not None else total.total_price


def _window(window: DeliveryWindow | None) -> tuple[datetime | None, datetime | None]:
    if window is None:
        return None, None
    return _aware(window.expected_from), _aware(window.expected_to)


def new_order_from_webhook(webhook: OrderCreatedWebhook) -> NewOrder:
    """The domain's view of ``order.created``."""
    p = webhook.payload
    due_from, due_to = _window(p.delivery)
    return NewOrder(
        kuper_id=p.order_uuid,
        original_order_id=p.original_order_id,
        shipment_method=str(p.shipment_method) if p.shipment_method is not None else None,
        customer=Customer(name=p.customer.name, phone=p.customer.phone, email=p.customer.email)
        if p.customer
        else Customer(),
        address=p.address.full_address if p.address else None,
        due_from=due_from,
        due_to=due_to,
        comment=p.comment,
        replacement_policy=p.replacement_policy,
        lines=tuple(line_from_position(pos) for pos in p.positions or ()),
        total=_kuper_total(p.total),
    )


def event_from_webhook(webhook: Webhook, *, received_at: datetime) -> KuperEvent:
    """The domain's view of any webhook (``order.created`` too: as a redelivery it is an event)."""
    at = _aware(webhook.timestamp) or received_at
    fields: dict[str, object] = {}
    match webhook:
        case CourierAssignedWebhook():
            c = webhook.payload.courier
            fields["courier"] = Courier(name=c.name, phone=c.phone, photo_url=c.photo_url) if c else Courier()
        case OrderUpdatedWebhook():
            p = webhook.payload
            if p.positions is not None:
                fields["lines"] = tuple(line_from_position(pos) for pos in p.positions)
            fields["due_from"], fields["due_to"] = _window(p.delivery)
        case OrderPaidWebhook():
            fields["paid_total"] = _kuper_total(webhook.payload.total)
        case OrderCanceledWebhook():
            cancellation = webhook.payload.cancellation
            if cancellation is not None:
                fields["cancel_slug"] = cancellation.slug
                fields["cancel_description"] = cancellation.description
    return KuperEvent.model_validate({"type": str(webhook.event_type), "at": at, **fields})


def _positions(lines: tuple[Line, ...] | None) -> list[NotificationPosition]:
    return [
        NotificationPosition.build(
            line.sku,
            line.quantity,
            line.price if line.discount_price is None else max(line.price, line.discount_price),
            line.unit_price,
            marking_codes=line.marking_codes,
            replaces=line.replaces,
            weight=line.weight,
        )
        for line in lines or ()
    ]


def notification_to_wire(note: DomainNotification) -> Notification:
    """The strict wire model for a domain notification (raises if the domain produced a bad one)."""
    uuid, number = note.kuper_id, note.number
    match note.type:
        case NotificationType.ACCEPTED:
            return AcceptedNotification.build(uuid, number)
        case NotificationType.IN_WORK:
            return InWorkNotification.build(uuid, number)
        case NotificationType.ASSEMBLED:
            return AssembledNotification.build(uuid, number)
        case NotificationType.READY_FOR_DELIVERY:
            return ReadyForDeliveryNotification.build(uuid, number, _positions(note.lines))
        case NotificationType.DELIVERED:
            return DeliveredNotification.build(uuid, number, _positions(note.lines))
        case NotificationType.PICKUP_CODE_CREATED:
            assert note.pickup_code is not None
            return PickupCodeCreatedNotification.build(uuid, number, note.pickup_code)
        case NotificationType.CANCELED:
            assert note.cancel_reason is not None
            description = note.cancel_description or CANCEL_REASON_RU[note.cancel_reason]
            return CanceledNotification.build(uuid, number, note.cancel_reason.value, description)
    raise AssertionError(f"unhandled notification {note.type}")  # pragma: no cover
