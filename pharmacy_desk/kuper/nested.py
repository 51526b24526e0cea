"""Notifications in the nested format (``kuper.notification_format = "nested"``), strict.

The shape code that ran against Kuper's live API sends (notifications v3)::

    {"event": {"type": "order.ready_for_delivery",
               "payload": {"order_id": "H12345678901", "orderUUID": "...", "number": "A-000123",
                           "order": {"originalOrderId": "H12345678901", "changed": false,
                                     "packs": {"count": 2}, "positions": [...], "total": {...}}}}}

- the order is named by ``order_id`` (Kuper's ``originalOrderId``), ``orderUUID``, or both (at least one);
- ``number`` (ours) rides along on every notification, so Kuper learns it from the first one even for an
  order the relay created from a pull;
- ``order.ready_for_delivery`` and ``order.delivered`` carry the composition under ``order``, with
  ``changed`` (v3 refused ready_for_delivery without it) and, when the pharmacist said, ``packs.count``;
  positions and totals follow the same rules as the seeds' (:func:`~.notifications.check_composition`);
- ``order.pickup_code_created`` carries ``code`` (``pickupCode`` in the seeds), 4–12 digits;
- ``order.canceled`` carries the seeds' ``cancellation`` object (the live sources show none: ASSUMED).

:func:`nested_from_seeds` builds one from the seeds' model (the relay decides in one shape and writes
the configured one); :func:`seeds_from_nested` goes back (the fake Kuper records every notification in
one shape, whatever the format it was told to check).
"""

from __future__ import annotations

from typing import Any, Self

from pydantic import Field, ValidationError, model_validator

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import StrictModel
from pharmacy_desk.kuper.errors import NotificationFormatError, describe_validation_error
from pharmacy_desk.kuper.jsonbody import Body, load_object
from pharmacy_desk.kuper.notification_parts import (
    CancellationReason,
    MerchantNumber,
    NotificationPosition,
    NotificationTotal,
    OrderUUID,
    PickupCode,
)
from pharmacy_desk.kuper.notifications import (
    NOTIFICATION_MODELS,
    CanceledNotification,
    CompositionPayload,
    Notification,
    PickupCodeCreatedNotification,
    check_composition,
    parse_notification,
)
from pharmacy_desk.kuper.vocabulary import NotificationEvent

_COMPOSITION_EVENTS = frozenset({NotificationEvent.ORDER_READY_FOR_DELIVERY, NotificationEvent.ORDER_DELIVERED})


class Packs(StrictModel):
    """How many bags the order was packed in (the pharmacist says at "ready")."""

    count: int = Field(alias=names.PACKS_COUNT, ge=1, le=99, strict=True)


class NestedOrder(StrictModel):
    """``payload.order``: the composition we report."""

    original_order_id: OrderUUID | None = Field(None, alias=names.ORIGINAL_ORDER_ID)
    changed: bool = Field(alias=names.ORDER_CHANGED, strict=True)
    packs: Packs | None = Field(None, alias=names.PACKS)
    positions: list[NotificationPosition] = Field(alias=names.POSITIONS, min_length=1)
    total: NotificationTotal = Field(alias=names.TOTAL)

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        check_composition(self.positions, self.total)
        return self


class NestedPayload(StrictModel):
    """``event.payload``."""

    order_id: OrderUUID | None = Field(None, alias=names.ORDER_ID)
    order_uuid: OrderUUID | None = Field(None, alias=names.ORDER_UUID)
    number: MerchantNumber = Field(alias=names.NUMBER)
    code: PickupCode | None = Field(None, alias=names.NESTED_PICKUP_CODE)
    order: NestedOrder | None = Field(None, alias=names.NESTED_ORDER)
    cancellation: CancellationReason | None = Field(None, alias=names.CANCELLATION)

    @model_validator(mode="after")
    def _identified(self) -> Self:
        if self.order_id is None and self.order_uuid is None:
            raise ValueError(f"neither '{names.ORDER_ID}' nor '{names.ORDER_UUID}' is given")
        if self.order is not None and self.order.original_order_id not in (None, self.order_id):
            raise ValueError(f"'{names.NESTED_ORDER}.{names.ORIGINAL_ORDER_ID}' differs from '{names.ORDER_ID}'")
        return self

    @property
    def order_key(self) -> str:
        key = self.order_uuid or self.order_id
        assert key is not None
        return key


class NestedEvent(StrictModel):
    """``event``: the type and what each type must (and must not) carry."""

    type: NotificationEvent = Field(alias=names.EVENT_TYPE_NESTED)
    payload: NestedPayload = Field(alias=names.PAYLOAD)

    @model_validator(mode="after")
    def _fits_type(self) -> Self:
        p, kind = self.payload, self.type
        problems = []
        if kind in _COMPOSITION_EVENTS and p.order is None:
            problems.append(f"{kind.value} needs '{names.NESTED_ORDER}' with the composition")
        if kind not in _COMPOSITION_EVENTS and p.order is not None:
            problems.append(f"{kind.value} carries no '{names.NESTED_ORDER}'")
        if kind is NotificationEvent.ORDER_PICKUP_CODE_CREATED and p.code is None:
            problems.append(f"{kind.value} needs '{names.NESTED_PICKUP_CODE}'")
        if kind is not NotificationEvent.ORDER_PICKUP_CODE_CREATED and p.code is not None:
            problems.append(f"{kind.value} carries no '{names.NESTED_PICKUP_CODE}'")
        if kind is NotificationEvent.ORDER_CANCELED and p.cancellation is None:
            problems.append(f"{kind.value} needs '{names.CANCELLATION}'")
        if kind is not NotificationEvent.ORDER_CANCELED and p.cancellation is not None:
            problems.append(f"{kind.value} carries no '{names.CANCELLATION}'")
        if problems:
            raise ValueError("; ".join(problems))
        return self


class NestedNotification(StrictModel):
    """A whole notification in the nested format; send :meth:`to_json`."""

    event: NestedEvent = Field(alias=names.EVENT)

    @property
    def event_type(self) -> NotificationEvent:
        return self.event.type

    @property
    def order_uuid(self) -> str:
        """The order's id as the relay files it (``orderUUID``, else ``order_id``)."""
        return self.event.payload.order_key

    @property
    def original_order_id(self) -> str | None:
        return self.event.payload.order_id

    @property
    def number(self) -> str:
        return self.event.payload.number

    def to_wire(self) -> dict[str, Any]:
        """The notification as a JSON-ready dict (wire names, money as strings, no nulls)."""
        return self.model_dump(mode="json", exclude_none=True)

    def to_json(self) -> bytes:
        """The request body: compact UTF-8 JSON."""
        return self.model_dump_json(exclude_none=True).encode()


def nested_from_seeds(
    seeds: Notification,
    *,
    original_order_id: str | None = None,
    changed: bool | None = None,
    packs: int | None = None,
) -> NestedNotification:
    """The nested notification saying what ``seeds`` says (``original_order_id`` as ``order_id``)."""
    p = seeds.payload
    uuid = p.order_uuid if p.order_uuid != original_order_id else None
    payload: dict[str, Any] = {"order_id": original_order_id, "order_uuid": uuid, "number": p.number}
    if isinstance(p, CompositionPayload):
        payload["order"] = NestedOrder(
            original_order_id=original_order_id,
            changed=bool(changed),
            packs=Packs(count=packs) if packs is not None else None,
            positions=p.positions,
            total=p.total,
        )
    if isinstance(seeds, PickupCodeCreatedNotification):
        payload["code"] = seeds.payload.pickup_code
    if isinstance(seeds, CanceledNotification):
        payload["cancellation"] = seeds.payload.cancellation
    return NestedNotification(event=NestedEvent(type=seeds.event_type, payload=NestedPayload(**payload)))


def seeds_from_nested(nested: NestedNotification) -> Notification:
    """The seeds' model of a nested notification (``orderUUID`` is ``order_id`` when it had none)."""
    p = nested.event.payload
    payload: dict[str, Any] = {names.ORDER_UUID: p.order_key, names.NUMBER: p.number}
    if p.order is not None:
        payload[names.POSITIONS] = p.order.positions
        payload[names.TOTAL] = p.order.total
    if p.code is not None:
        payload[names.PICKUP_CODE] = p.code
    if p.cancellation is not None:
        payload[names.CANCELLATION] = p.cancellation
    model = NOTIFICATION_MODELS[nested.event_type]
    return model.model_validate({names.PAYLOAD: payload})


def parse_nested_notification(body: Body) -> NestedNotification:
    """Parse a nested-format notification strictly; :class:`NotificationFormatError` otherwise."""
    data = load_object(body, NotificationFormatError)
    event = data.get(names.EVENT)
    event_type = event.get(names.EVENT_TYPE_NESTED) if isinstance(event, dict) else None
    shown = event_type if isinstance(event_type, str) else None
    if not isinstance(event, dict):
        raise NotificationFormatError(f"'{names.EVENT}' is missing or not an object (nested format)")
    try:
        return NestedNotification.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise NotificationFormatError(
            f"{shown or 'notification'}: {describe_validation_error(exc)}", event_type=shown
        ) from None


AnyNotification = Notification | NestedNotification
"""A notification in either format (what the outbox stores and the client sends)."""


def parse_any_notification(body: Body) -> AnyNotification:
    """A stored notification in whichever format it was written (``event`` → nested, else seeds)."""
    data = load_object(body, NotificationFormatError)
    if names.EVENT in data and names.EVENT_TYPE not in data:
        return parse_nested_notification(data)
    return parse_notification(data)
