"""Webhooks (Kuper → merchant): envelopes, payloads and :func:`parse_webhook`.

Every webhook is ``{"event_type", "timestamp"?, "payload": {"orderUUID", ...}}`` (the seeds), or the
live notifications' envelope ``{"event": {"type", "payload"}}`` (taken as the same webhook). The order
is known by ``orderUUID``, by Kuper's ``originalOrderId`` (``order_id`` in a nested payload), or both.
``order.cancelled`` and ``order.changed`` are taken as ``order.canceled`` and ``order.updated``.
Known event types get their own model (``OrderCreatedWebhook`` ...); any other event type parses into
:class:`UnknownWebhook`, never an error, so the relay can store it and answer 200. Models are
tolerant (see :mod:`~pharmacy_desk.kuper.base`): unknown fields are kept and written back by
:meth:`to_wire`.

``parse_webhook`` raises :class:`~pharmacy_desk.kuper.errors.WebhookFormatError` only when the body
cannot be an order event at all: not a JSON object, no event type, no payload or no order id
(neither ``orderUUID`` nor ``originalOrderId``) for a known event, a value of the wrong kind (invalid
money, a word where a quantity should be).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeAlias, TypeVar

from pydantic import AliasChoices, Field, ValidationError, model_validator

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.base import TolerantModel
from pharmacy_desk.kuper.errors import WebhookFormatError, describe_validation_error
from pharmacy_desk.kuper.jsonbody import Body, load_object, read_event_type
from pharmacy_desk.kuper.vocabulary import ShipmentMethod, WebhookEvent, webhook_event
from pharmacy_desk.kuper.webhook_parts import (
    Address,
    Cancellation,
    Courier,
    Customer,
    DeliveryWindow,
    LenientDatetime,
    OrderPosition,
    OrderTotal,
)

# --- payloads ----------------------------------------------------------------------------------


_ORIGINAL_ID_ALIASES = AliasChoices(names.ORIGINAL_ORDER_ID, names.ORDER_ID)


class OrderRef(TolerantModel):
    """The payload every order webhook carries: Kuper's ``orderUUID``, its ``originalOrderId``, or both."""

    order_uuid: str | None = Field(None, alias=names.ORDER_UUID, min_length=1)
    original_order_id: str | None = Field(
        None,
        validation_alias=_ORIGINAL_ID_ALIASES,
        serialization_alias=names.ORIGINAL_ORDER_ID,
        min_length=1,
    )

    @model_validator(mode="after")
    def _identified(self) -> OrderRef:
        if self.order_uuid is None and self.original_order_id is None:
            raise ValueError(f"neither '{names.ORDER_UUID}' nor '{names.ORIGINAL_ORDER_ID}' is given")
        return self

    @property
    def order_key(self) -> str:
        """The id the relay files the order under: ``orderUUID`` when given, else ``originalOrderId``."""
        key = self.order_uuid or self.original_order_id
        assert key is not None  # the validator guarantees one
        return key

    @property
    def order_keys(self) -> tuple[str, ...]:
        """Every id this payload gives for its order (a stored order matches any of them)."""
        return tuple(key for key in (self.order_uuid, self.original_order_id) if key)


class OrderDetails(OrderRef):
    """Fields describing an order; all optional (``order.updated`` sends only what changed)."""

    store_id: str | None = Field(None, alias=names.STORE_ID)
    store_import_key: str | None = Field(None, alias=names.STORE_IMPORT_KEY)
    state: str | None = Field(None, alias=names.STATE)
    payment_state: str | None = Field(None, alias=names.PAYMENT_STATE)
    shipment_method: ShipmentMethod | str | None = Field(
        None,
        validation_alias=AliasChoices(names.SHIPMENT_METHOD, names.SHIPMENT_METHOD_ALIAS),
        serialization_alias=names.SHIPMENT_METHOD,
        union_mode="left_to_right",
    )
    replacement_policy: str | None = Field(None, alias=names.REPLACEMENT_POLICY)
    customer: Customer | None = Field(None, alias=names.CUSTOMER)
    address: Address | None = Field(None, alias=names.ADDRESS)
    delivery: DeliveryWindow | None = Field(None, alias=names.DELIVERY)
    positions: list[OrderPosition] | None = Field(None, alias=names.POSITIONS)
    total: OrderTotal | None = Field(None, alias=names.TOTAL)
    comment: str | None = Field(None, alias=names.COMMENT)
    cancellation: Cancellation | None = Field(None, alias=names.CANCELLATION)
    cancellation_reason: str | None = Field(None, alias=names.CANCELLATION_REASON)
    complete_before: LenientDatetime | None = Field(None, alias=names.COMPLETE_BEFORE)
    payment_methods: list[str] | None = Field(None, alias=names.PAYMENT_METHODS)

    @property
    def known_shipment_method(self) -> ShipmentMethod | None:
        """The shipment method when it is one we know, else ``None`` (absent or unknown)."""
        return self.shipment_method if isinstance(self.shipment_method, ShipmentMethod) else None

    @property
    def has_unknown_shipment_method(self) -> bool:
        """True when Kuper sent a shipment method we do not know: flag the order for the staff."""
        return self.shipment_method is not None and self.known_shipment_method is None


class OrderCreatedPayload(OrderDetails):
    """``order.created``: the whole order."""


class OrderUpdatedPayload(OrderDetails):
    """``order.updated``: what changed (``kind``) and the changed parts."""

    kind: str | None = Field(None, alias=names.UPDATE_KIND)


class CourierAssignedPayload(OrderRef):
    """``courier.assigned``."""

    courier: Courier | None = Field(None, alias=names.COURIER)


class OrderPaidPayload(OrderRef):
    """``order.paid``: the amount Kuper actually charged."""

    total: OrderTotal | None = Field(None, alias=names.TOTAL)


class OrderCanceledPayload(OrderRef):
    """``order.canceled``: the reason (the object, and/or the live ``cancellationReason`` string)."""

    cancellation: Cancellation | None = Field(None, alias=names.CANCELLATION)
    cancellation_reason: str | None = Field(None, alias=names.CANCELLATION_REASON)


# --- envelopes ---------------------------------------------------------------------------------

PayloadT = TypeVar("PayloadT", bound=OrderRef)


class WebhookEnvelope(TolerantModel):
    """What every webhook has; :meth:`to_wire` gives back the JSON object (fields Kuper sent, only)."""

    event_type: str = Field(alias=names.EVENT_TYPE)
    timestamp: LenientDatetime | None = Field(None, alias=names.TIMESTAMP)

    def model_post_init(self, context: Any, /) -> None:
        # event_type has a default on the concrete classes; it must still be written out.
        self.__pydantic_fields_set__.add("event_type")

    def to_wire(self) -> dict[str, Any]:
        """The webhook as a JSON-ready dict: wire names, money as strings, unset fields left out."""
        return self.model_dump(mode="json", exclude_unset=True)

    def to_json(self) -> bytes:
        """The webhook as compact UTF-8 JSON."""
        return self.model_dump_json(exclude_unset=True).encode()


class OrderWebhook(WebhookEnvelope, Generic[PayloadT]):
    """A webhook about one order."""

    payload: PayloadT = Field(alias=names.PAYLOAD)

    @property
    def order_uuid(self) -> str:
        """The id the order is filed under (``orderUUID``, else ``originalOrderId``)."""
        return self.payload.order_key

    @property
    def order_keys(self) -> tuple[str, ...]:
        """Every id the webhook gives for its order."""
        return self.payload.order_keys


class OrderCreatedWebhook(OrderWebhook[OrderCreatedPayload]):
    """``order.created``: answer with :class:`~pharmacy_desk.kuper.answers.OrderCreatedAnswer`."""

    event_type: Literal[WebhookEvent.ORDER_CREATED] = Field(WebhookEvent.ORDER_CREATED, alias=names.EVENT_TYPE)


class OrderUpdatedWebhook(OrderWebhook[OrderUpdatedPayload]):
    """``order.updated``: composition or delivery changed."""

    event_type: Literal[WebhookEvent.ORDER_UPDATED] = Field(WebhookEvent.ORDER_UPDATED, alias=names.EVENT_TYPE)


class CourierAssignedWebhook(OrderWebhook[CourierAssignedPayload]):
    """``courier.assigned`` (delivery flow, may never come)."""

    event_type: Literal[WebhookEvent.COURIER_ASSIGNED] = Field(WebhookEvent.COURIER_ASSIGNED, alias=names.EVENT_TYPE)


class CourierArrivedWebhook(OrderWebhook[OrderRef]):
    """``courier.arrived``: the courier is in the pharmacy ("hurry up")."""

    event_type: Literal[WebhookEvent.COURIER_ARRIVED] = Field(WebhookEvent.COURIER_ARRIVED, alias=names.EVENT_TYPE)


class OrderPaidWebhook(OrderWebhook[OrderPaidPayload]):
    """``order.paid``: Kuper charged the actual amount."""

    event_type: Literal[WebhookEvent.ORDER_PAID] = Field(WebhookEvent.ORDER_PAID, alias=names.EVENT_TYPE)


class OrderReceivedWebhook(OrderWebhook[OrderRef]):
    """``order.received``: the courier took the bag and left."""

    event_type: Literal[WebhookEvent.ORDER_RECEIVED] = Field(WebhookEvent.ORDER_RECEIVED, alias=names.EVENT_TYPE)


class OrderDeliveringWebhook(OrderWebhook[OrderRef]):
    """``order.delivering``: the courier is on the way."""

    event_type: Literal[WebhookEvent.ORDER_DELIVERING] = Field(WebhookEvent.ORDER_DELIVERING, alias=names.EVENT_TYPE)


class OrderDeliveredWebhook(OrderWebhook[OrderRef]):
    """``order.delivered`` from Kuper (delivery flow)."""

    event_type: Literal[WebhookEvent.ORDER_DELIVERED] = Field(WebhookEvent.ORDER_DELIVERED, alias=names.EVENT_TYPE)


class OrderCanceledWebhook(OrderWebhook[OrderCanceledPayload]):
    """``order.canceled`` by Kuper or the customer."""

    event_type: Literal[WebhookEvent.ORDER_CANCELED] = Field(WebhookEvent.ORDER_CANCELED, alias=names.EVENT_TYPE)


class UnknownWebhook(WebhookEnvelope):
    """A webhook whose ``event_type`` we do not know: kept whole, payload untouched."""

    payload: Any = Field(None, alias=names.PAYLOAD)

    @property
    def order_uuid(self) -> str | None:
        """The payload's ``orderUUID`` (else its ``originalOrderId`` / ``order_id``) when it has one."""
        keys = _payload_keys(self.payload)
        return keys[0] if keys else None

    @property
    def order_keys(self) -> tuple[str, ...]:
        return _payload_keys(self.payload)


KnownWebhook: TypeAlias = (
    OrderCreatedWebhook
    | OrderUpdatedWebhook
    | CourierAssignedWebhook
    | CourierArrivedWebhook
    | OrderPaidWebhook
    | OrderReceivedWebhook
    | OrderDeliveringWebhook
    | OrderDeliveredWebhook
    | OrderCanceledWebhook
)
Webhook: TypeAlias = KnownWebhook | UnknownWebhook

WEBHOOK_MODELS: Mapping[WebhookEvent, type[KnownWebhook]] = {
    WebhookEvent.ORDER_CREATED: OrderCreatedWebhook,
    WebhookEvent.ORDER_UPDATED: OrderUpdatedWebhook,
    WebhookEvent.COURIER_ASSIGNED: CourierAssignedWebhook,
    WebhookEvent.COURIER_ARRIVED: CourierArrivedWebhook,
    WebhookEvent.ORDER_PAID: OrderPaidWebhook,
    WebhookEvent.ORDER_RECEIVED: OrderReceivedWebhook,
    WebhookEvent.ORDER_DELIVERING: OrderDeliveringWebhook,
    WebhookEvent.ORDER_DELIVERED: OrderDeliveredWebhook,
    WebhookEvent.ORDER_CANCELED: OrderCanceledWebhook,
}
"""The model for each known event type."""


def _payload_keys(payload: Any) -> tuple[str, ...]:
    if not isinstance(payload, Mapping):
        return ()
    found = []
    for name in (names.ORDER_UUID, names.ORIGINAL_ORDER_ID, names.ORDER_ID):
        value = payload.get(name)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str) and value and value not in found:
            found.append(value)
    return tuple(found)


def flatten_envelope(data: Mapping[str, Any]) -> dict[str, Any]:
    """The seeds' flat envelope for a body in either shape (a nested ``event`` is lifted up)."""
    event = data.get(names.EVENT)
    if names.EVENT_TYPE in data or not isinstance(event, Mapping):
        return dict(data)
    flat = {key: value for key, value in data.items() if key != names.EVENT}
    flat.update({key: value for key, value in event.items() if key != names.EVENT_TYPE_NESTED})
    if names.EVENT_TYPE_NESTED in event:
        flat[names.EVENT_TYPE] = event[names.EVENT_TYPE_NESTED]
    return flat


@dataclass(frozen=True, slots=True)
class WebhookPeek:
    """What the relay reads from a body before (or without) parsing it: for routing and records."""

    event_type: str | None
    order_keys: tuple[str, ...]
    store_ids: tuple[str, ...]


def peek_webhook(data: Any) -> WebhookPeek:
    """Event type, order ids and store ids of a decoded body, whatever its shape; never raises."""
    if not isinstance(data, Mapping):
        return WebhookPeek(None, (), ())
    flat = flatten_envelope(data)
    event_type = flat.get(names.EVENT_TYPE)
    payload = flat.get(names.PAYLOAD)
    stores: list[str] = []
    if isinstance(payload, Mapping):
        for value in (payload.get(names.STORE_ID), payload.get(names.STORE_IMPORT_KEY)):
            if isinstance(value, str | int) and not isinstance(value, bool) and str(value):
                stores.append(str(value))
    return WebhookPeek(
        event_type if isinstance(event_type, str) and event_type else None, _payload_keys(payload), tuple(stores)
    )


def parse_webhook(body: Body) -> Webhook:
    """Parse a webhook body (bytes, text or decoded JSON object) into its model.

    Raises :class:`WebhookFormatError` with a human message when the body is not a usable webhook;
    an unknown ``event_type`` is not an error (it gives an :class:`UnknownWebhook`).
    """
    data = flatten_envelope(load_object(body, WebhookFormatError))
    event_type = read_event_type(data, WebhookFormatError)
    known = webhook_event(event_type)
    if known is None:
        return _validate(UnknownWebhook, data, event_type)
    data[names.EVENT_TYPE] = known.value
    return _validate(WEBHOOK_MODELS[known], data, event_type)


_ModelT = TypeVar("_ModelT", bound=WebhookEnvelope)


def _validate(model: type[_ModelT], data: dict[str, Any], event_type: str) -> _ModelT:
    if names.PAYLOAD not in data and model is not UnknownWebhook:
        raise WebhookFormatError(f"{event_type}: '{names.PAYLOAD}' is missing", event_type=event_type)
    try:
        return model.model_validate(data, by_alias=True, by_name=False)
    except ValidationError as exc:
        raise WebhookFormatError(f"{event_type}: {describe_validation_error(exc)}", event_type=event_type) from None
