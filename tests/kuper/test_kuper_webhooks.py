"""Incoming webhooks are tolerant: variants Kuper may send parse; only unusable bodies are refused."""

from __future__ import annotations

import copy
import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from pharmacy_desk.kuper import (
    CancellationSlug,
    CourierAssignedWebhook,
    KuperError,
    OrderCanceledWebhook,
    OrderCreatedPayload,
    OrderCreatedWebhook,
    OrderDeliveredWebhook,
    OrderPosition,
    ShipmentMethod,
    UnknownWebhook,
    WebhookFormatError,
    parse_webhook,
)
from tests.kuper.kuper_support import load_fixture

UUID = "retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f"


def created(**payload: Any) -> dict[str, Any]:
    data = load_fixture("webhooks/order_created_delivery.json")
    data["payload"].update(payload)
    return data


def parse_created(data: dict[str, Any]) -> OrderCreatedWebhook:
    webhook = parse_webhook(data)
    assert isinstance(webhook, OrderCreatedWebhook)
    return webhook


def test_order_created_values() -> None:
    webhook = parse_created(load_fixture("webhooks/order_created_delivery.json"))
    payload = webhook.payload

    assert payload.shipment_method is ShipmentMethod.BY_COURIER
    assert payload.known_shipment_method is ShipmentMethod.BY_COURIER
    assert not payload.has_unknown_shipment_method
    assert payload.customer is not None and payload.customer.phone == "+79990001122"
    assert payload.address is not None and payload.address.full_address == "Москва, ул. Ленина, 1, кв. 5"
    assert payload.delivery is not None and isinstance(payload.delivery.expected_from, datetime)
    assert payload.delivery.expected_from.utcoffset() == timedelta(hours=3)
    assert webhook.timestamp == datetime.fromisoformat("2026-11-22T13:00:00+03:00")
    [position] = payload.positions or []
    assert position.sku == "100234"
    assert position.quantity == 2 and position.original_quantity == 2
    assert position.price == Decimal("199.99") and type(position.price) is Decimal
    assert position.total_discount_price == Decimal("379.98")
    assert payload.total is not None and payload.total.discount_total_price == Decimal("379.98")


def test_pickup_variant() -> None:
    webhook = parse_created(load_fixture("webhooks/order_created_pickup.json"))
    assert webhook.payload.shipment_method is ShipmentMethod.PICKUP
    assert webhook.payload.address is None


def test_money_as_numbers_becomes_decimal_and_goes_out_as_strings() -> None:
    data = created(
        positions=[
            {
                "id": "100234",
                "quantity": 2,
                "price": 199.99,
                "discountPrice": 189.99,
                "totalPrice": 400,
                "totalDiscountPrice": "379.98",
            }
        ],
        total={"totalPrice": 379.98, "discountTotalPrice": 379.98},
    )
    webhook = parse_created(data)

    [position] = webhook.payload.positions or []
    assert position.price == Decimal("199.99") and isinstance(position.price, Decimal)
    assert position.discount_price == Decimal("189.99")
    assert position.total_price == Decimal("400")
    wire_position = webhook.to_wire()["payload"]["positions"][0]
    assert wire_position["price"] == "199.99"
    assert wire_position["totalPrice"] == "400.00"
    assert webhook.to_wire()["payload"]["total"] == {"totalPrice": "379.98", "discountTotalPrice": "379.98"}


def test_more_than_two_decimals_is_kept_not_rounded() -> None:
    webhook = parse_created(created(total={"totalPrice": "379.985"}))
    assert webhook.to_wire()["payload"]["total"]["totalPrice"] == "379.985"


def test_minimal_order_created_parses() -> None:
    webhook = parse_webhook({"event_type": "order.created", "payload": {"orderUUID": UUID}})
    assert isinstance(webhook, OrderCreatedWebhook)
    assert webhook.timestamp is None
    assert webhook.payload.positions is None
    assert webhook.payload.shipment_method is None
    assert webhook.to_wire() == {"event_type": "order.created", "payload": {"orderUUID": UUID}}


def test_missing_optional_fields_in_parts() -> None:
    webhook = parse_created(created(positions=[{"id": "100234"}], customer={}, delivery={"expectedTo": None}))
    [position] = webhook.payload.positions or []
    assert position.quantity is None and position.price is None and position.marking_codes is None
    assert webhook.to_wire()["payload"]["delivery"] == {"expectedTo": None}


def test_moments_that_are_not_iso_8601_are_kept_as_text() -> None:
    data = created(delivery={"expectedFrom": "22.11.2026 14:00", "expectedTo": 1795863600})
    data["timestamp"] = "сегодня"
    webhook = parse_created(data)

    assert webhook.timestamp == "сегодня"
    assert webhook.payload.delivery is not None
    assert webhook.payload.delivery.expected_from == "22.11.2026 14:00"
    assert isinstance(webhook.payload.delivery.expected_to, datetime)
    assert webhook.to_wire()["timestamp"] == "сегодня"


def test_shipping_method_alias() -> None:
    data = created()
    del data["payload"]["shipmentMethod"]
    data["payload"]["shippingMethod"] = "pickup"
    webhook = parse_created(data)

    assert webhook.payload.shipment_method is ShipmentMethod.PICKUP
    assert webhook.to_wire()["payload"]["shipmentMethod"] == "pickup"
    assert "shippingMethod" not in webhook.to_wire()["payload"]


def test_unknown_shipment_method_is_kept_as_a_flag() -> None:
    webhook = parse_created(created(shipmentMethod="drone"))
    assert webhook.payload.shipment_method == "drone"
    assert webhook.payload.known_shipment_method is None
    assert webhook.payload.has_unknown_shipment_method
    assert webhook.to_wire()["payload"]["shipmentMethod"] == "drone"


def test_unknown_fields_are_kept_at_every_level() -> None:
    webhook = parse_created(load_fixture("webhooks/order_created_extra_fields.json"))
    assert webhook.model_extra == {"apiVersion": 3, "traceId": "a1b2c3"}
    assert webhook.payload.model_extra == {"promo": {"code": "WINTER", "amount": 20}, "isExpress": True}
    [position] = webhook.payload.positions or []
    assert position.model_extra == {"vat": "10", "barcodes": ["4607143560598"], "requiresPrescription": False}
    assert webhook.payload.customer is not None
    assert webhook.payload.customer.email == "anna@example.ru"  # a known field now (the pickup code by e-mail)
    assert webhook.payload.customer.model_extra == {}


def test_numbers_where_strings_are_expected() -> None:
    webhook = parse_created(
        created(positions=[{"id": 100234, "quantity": "2", "weight": 500}], customer={"phone": 79990001122})
    )
    [position] = webhook.payload.positions or []
    assert position.sku == "100234" and position.quantity == 2 and position.weight == "500"
    assert webhook.payload.customer is not None and webhook.payload.customer.phone == "79990001122"


def test_marking_codes_and_substitutions_in_incoming_positions() -> None:
    code = "010460714356059821FGXEAGA5A1GAH\x1d91EE06"
    webhook = parse_created(
        created(positions=[{"id": "100777", "markingCode": [{"value": code}], "replacedByID": "100234"}])
    )
    [position] = webhook.payload.positions or []
    assert position.marking_codes is not None and position.marking_codes[0].value == code
    assert position.replaced_by_id == "100234"


def test_unknown_event_type_is_never_an_error() -> None:
    webhook = parse_webhook(load_fixture("webhooks/unknown_event.json"))
    assert isinstance(webhook, UnknownWebhook)
    assert webhook.event_type == "order.rated"
    assert webhook.order_uuid == UUID
    assert webhook.payload["review"]["stars"] == 5.0

    bare = parse_webhook(b'{"event_type": "store.ping"}')
    assert isinstance(bare, UnknownWebhook)
    assert bare.order_uuid is None and bare.payload is None
    assert bare.to_wire() == {"event_type": "store.ping"}
    assert isinstance(parse_webhook({"event_type": "x", "payload": [1, 2]}), UnknownWebhook)


def test_cancellation_with_unknown_slug_is_kept() -> None:
    webhook = parse_webhook(
        {"event_type": "order.canceled", "payload": {"orderUUID": UUID, "cancellation": {"slug": "courier_lost"}}}
    )
    assert isinstance(webhook, OrderCanceledWebhook)
    assert webhook.payload.cancellation is not None
    assert webhook.payload.cancellation.slug == "courier_lost"
    assert webhook.payload.cancellation.known_slug is None

    known = parse_webhook(load_fixture("webhooks/order_canceled.json"))
    assert isinstance(known, OrderCanceledWebhook) and known.payload.cancellation is not None
    assert known.payload.cancellation.known_slug is CancellationSlug.CUSTOMER_REQUEST


def test_courier_optional() -> None:
    webhook = parse_webhook({"event_type": "courier.assigned", "payload": {"orderUUID": UUID}})
    assert isinstance(webhook, CourierAssignedWebhook) and webhook.payload.courier is None


def test_accepts_bytes_text_and_dict() -> None:
    data = load_fixture("webhooks/order_delivered.json")
    text = json.dumps(data, ensure_ascii=False)
    for body in (data, text, text.encode(), bytearray(text.encode()), b"\xef\xbb\xbf" + text.encode()):
        assert isinstance(parse_webhook(body), OrderDeliveredWebhook)


def test_models_can_be_built_in_python() -> None:
    webhook = OrderCreatedWebhook(
        payload=OrderCreatedPayload(order_uuid=UUID, positions=[OrderPosition(sku="1", price=Decimal("5"))])
    )
    assert webhook.to_wire() == {
        "event_type": "order.created",
        "payload": {"orderUUID": UUID, "positions": [{"id": "1", "price": "5.00"}]},
    }


def _without_payload_uuid() -> dict[str, Any]:
    data = load_fixture("webhooks/order_paid.json")
    del data["payload"]["orderUUID"]
    return data


def _with(path: tuple[str | int, ...], value: Any) -> dict[str, Any]:
    data = copy.deepcopy(load_fixture("webhooks/order_created_delivery.json"))
    target: Any = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    return data


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        (b"", "empty"),
        (b"not json", "not JSON"),
        (b"\xff\xfe{}", "not UTF-8"),
        (b"[1, 2]", "JSON object, got an array"),
        ('"order.created"', "JSON object, got a string"),
        ({"payload": {"orderUUID": UUID}}, "'event_type' is missing"),
        ({"event_type": 5, "payload": {}}, "non-empty string"),
        ({"event_type": " ", "payload": {}}, "non-empty string"),
        ({"event_type": "order.paid"}, "'payload' is missing"),
        ({"event_type": "order.paid", "payload": None}, "payload: must be a JSON object"),
        ({"event_type": "order.paid", "payload": [UUID]}, "payload: must be a JSON object"),
        (_without_payload_uuid(), "payload: neither 'orderUUID' nor 'originalOrderId' is given"),
        ({"event_type": "order.received", "payload": {"orderUUID": ""}}, "payload.orderUUID"),
        (_with(("payload", "total", "totalPrice"), "12,50"), "invalid money value '12,50'"),
        (_with(("payload", "total", "totalPrice"), "NaN"), "not a finite amount"),
        (_with(("payload", "total", "totalPrice"), True), "a boolean is not an amount"),
        (_with(("payload", "total", "totalPrice"), {"amount": 1}), "invalid money value"),
        (_with(("payload", "positions", 0, "quantity"), "two"), "payload.positions.0.quantity"),
        (_with(("payload", "positions", 0, "id"), None), "payload.positions.0.id"),
        (_with(("payload", "delivery"), "tomorrow"), "payload.delivery: must be a JSON object"),
    ],
)
def test_malformed_bodies_raise_one_clear_error(body: Any, fragment: str) -> None:
    with pytest.raises(WebhookFormatError) as caught:
        parse_webhook(body)
    assert fragment in str(caught.value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, KuperError)
    assert "pydantic" not in str(caught.value)
