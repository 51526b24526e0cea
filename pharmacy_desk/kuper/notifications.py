"""Notifications (merchant → Kuper): strict envelopes, payloads, builders and :func:`parse_notification`.

Every notification is ``{"event_type", "timestamp"?, "payload": {"orderUUID", "number", ...}}``.
The models refuse what Kuper must never receive (``extra="forbid"``):

- ``order.ready_for_delivery`` and ``order.delivered`` without a composition (at least one position,
  at least one unit handed over) or with totals that break :mod:`~pharmacy_desk.kuper.totals`;
- ``order.pickup_code_created`` with anything but 4–12 digits;
- ``order.canceled`` with a slug outside :class:`~pharmacy_desk.kuper.vocabulary.CancellationSlug`.

Build them with the ``build`` class methods (totals computed for you), serialize with
:meth:`NotificationEnvelope.to_json`. Ordering rules (code after ready_for_delivery, ...) belong to the
domain layer, not here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any, Generic, Literal, Self, TypeAlias, TypeVar

from pydantic import AwareDatetime, Field, ValidationError, model_validator

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import StrictModel
from pharmacy_desk.kuper.errors import NotificationFormatError, describe_validation_error
from pharmacy_desk.kuper.jsonbody import Body, load_object, read_event_type
from pharmacy_desk.kuper.notification_parts import (
    CancellationReason,
    MerchantNumber,
    NotificationPosition,
    NotificationTotal,
    OrderUUID,
    PickupCode,
)
from pharmacy_desk.kuper.totals import total_problems
from pharmacy_desk.kuper.vocabulary import CancellationSlug, NotificationEvent

# --- payloads ----------------------------------------------------------------------------------


class NotificationPayload(StrictModel):
    """``orderUUID`` + ``number``: what every notification payload carries."""

    order_uuid: OrderUUID = Field(alias=names.ORDER_UUID)
    number: MerchantNumber = Field(alias=names.NUMBER)


class CompositionPayload(NotificationPayload):
    """The final composition (``ready_for_delivery``) or the one handed over (``delivered``)."""

    positions: list[NotificationPosition] = Field(alias=names.POSITIONS, min_length=1)
    total: NotificationTotal = Field(alias=names.TOTAL)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_composition(self.positions, self.total)
        return self


def check_composition(positions: Sequence[NotificationPosition], total: NotificationTotal) -> None:
    """Raise ``ValueError`` when a reported composition breaks the rules (both formats use it)."""
    problems = total_problems(
        (position.total_price for position in positions),
        total.total_price,
        total.discount_total_price,
    )
    if all(position.quantity == 0 for position in positions):
        problems.append("no position has a quantity above 0 (cancel the order instead)")
    lines = [(position.sku, position.replaced_by_id) for position in positions]
    duplicates = sorted({sku for sku, replaces in lines if lines.count((sku, replaces)) > 1})
    if duplicates:
        problems.append(f"positions repeated: {', '.join(duplicates)}")
    codes = [code.value for position in positions for code in position.marking_codes or ()]
    if len(set(codes)) != len(codes):
        problems.append("the same marking code appears more than once")
    if problems:
        raise ValueError("; ".join(problems))


class PickupCodePayload(NotificationPayload):
    """``order.pickup_code_created``: the code the customer shows at the counter."""

    pickup_code: PickupCode = Field(alias=names.PICKUP_CODE)


class CancellationPayload(NotificationPayload):
    """``order.canceled`` by the pharmacy."""

    cancellation: CancellationReason = Field(alias=names.CANCELLATION)


# --- envelopes ---------------------------------------------------------------------------------

PayloadT = TypeVar("PayloadT", bound=NotificationPayload)


class NotificationEnvelope(StrictModel, Generic[PayloadT]):
    """What every notification has; send :meth:`to_json`."""

    event_type: NotificationEvent = Field(alias=names.EVENT_TYPE)
    timestamp: AwareDatetime | None = Field(None, alias=names.TIMESTAMP)
    payload: PayloadT = Field(alias=names.PAYLOAD)

    @property
    def order_uuid(self) -> str:
        """Kuper's id of the order."""
        return self.payload.order_uuid

    def to_wire(self) -> dict[str, Any]:
        """The notification as a JSON-ready dict (wire names, money as ``"189.99"``, no nulls)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> bytes:
        """The request body: compact UTF-8 JSON, byte-for-byte stable for the same notification."""
        return self.model_dump_json(exclude_none=True).encode()


class _PlainNotification(NotificationEnvelope[NotificationPayload]):
    @classmethod
    def build(cls, order_uuid: str, number: str, *, timestamp: datetime | None = None) -> Self:
        """The notification for order ``order_uuid`` (our ``number``)."""
        payload = NotificationPayload(order_uuid=order_uuid, number=number)
        return cls.model_validate({names.PAYLOAD: payload, names.TIMESTAMP: timestamp})


class AcceptedNotification(_PlainNotification):
    """``order.accepted`` (restaurants only; pharmacies have it off)."""

    event_type: Literal[NotificationEvent.ORDER_ACCEPTED] = Field(
        NotificationEvent.ORDER_ACCEPTED, alias=names.EVENT_TYPE
    )


class InWorkNotification(_PlainNotification):
    """``order.in_work``: assembly started (Kuper starts looking for a courier)."""

    event_type: Literal[NotificationEvent.ORDER_IN_WORK] = Field(
        NotificationEvent.ORDER_IN_WORK, alias=names.EVENT_TYPE
    )


class AssembledNotification(_PlainNotification):
    """``order.assembled``: assembly finished."""

    event_type: Literal[NotificationEvent.ORDER_ASSEMBLED] = Field(
        NotificationEvent.ORDER_ASSEMBLED, alias=names.EVENT_TYPE
    )


class _CompositionNotification(NotificationEnvelope[CompositionPayload]):
    @classmethod
    def build(
        cls,
        order_uuid: str,
        number: str,
        positions: Sequence[NotificationPosition],
        *,
        total: NotificationTotal | None = None,
        timestamp: datetime | None = None,
    ) -> Self:
        """The notification with ``positions``; ``total`` is computed when not given."""
        payload = CompositionPayload(
            order_uuid=order_uuid,
            number=number,
            positions=list(positions),
            total=total if total is not None else NotificationTotal.of(positions),
        )
        # model_validate: event_type gets its default from the concrete subclass.
        return cls.model_validate({names.PAYLOAD: payload, names.TIMESTAMP: timestamp})


class ReadyForDeliveryNotification(_CompositionNotification):
    """``order.ready_for_delivery`` + the final composition (both flows)."""

    event_type: Literal[NotificationEvent.ORDER_READY_FOR_DELIVERY] = Field(
        NotificationEvent.ORDER_READY_FOR_DELIVERY, alias=names.EVENT_TYPE
    )


class DeliveredNotification(_CompositionNotification):
    """``order.delivered`` + the composition actually handed over (pickup flow only)."""

    event_type: Literal[NotificationEvent.ORDER_DELIVERED] = Field(
        NotificationEvent.ORDER_DELIVERED, alias=names.EVENT_TYPE
    )


class PickupCodeCreatedNotification(NotificationEnvelope[PickupCodePayload]):
    """``order.pickup_code_created`` (pickup flow, after ``order.ready_for_delivery``)."""

    event_type: Literal[NotificationEvent.ORDER_PICKUP_CODE_CREATED] = Field(
        NotificationEvent.ORDER_PICKUP_CODE_CREATED, alias=names.EVENT_TYPE
    )

    @classmethod
    def build(cls, order_uuid: str, number: str, pickup_code: str, *, timestamp: datetime | None = None) -> Self:
        """The notification carrying ``pickup_code``."""
        payload = PickupCodePayload(order_uuid=order_uuid, number=number, pickup_code=pickup_code)
        return cls(payload=payload, timestamp=timestamp)


class CanceledNotification(NotificationEnvelope[CancellationPayload]):
    """``order.canceled`` by the pharmacy, with a known slug."""

    event_type: Literal[NotificationEvent.ORDER_CANCELED] = Field(
        NotificationEvent.ORDER_CANCELED, alias=names.EVENT_TYPE
    )

    @classmethod
    def build(
        cls,
        order_uuid: str,
        number: str,
        slug: CancellationSlug | str,
        description: str,
        *,
        timestamp: datetime | None = None,
    ) -> Self:
        """The cancellation with reason ``slug`` and a human ``description``."""
        reason = CancellationReason(slug=slug, description=description)
        payload = CancellationPayload(order_uuid=order_uuid, number=number, cancellation=reason)
        return cls(payload=payload, timestamp=timestamp)


Notification: TypeAlias = (
    AcceptedNotification
    | InWorkNotification
    | AssembledNotification
    | ReadyForDeliveryNotification
    | PickupCodeCreatedNotification
    | DeliveredNotification
    | CanceledNotification
)

NOTIFICATION_MODELS: Mapping[NotificationEvent, type[Notification]] = {
    NotificationEvent.ORDER_ACCEPTED: AcceptedNotification,
    NotificationEvent.ORDER_IN_WORK: InWorkNotification,
    NotificationEvent.ORDER_ASSEMBLED: AssembledNotification,
    NotificationEvent.ORDER_READY_FOR_DELIVERY: ReadyForDeliveryNotification,
    NotificationEvent.ORDER_PICKUP_CODE_CREATED: PickupCodeCreatedNotification,
    NotificationEvent.ORDER_DELIVERED: DeliveredNotification,
    NotificationEvent.ORDER_CANCELED: CanceledNotification,
}
"""The model for each notification event type."""


def parse_notification(body: Body) -> Notification:
    """Parse a notification body (e.g. from the outbox, or in the simulator playing Kuper) strictly.

    Raises :class:`NotificationFormatError` with a human message for anything we would never send.
    """
    data = load_object(body, NotificationFormatError)
    event_type = read_event_type(data, NotificationFormatError)
    try:
        model = NOTIFICATION_MODELS[NotificationEvent(event_type)]
    except ValueError:
        raise NotificationFormatError(
            f"unknown notification event_type {event_type!r}", event_type=event_type
        ) from None
    try:
        return model.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise NotificationFormatError(
            f"{event_type}: {describe_validation_error(exc)}", event_type=event_type
        ) from None
