"""Between the wire and the domain: Kuper's webhooks in, our notifications out.

The domain (``pharmacy_desk.domain``) knows nothing of wire names; this module is the one place that
turns a parsed webhook into the domain's :class:`NewOrder` / :class:`KuperEvent`, and a domain
:class:`Notification` into the strict wire model we POST to Kuper (in the configured
:class:`~pharmacy_desk.kuper.vocabulary.NotificationFormat`).

What the wire has and the domain cannot hold becomes a :func:`wire_remarks` line for the staff:
a fractional quantity of a piece-counted item is rounded *up* for the domain (the pharmacist may give
fewer, never more than ordered) and the exact amount Kuper sent is named in the remark.

Kuper-side substitutions: a pair of positions where one names the other in ``replacedByID`` is read
with the live meaning ("this position was replaced by that SKU": the named position substitutes
it) unless the quantities say the seeds' meaning (the position carrying ``replacedByID`` has
units and the one it names has none: it is the substitute). A ``replacedByID`` naming no position
of the order is taken in the seeds' meaning (the position substitutes that SKU).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.events import KuperEvent, NewOrder
from pharmacy_desk.domain.events import Notification as DomainNotification
from pharmacy_desk.domain.money import ZERO
from pharmacy_desk.domain.order import Courier, Customer
from pharmacy_desk.domain.states import CANCEL_REASON_RU, NotificationType
from pharmacy_desk.kuper.nested import NestedNotification, nested_from_seeds
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
from pharmacy_desk.kuper.vocabulary import NotificationFormat
from pharmacy_desk.kuper.webhook_parts import Address, DeliveryWindow, OrderPosition, OrderTotal
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


def _units(value: Decimal | None) -> int:
    """A wire quantity as whole units for the domain: fractions rounded up, negatives as 0."""
    if value is None or value <= 0:
        return 0
    return math.ceil(value)


def _is_fraction(value: Decimal | None) -> bool:
    return value is not None and value != value.to_integral_value()


def line_from_position(position: OrderPosition) -> Line:
    """One ordered line. Kuper's ``quantity`` is what is ordered now, ``originalQuantity`` a fallback."""
    raw = position.quantity if position.quantity is not None else position.original_quantity
    quantity = _units(raw)
    price = position.price
    if price is None and position.discount_price is None and position.total_price is not None and raw:
        price = (position.total_price / raw).quantize(Decimal("0.01"))
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


def lines_from_positions(positions: Sequence[OrderPosition]) -> tuple[Line, ...]:
    """The ordered lines, with Kuper-side substitutions applied (see the module's docstring)."""
    lines = {index: line_from_position(position) for index, position in enumerate(positions)}
    index_of = {position.sku: index for index, position in enumerate(positions)}
    for index, position in enumerate(positions):
        named = position.replaced_by_id
        if not named or named == position.sku:
            continue
        other = index_of.get(named)
        if other is None:  # seeds' meaning: this position substitutes an SKU the order no longer lists
            lines[index] = lines[index].model_copy(update={"ordered_quantity": 0, "replaces": named})
            continue
        mine, theirs = lines[index], lines[other]
        if mine.quantity > 0 and theirs.quantity == 0:  # seeds' meaning: this one is the substitute
            substitute, original = index, other
        else:  # live meaning: this position was replaced by the named one
            substitute, original = other, index
        sub, orig = lines[substitute], lines[original]
        lines[substitute] = sub.model_copy(update={"ordered_quantity": 0, "replaces": orig.sku})
        lines[original] = orig.model_copy(
            update={
                "quantity": 0,
                "ordered_quantity": max(orig.ordered_quantity, _units(positions[original].original_quantity)),
                "change_reason": "заменён Купером",
            }
        )
    return tuple(lines[index] for index in sorted(lines))


def wire_remarks(positions: Sequence[OrderPosition] | None) -> list[str]:
    """What the staff must know that the domain's lines cannot say (in Russian)."""
    remarks = []
    for position in positions or ():
        for value in (position.quantity, position.original_quantity):
            if _is_fraction(value):
                shown = position.name or position.sku
                remarks.append(
                    f"Купер прислал дробное количество {value} для «{shown}»: "
                    f"в заказе {_units(value)} уп., проверьте с покупателем"
                )
                break
    return remarks


def _address(address: Address | None) -> str | None:
    return address.describe() if address is not None else None


def _kuper_total(total: OrderTotal | None) -> Decimal | None:
    if total is None:
        return None
    return total.discount_total_price if total.discount_total_price is not None else total.total_price


def _window(window: DeliveryWindow | None) -> tuple[datetime | None, datetime | None]:
    if window is None:
        return None, None
    return _aware(window.expected_from), _aware(window.expected_to)


def _customer(webhook: OrderCreatedWebhook) -> Customer:
    c = webhook.payload.customer
    if c is None:
        return Customer()
    return Customer(name=c.name, phone=c.phone, short_number=c.short_number, email=c.email)


def new_order_from_webhook(webhook: OrderCreatedWebhook) -> NewOrder:
    """The domain's view of ``order.created`` (``completeBefore``, when given, is the deadline)."""
    p = webhook.payload
    due_from, due_to = _window(p.delivery)
    deadline = _aware(p.complete_before)
    return NewOrder(
        kuper_id=p.order_key,
        original_order_id=p.original_order_id,
        shipment_method=str(p.shipment_method) if p.shipment_method is not None else None,
        customer=_customer(webhook),
        address=_address(p.address),
        due_from=due_from,
        due_to=deadline if deadline is not None else due_to,
        comment=p.comment,
        replacement_policy=p.replacement_policy,
        lines=lines_from_positions(p.positions or ()),
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
                fields["lines"] = lines_from_positions(p.positions)
            fields["due_from"], fields["due_to"] = _window(p.delivery)
            if (deadline := _aware(p.complete_before)) is not None:
                fields["due_to"] = deadline
            if p.shipment_method is not None:
                fields["shipment_method"] = str(p.shipment_method)
        case OrderPaidWebhook():
            fields["paid_total"] = _kuper_total(webhook.payload.total)
        case OrderCanceledWebhook():
            cancellation = webhook.payload.cancellation
            if cancellation is not None:
                fields["cancel_slug"] = cancellation.slug
                fields["cancel_description"] = cancellation.description
            reason = webhook.payload.cancellation_reason
            if reason and not fields.get("cancel_description"):
                fields["cancel_description"] = reason
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


def notification_to_wire(
    note: DomainNotification,
    notification_format: NotificationFormat = NotificationFormat.SEEDS,
    *,
    original_order_id: str | None = None,
    ordered: Sequence[Line] = (),
    packs: int | None = None,
) -> Notification | NestedNotification:
    """The strict wire model for a domain notification in ``notification_format`` (raises if the
    domain produced a bad one). The nested format also needs Kuper's ``original_order_id`` (else the
    order goes by ``orderUUID`` alone), the lines as ordered (for ``changed``) and the bag count."""
    seeds = seeds_notification(note)
    if notification_format is NotificationFormat.SEEDS:
        return seeds
    return nested_from_seeds(
        seeds,
        original_order_id=original_order_id,
        changed=_changed(ordered, note.lines) if note.lines is not None else None,
        packs=packs,
    )


def _changed(ordered: Sequence[Line], final: Sequence[Line]) -> bool:
    """True when the final composition differs from what was ordered."""
    wanted = {(line.sku, line.ordered_quantity) for line in ordered if line.ordered_quantity > 0}
    given = {(line.sku, line.quantity) for line in final if line.quantity > 0}
    return wanted != given


def seeds_notification(note: DomainNotification) -> Notification:
    """The notification in the seeds' shape (what :func:`notification_to_wire` starts from)."""
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
