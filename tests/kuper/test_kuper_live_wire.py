"""The Kuper wire as live code shows it: the nested notification format (strict both ways), tolerant
webhook shapes, Kuper's error bodies, the state check's table, Kuper-side substitutions."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from pharmacy_desk.domain import Notification as DomainNotification
from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.states import CancelReason, NotificationType
from pharmacy_desk.kuper import (
    InWorkNotification,
    NotificationFormatError,
    NotificationPosition,
    OrderCanceledWebhook,
    OrderCreatedWebhook,
    OrderUpdatedWebhook,
    ReadyForDeliveryNotification,
    UnknownWebhook,
    WebhookFormatError,
    parse_notification,
    parse_webhook,
)
from pharmacy_desk.kuper.mapping import lines_from_positions, notification_to_wire, wire_remarks
from pharmacy_desk.kuper.nested import (
    NestedNotification,
    nested_from_seeds,
    parse_any_notification,
    parse_nested_notification,
    seeds_from_nested,
)
from pharmacy_desk.kuper.results import classify_response, describe_kuper_error
from pharmacy_desk.kuper.shipments import parse_shipment_state, parse_shipments_page
from pharmacy_desk.kuper.vocabulary import NotificationEvent, NotificationFormat, kuper_already_has
from pharmacy_desk.kuper.webhook_parts import OrderPosition
from pharmacy_desk.kuper.webhooks import peek_webhook

UUID = "retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f"
ORIGINAL = "H12345678901"
NUMBER = "A12-000001"


def _ready() -> ReadyForDeliveryNotification:
    position = NotificationPosition.build("100234", 2, "199.99", "189.99")
    return ReadyForDeliveryNotification.build(UUID, NUMBER, [position])


# --- nested notifications --------------------------------------------------------------------------


def test_nested_ready_for_delivery_has_the_live_shape_and_goes_back_to_the_seeds() -> None:
    nested = nested_from_seeds(_ready(), original_order_id=ORIGINAL, changed=False, packs=2)
    wire = nested.to_wire()
    assert wire == {
        "event": {
            "type": "order.ready_for_delivery",
            "payload": {
                "order_id": ORIGINAL,
                "orderUUID": UUID,
                "number": NUMBER,
                "order": {
                    "originalOrderId": ORIGINAL,
                    "changed": False,
                    "packs": {"count": 2},
                    "positions": [
                        {
                            "id": "100234",
                            "quantity": 2,
                            "price": "199.99",
                            "discountPrice": "189.99",
                            "totalPrice": "379.98",
                        }
                    ],
                    "total": {"totalPrice": "379.98", "discountTotalPrice": "379.98"},
                },
            },
        }
    }
    parsed = parse_nested_notification(nested.to_json())
    assert parsed == nested and parse_any_notification(nested.to_json()) == nested
    assert seeds_from_nested(parsed) == _ready()


def test_nested_pickup_code_is_code_and_an_order_known_by_its_original_id_alone() -> None:
    note = DomainNotification(
        type=NotificationType.PICKUP_CODE_CREATED, kuper_id=ORIGINAL, number=NUMBER, pickup_code="4821"
    )
    nested = notification_to_wire(note, NotificationFormat.NESTED, original_order_id=ORIGINAL)
    assert isinstance(nested, NestedNotification)
    assert nested.to_wire() == {
        "event": {
            "type": "order.pickup_code_created",
            "payload": {"order_id": ORIGINAL, "number": NUMBER, "code": "4821"},
        }
    }
    seeds = notification_to_wire(note)
    assert seeds.to_wire()["payload"]["pickupCode"] == "4821"


def test_nested_ready_reports_changed_when_the_composition_differs() -> None:
    ordered = (Line(sku="100234", quantity=2, ordered_quantity=2, price=Decimal("199.99")),)
    given = (Line(sku="100234", quantity=1, ordered_quantity=2, price=Decimal("199.99")),)
    note = DomainNotification(type=NotificationType.READY_FOR_DELIVERY, kuper_id=UUID, number=NUMBER, lines=given)
    nested = notification_to_wire(note, NotificationFormat.NESTED, original_order_id=ORIGINAL, ordered=ordered)
    assert isinstance(nested, NestedNotification) and nested.event.payload.order is not None
    assert nested.event.payload.order.changed is True
    same = note.model_copy(update={"lines": ordered})
    unchanged = notification_to_wire(same, NotificationFormat.NESTED, original_order_id=ORIGINAL, ordered=ordered)
    assert isinstance(unchanged, NestedNotification) and unchanged.event.payload.order is not None
    assert unchanged.event.payload.order.changed is False


def _nested_body(event_type: str, **payload: Any) -> dict[str, Any]:
    return {"event": {"type": event_type, "payload": {"order_id": ORIGINAL, "number": NUMBER, **payload}}}


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"event_type": "order.in_work", "payload": {"orderUUID": UUID, "number": NUMBER}}, "'event' is missing"),
        ({"event": {"type": "order.in_work", "payload": {"number": NUMBER}}}, "neither 'order_id' nor 'orderUUID'"),
        (_nested_body("order.in_work", code="1234"), "carries no 'code'"),
        (_nested_body("order.pickup_code_created"), "needs 'code'"),
        (_nested_body("order.pickup_code_created", code="12a4"), "pickup code must be"),
        (_nested_body("order.ready_for_delivery"), "needs 'order'"),
        (_nested_body("order.canceled"), "needs 'cancellation'"),
        (_nested_body("order.in_work", extra=1), "extra"),
        (_nested_body("order.unknown"), "event.type"),
    ],
)
def test_nested_notifications_are_strict(body: dict[str, Any], fragment: str) -> None:
    with pytest.raises(NotificationFormatError) as caught:
        parse_nested_notification(body)
    assert fragment in str(caught.value)


def test_nested_ready_without_changed_is_refused_like_v3() -> None:
    good = nested_from_seeds(_ready(), original_order_id=ORIGINAL, changed=True).to_wire()
    del good["event"]["payload"]["order"]["changed"]
    with pytest.raises(NotificationFormatError, match="changed"):
        parse_nested_notification(good)


def test_the_seeds_parser_refuses_the_nested_shape_and_back() -> None:
    nested = nested_from_seeds(InWorkNotification.build(UUID, NUMBER), original_order_id=ORIGINAL)
    with pytest.raises(NotificationFormatError):
        parse_notification(nested.to_json())
    with pytest.raises(NotificationFormatError):
        parse_nested_notification(InWorkNotification.build(UUID, NUMBER).to_json())


# --- tolerant webhooks -------------------------------------------------------------------------------


def test_webhook_in_the_nested_envelope_with_order_id_alone_and_the_other_spelling() -> None:
    body = {"event": {"type": "order.cancelled", "payload": {"order_id": ORIGINAL, "cancellationReason": "Передумал"}}}
    webhook = parse_webhook(body)
    assert isinstance(webhook, OrderCanceledWebhook)
    assert webhook.order_uuid == ORIGINAL and webhook.order_keys == (ORIGINAL,)
    assert webhook.payload.cancellation_reason == "Передумал"
    assert peek_webhook(body).event_type == "order.cancelled" and peek_webhook(body).order_keys == (ORIGINAL,)
    changed = parse_webhook({"event_type": "order.changed", "payload": {"originalOrderId": 12345678901}})
    assert isinstance(changed, OrderUpdatedWebhook) and changed.order_uuid == "12345678901"


def test_unknown_event_without_any_id_is_still_a_webhook() -> None:
    webhook = parse_webhook({"event": {"type": "order.something_new", "payload": {"x": 1}}})
    assert isinstance(webhook, UnknownWebhook) and webhook.order_uuid is None


def test_a_webhook_naming_no_order_is_refused_with_the_reason() -> None:
    with pytest.raises(WebhookFormatError, match="neither 'orderUUID' nor 'originalOrderId'"):
        parse_webhook({"event_type": "order.paid", "payload": {"orderUUID": None, "originalOrderId": None}})


def test_decimal_quantities_codes_as_strings_and_nulls() -> None:
    body = {
        "event_type": "order.created",
        "payload": {
            "orderUUID": UUID,
            "storeID": 4321,
            "customer": None,
            "positions": [
                {"id": 100234, "quantity": "1.5", "originalQuantity": 2.0, "price": 10, "markingCode": "0104"},
                {"id": "2", "quantity": None, "originalQuantity": None, "markingCode": [{"value": "x"}, "y"]},
            ],
        },
    }
    webhook = parse_webhook(body)
    assert isinstance(webhook, OrderCreatedWebhook) and webhook.payload.positions is not None
    first, second = webhook.payload.positions
    assert (first.sku, first.quantity, first.original_quantity) == ("100234", Decimal("1.5"), Decimal("2.0"))
    assert [code.value for code in first.marking_codes or ()] == ["0104"]
    assert [code.value for code in second.marking_codes or ()] == ["x", "y"]
    assert webhook.payload.store_id == "4321"
    assert webhook.to_wire()["payload"]["positions"][0]["originalQuantity"] == 2
    lines = lines_from_positions(webhook.payload.positions)
    assert [(line.sku, line.quantity) for line in lines] == [("100234", 2), ("2", 0)]
    assert len(wire_remarks(webhook.payload.positions)) == 1 and "1.5" in wire_remarks(webhook.payload.positions)[0]


@pytest.mark.parametrize(
    ("positions", "expected"),
    [
        (  # live meaning: 100234 was replaced by 100777
            [
                {"id": "100234", "quantity": 0, "originalQuantity": 2, "replacedByID": "100777"},
                {"id": "100777", "quantity": 2, "originalQuantity": 0},
            ],
            {"100234": (0, 2, None), "100777": (2, 0, "100234")},
        ),
        (  # the seeds' meaning: 100777 (with units) substitutes 100234 (none left)
            [
                {"id": "100234", "quantity": 0, "originalQuantity": 2},
                {"id": "100777", "quantity": 2, "originalQuantity": 0, "replacedByID": "100234"},
            ],
            {"100234": (0, 2, None), "100777": (2, 0, "100234")},
        ),
        (  # names an SKU no longer listed: this one substitutes it
            [{"id": "100777", "quantity": 2, "replacedByID": "100234"}],
            {"100777": (2, 0, "100234")},
        ),
    ],
)
def test_kuper_side_substitutions(positions: list[dict[str, Any]], expected: dict[str, Any]) -> None:
    lines = lines_from_positions([OrderPosition.model_validate(p) for p in positions])
    assert {line.sku: (line.quantity, line.ordered_quantity, line.replaces) for line in lines} == expected


# --- Kuper's answers -----------------------------------------------------------------------------------


def test_both_error_shapes_are_read() -> None:
    errors = '{"errors": [{"type": "invalid", "field": "event.payload.order.changed", "message": "is missing"}]}'
    assert describe_kuper_error(errors) == "event.payload.order.changed: is missing"
    error = (
        '{"error": {"type": "validation_error", "detail": "bad order",'
        ' "invalid_params": [{"name": "code", "reason": "too short"}]}}'
    )
    assert describe_kuper_error(error) == "validation_error: bad order (code: too short)"
    assert describe_kuper_error("<html>") is None and describe_kuper_error("[1]") is None
    result = classify_response(405, '{"error": {"type": "method_not_allowed", "detail": "no"}}')
    assert "405, not accepted for this store's integration type" in result.message
    assert "method_not_allowed: no" in result.message


@pytest.mark.parametrize(
    ("event", "state", "known"),
    [
        (NotificationEvent.ORDER_IN_WORK, "collecting", True),
        (NotificationEvent.ORDER_IN_WORK, "assembled", True),
        (NotificationEvent.ORDER_IN_WORK, "ready", False),
        (NotificationEvent.ORDER_ASSEMBLED, "collecting", False),
        (NotificationEvent.ORDER_READY_FOR_DELIVERY, "shipping", True),
        (NotificationEvent.ORDER_PICKUP_CODE_CREATED, "assembled", False),
        (NotificationEvent.ORDER_PICKUP_CODE_CREATED, "ready_to_ship", True),
        (NotificationEvent.ORDER_PICKUP_CODE_CREATED, "shipped", True),
        (NotificationEvent.ORDER_DELIVERED, "shipped", True),
        (NotificationEvent.ORDER_CANCELED, "canceled", True),
        (NotificationEvent.ORDER_CANCELED, "shipped", False),
        (NotificationEvent.ORDER_IN_WORK, "canceled", False),
        (NotificationEvent.ORDER_IN_WORK, "something_new", False),
    ],
)
def test_kuper_already_has(event: NotificationEvent, state: str, known: bool) -> None:
    assert kuper_already_has(event, state) is known


def test_shipments_answers() -> None:
    assert parse_shipment_state('{"data": {"state": "collecting", "paymentState": "paid"}}').payment_state == "paid"
    page = parse_shipments_page('{"data": [{"orderUUID": "a"}, {"positions": 5}], "nextPageToken": "2"}')
    good, bad = page.readable()
    assert [order.order_uuid for order in good] == ["a"] and len(bad) == 1 and page.next_page_token == "2"


def test_cancel_in_the_nested_format_keeps_the_reason() -> None:
    note = DomainNotification(
        type=NotificationType.CANCELED,
        kuper_id=UUID,
        number=NUMBER,
        cancel_reason=CancelReason.OUT_OF_STOCK,
        cancel_description="Нет в наличии",
    )
    nested = notification_to_wire(note, NotificationFormat.NESTED)
    assert nested.to_wire()["event"]["payload"]["cancellation"] == {
        "slug": "out_of_stock",
        "description": "Нет в наличии",
    }
