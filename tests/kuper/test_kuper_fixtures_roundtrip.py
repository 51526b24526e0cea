"""Every wire fixture parses into the right model and serializes back to the same JSON."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import BaseModel

from pharmacy_desk.kuper import (
    AcceptedNotification,
    AssembledNotification,
    CanceledNotification,
    CourierArrivedWebhook,
    CourierAssignedWebhook,
    DeliveredNotification,
    InWorkNotification,
    NotificationEvent,
    OrderCanceledWebhook,
    OrderCreatedAnswer,
    OrderCreatedWebhook,
    OrderDeliveredWebhook,
    OrderDeliveringWebhook,
    OrderPaidWebhook,
    OrderReceivedWebhook,
    OrderUpdatedWebhook,
    PickupCodeCreatedNotification,
    ReadyForDeliveryNotification,
    UnknownWebhook,
    WebhookEvent,
    parse_notification,
    parse_webhook,
)
from tests.kuper.kuper_support import FIXTURES, NOTIFICATION_FIXTURES, WEBHOOK_FIXTURES, load_fixture

WEBHOOK_CLASSES: dict[str, type[BaseModel]] = {
    "order_created_delivery": OrderCreatedWebhook,
    "order_created_pickup": OrderCreatedWebhook,
    "order_created_extra_fields": OrderCreatedWebhook,
    "order_updated": OrderUpdatedWebhook,
    "courier_assigned": CourierAssignedWebhook,
    "courier_arrived": CourierArrivedWebhook,
    "order_paid": OrderPaidWebhook,
    "order_received": OrderReceivedWebhook,
    "order_delivering": OrderDeliveringWebhook,
    "order_delivered": OrderDeliveredWebhook,
    "order_canceled": OrderCanceledWebhook,
    "unknown_event": UnknownWebhook,
}
NOTIFICATION_CLASSES: dict[str, type[BaseModel]] = {
    "order_accepted": AcceptedNotification,
    "order_in_work": InWorkNotification,
    "order_assembled": AssembledNotification,
    "order_ready_for_delivery": ReadyForDeliveryNotification,
    "order_pickup_code_created": PickupCodeCreatedNotification,
    "order_delivered": DeliveredNotification,
    "order_canceled": CanceledNotification,
}


def test_there_is_a_fixture_for_every_event() -> None:
    assert {path.stem for path in WEBHOOK_FIXTURES} == set(WEBHOOK_CLASSES)
    assert {path.stem for path in NOTIFICATION_FIXTURES} == set(NOTIFICATION_CLASSES)
    webhook_events = {json.loads(path.read_text("utf-8"))["event_type"] for path in WEBHOOK_FIXTURES}
    assert set(WebhookEvent) <= webhook_events
    notification_events = {json.loads(path.read_text("utf-8"))["event_type"] for path in NOTIFICATION_FIXTURES}
    assert set(NotificationEvent) == notification_events


@pytest.mark.parametrize("path", WEBHOOK_FIXTURES, ids=lambda path: path.stem)
def test_webhook_round_trip(path: Path) -> None:
    raw = path.read_bytes()
    webhook = parse_webhook(raw)

    assert type(webhook) is WEBHOOK_CLASSES[path.stem]
    assert webhook.order_uuid == "retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f"
    assert webhook.to_wire() == json.loads(raw)
    assert json.loads(webhook.to_json()) == json.loads(raw)
    assert parse_webhook(webhook.to_json()) == webhook


@pytest.mark.parametrize("path", NOTIFICATION_FIXTURES, ids=lambda path: path.stem)
def test_notification_round_trip(path: Path) -> None:
    raw = path.read_text("utf-8")
    notification = parse_notification(raw)

    assert type(notification) is NOTIFICATION_CLASSES[path.stem]
    assert notification.to_wire() == json.loads(raw)
    assert json.loads(notification.to_json()) == json.loads(raw)
    assert parse_notification(notification.to_json()) == notification


def test_order_created_answer_round_trip() -> None:
    raw = (FIXTURES / "order_created_answer.json").read_bytes()
    answer = OrderCreatedAnswer.parse(raw)
    assert answer.number == "MERCHANT_ORDER_12345"
    assert answer.to_wire() == json.loads(raw)
    assert json.loads(answer.to_json()) == load_fixture("order_created_answer.json")
