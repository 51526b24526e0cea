"""Outgoing notifications are strict: builders produce the fixtures, malformed ones are refused."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import ValidationError

from pharmacy_desk.kuper import (
    GS,
    AcceptedNotification,
    AssembledNotification,
    CanceledNotification,
    CancellationSlug,
    DeliveredNotification,
    InWorkNotification,
    KuperFormatError,
    NotificationFormatError,
    NotificationPosition,
    NotificationTotal,
    OrderCreatedAnswer,
    PickupCodeCreatedNotification,
    ReadyForDeliveryNotification,
    parse_notification,
)
from tests.kuper.kuper_support import load_fixture

UUID = "retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f"
NUMBER = "MERCHANT_ORDER_12345"
CODE = f"010460714356059821FGXEAGA5A1GAH{GS}91EE06{GS}92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
MSK = timezone(timedelta(hours=3))


# --- builders give exactly the fixtures --------------------------------------------------------


@pytest.mark.parametrize(
    ("cls", "fixture"),
    [
        (AcceptedNotification, "order_accepted"),
        (InWorkNotification, "order_in_work"),
        (AssembledNotification, "order_assembled"),
    ],
)
def test_plain_builders(cls: type[InWorkNotification], fixture: str) -> None:
    assert cls.build(UUID, NUMBER).to_wire() == load_fixture(f"notifications/{fixture}.json")


def test_ready_for_delivery_builder_with_marking_code_and_substitution() -> None:
    notification = ReadyForDeliveryNotification.build(
        UUID,
        NUMBER,
        [
            NotificationPosition.build("100234", 1, "199.99", "189.99", marking_codes=[CODE]),
            NotificationPosition.build("100777", 1, Decimal("95.5"), replaces="100234"),
        ],
    )
    assert notification.to_wire() == load_fixture("notifications/order_ready_for_delivery.json")
    assert b"\\u001d91EE06\\u001d92" in notification.to_json()
    assert notification.payload.total.total_price == Decimal("285.49")


def test_delivered_builder_matches_the_seed_example() -> None:
    position = NotificationPosition.build("123456", 1, "199.99", "189.99", weight="500")
    notification = DeliveredNotification.build(UUID, NUMBER, [position])
    assert notification.to_wire() == load_fixture("notifications/order_delivered.json")


def test_pickup_code_and_cancel_builders() -> None:
    assert PickupCodeCreatedNotification.build(UUID, NUMBER, "1234").to_wire() == load_fixture(
        "notifications/order_pickup_code_created.json"
    )
    canceled = CanceledNotification.build(
        UUID, NUMBER, CancellationSlug.OUT_OF_STOCK, "Нет в наличии: Нурофен таб. п/о 200мг №20"
    )
    assert canceled.to_wire() == load_fixture("notifications/order_canceled.json")
    assert CanceledNotification.build(UUID, NUMBER, "store_closed", "Аптека закрыта").payload.cancellation.slug is (
        CancellationSlug.STORE_CLOSED
    )


def test_timestamp_is_optional_and_sent_with_its_offset() -> None:
    notification = InWorkNotification.build(UUID, NUMBER, timestamp=datetime(2026, 11, 22, 13, 5, tzinfo=MSK))
    assert notification.to_wire()["timestamp"] == "2026-11-22T13:05:00+03:00"
    assert "timestamp" not in InWorkNotification.build(UUID, NUMBER).to_wire()


def test_to_json_is_compact_and_stable() -> None:
    notification = parse_notification(load_fixture("notifications/order_ready_for_delivery.json"))
    body = notification.to_json()
    assert body == parse_notification(body).to_json()
    assert b": " not in body and b"\n" not in body
    assert json.loads(body) == notification.to_wire()


def test_order_created_answer() -> None:
    assert OrderCreatedAnswer.build(NUMBER).to_wire() == {"status": "created", "number": NUMBER}
    answer = OrderCreatedAnswer.build(NUMBER, datetime(2026, 11, 22, 13, 30, tzinfo=MSK))
    assert answer.to_wire() == load_fixture("order_created_answer.json")
    for bad in (
        {"status": "accepted", "number": NUMBER},
        {"status": "created"},
        {"status": "created", "number": NUMBER, "expectedAssemblyTime": "2026-11-22T13:30:00"},
        {"status": "created", "number": NUMBER, "extra": 1},
    ):
        with pytest.raises(KuperFormatError):
            OrderCreatedAnswer.parse(bad)


# --- strict: malformed notifications are refused ----------------------------------------------

Mutation = Callable[[dict[str, Any]], None]


def _set(path: str, value: Any) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        if isinstance(target, list):
            target[int(last)] = value
        else:
            target[last] = value

    return mutate


def _delete(path: str) -> Mutation:
    def mutate(data: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target: Any = data
        for key in parents:
            target = target[int(key)] if isinstance(target, list) else target[key]
        del target[last]

    return mutate


def _zero_all(data: dict[str, Any]) -> None:
    for position in data["payload"]["positions"]:
        position.update(quantity=0, totalPrice="0.00")
        position.pop("markingCode", None)
    data["payload"]["total"] = {"totalPrice": "0.00", "discountTotalPrice": "0.00"}


def _duplicate_first_position(data: dict[str, Any]) -> None:
    data["payload"]["positions"] = [data["payload"]["positions"][0]] * 2
    data["payload"]["total"] = {"totalPrice": "379.98", "discountTotalPrice": "379.98"}


RFD = "order_ready_for_delivery"
CASES: list[tuple[str, str, Mutation, str]] = [
    ("rfd-no-positions", RFD, _delete("payload.positions"), "payload.positions: Field required"),
    ("rfd-empty-positions", RFD, _set("payload.positions", []), "payload.positions: List should have at least 1"),
    ("rfd-no-total", RFD, _delete("payload.total"), "payload.total: Field required"),
    ("delivered-no-composition", "order_delivered", _delete("payload.positions"), "Field required"),
    ("delivered-no-total", "order_delivered", _delete("payload.total"), "payload.total: Field required"),
    ("all-zero", RFD, _zero_all, "no position has a quantity above 0"),
    ("negative-qty", RFD, _set("payload.positions.1.quantity", -1), "greater than or equal to 0"),
    ("string-qty", RFD, _set("payload.positions.1.quantity", "1"), "payload.positions.1.quantity"),
    ("fractional-qty", RFD, _set("payload.positions.1.quantity", 1.5), "payload.positions.1.quantity"),
    ("position-total", RFD, _set("payload.positions.1.totalPrice", "95.00"), "totalPrice 95.00 != discountPrice"),
    ("total", RFD, _set("payload.total.totalPrice", "285.50"), "total.totalPrice 285.50 != sum"),
    ("discount-total", RFD, _set("payload.total.discountTotalPrice", "0.00"), "total.discountTotalPrice"),
    ("discount-above-price", "order_delivered", _set("payload.positions.0.discountPrice", "209.99"), "greater than"),
    ("three-decimals", RFD, _set("payload.positions.1.price", "95.505"), "not a whole number of kopecks"),
    ("negative-money", RFD, _set("payload.positions.1.price", "-1.00"), "is negative"),
    ("bad-money", RFD, _set("payload.positions.1.price", "95,50"), "invalid money value"),
    ("duplicate-positions", RFD, _duplicate_first_position, "positions repeated: 100234"),
    ("self-replacement", RFD, _set("payload.positions.1.replacedByID", "100777"), "own id"),
    (
        "too-many-codes",
        RFD,
        _set("payload.positions.0.markingCode", [{"value": CODE}, {"value": CODE + "X"}]),
        "2 marking codes for quantity 1",
    ),
    ("cyrillic-code", RFD, _set("payload.positions.0.markingCode.0.value", "010460714356059821ФЫВ"), "Cyrillic"),
    ("space-in-code", RFD, _set("payload.positions.0.markingCode.0.value", "0104607 1435"), "printable ASCII"),
    ("empty-code", RFD, _set("payload.positions.0.markingCode.0.value", ""), "at least 1 character"),
    ("code-letters", "order_pickup_code_created", _set("payload.pickupCode", "12a4"), "must be 4 to 12 digits"),
    ("code-short", "order_pickup_code_created", _set("payload.pickupCode", "123"), "payload.pickupCode"),
    ("code-int", "order_pickup_code_created", _set("payload.pickupCode", 1234), "payload.pickupCode"),
    ("code-arabic-digits", "order_pickup_code_created", _set("payload.pickupCode", "١٢٣٤"), "payload.pickupCode"),
    ("code-missing", "order_pickup_code_created", _delete("payload.pickupCode"), "Field required"),
    ("unknown-slug", "order_canceled", _set("payload.cancellation.slug", "weather"), "payload.cancellation.slug"),
    ("no-description", "order_canceled", _delete("payload.cancellation.description"), "description"),
    ("extra-in-payload", "order_in_work", _set("payload.comment", "hi"), "payload.comment: Extra inputs"),
    ("extra-in-envelope", "order_in_work", _set("source", "desk"), "source: Extra inputs"),
    ("extra-in-position", RFD, _set("payload.positions.0.name", "Нурофен"), "payload.positions.0.name: Extra"),
    ("unknown-event", "order_in_work", _set("event_type", "order.collecting"), "unknown notification event_type"),
    ("no-order-uuid", "order_assembled", _delete("payload.orderUUID"), "payload.orderUUID: Field required"),
    ("empty-number", "order_assembled", _set("payload.number", ""), "payload.number"),
    ("naive-timestamp", "order_assembled", _set("timestamp", "2026-11-22T13:00:00"), "timezone"),
]


@pytest.mark.parametrize(("fixture", "mutate", "fragment"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_malformed_notifications_are_refused(fixture: str, mutate: Mutation, fragment: str) -> None:
    data = copy.deepcopy(load_fixture(f"notifications/{fixture}.json"))
    mutate(data)
    with pytest.raises(NotificationFormatError) as caught:
        parse_notification(data)
    assert fragment in str(caught.value)


def test_builders_refuse_bad_values_too() -> None:
    with pytest.raises(ValidationError):
        NotificationPosition.build("100234", -1, "10.00")
    with pytest.raises(ValueError, match="invalid money"):
        NotificationPosition.build("100234", 1, "ten")
    with pytest.raises(ValidationError):
        ReadyForDeliveryNotification.build(UUID, NUMBER, [])
    position = NotificationPosition.build("100234", 2, "10.00")
    wrong_total = NotificationTotal(total_price=Decimal("10.00"), discount_total_price=Decimal("10.00"))
    with pytest.raises(ValidationError, match=r"total\.totalPrice 10\.00 != sum"):
        DeliveredNotification.build(UUID, NUMBER, [position], total=wrong_total)
    with pytest.raises(ValidationError):
        PickupCodeCreatedNotification.build(UUID, NUMBER, "12 34")
    with pytest.raises(ValidationError):
        CanceledNotification.build(UUID, NUMBER, "weather", "Метель")
    with pytest.raises(ValidationError):
        InWorkNotification.build(UUID, NUMBER, timestamp=datetime(2026, 11, 22, 13, 0))


def test_models_are_immutable() -> None:
    notification = InWorkNotification.build(UUID, NUMBER)
    with pytest.raises(ValidationError):
        notification.payload.number = "other"  # type: ignore[misc]


def test_position_quantity_zero_is_allowed_next_to_handed_over_ones() -> None:
    notification = DeliveredNotification.build(
        UUID,
        NUMBER,
        [NotificationPosition.build("100234", 0, "199.99"), NotificationPosition.build("100777", 2, "95.50")],
    )
    assert notification.to_wire()["payload"]["total"] == {"totalPrice": "191.00", "discountTotalPrice": "191.00"}
    assert notification.to_wire()["payload"]["positions"][0]["totalPrice"] == "0.00"


def test_parse_notification_body_errors() -> None:
    with pytest.raises(NotificationFormatError, match="not JSON"):
        parse_notification(b"{")
    with pytest.raises(NotificationFormatError, match="'event_type' is missing"):
        parse_notification({"payload": {}})
