"""The simulator's checks catch each ordering mistake of docs/kuper-protocol.md §4/§5 and pass good runs."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from pharmacy_desk.kuper import (
    AssembledNotification,
    CanceledNotification,
    DeliveredNotification,
    InWorkNotification,
    Notification,
    NotificationEvent,
    NotificationPosition,
    PickupCodeCreatedNotification,
    ReadyForDeliveryNotification,
    ShipmentMethod,
)
from pharmacy_desk.sim import checks
from pharmacy_desk.sim.checks import WebhookAnswer
from pharmacy_desk.sim.kuper_stub import Attempt, Received, canonical

UUID = "apteka-sim:00000000-0000-4000-8000-000000000001"
NUMBER = "000042"
E = NotificationEvent
PICKUP = ShipmentMethod.PICKUP
DELIVERY = ShipmentMethod.BY_COURIER

_two = NotificationPosition.build("100234", 2, "199.99", "189.99")
_one = NotificationPosition.build("100234", 1, "199.99", "189.99")

BUILT: dict[str, Notification] = {
    "in_work": InWorkNotification.build(UUID, NUMBER),
    "assembled": AssembledNotification.build(UUID, NUMBER),
    "ready": ReadyForDeliveryNotification.build(UUID, NUMBER, [_two]),
    "code": PickupCodeCreatedNotification.build(UUID, NUMBER, "4821"),
    "delivered": DeliveredNotification.build(UUID, NUMBER, [_two]),
    "delivered_less": DeliveredNotification.build(UUID, NUMBER, [_one]),
    "canceled": CanceledNotification.build(UUID, NUMBER, "customer_request", "Клиент передумал"),
}


def run(*steps: str) -> list[Received]:
    """Received notifications; a step ending in ``+`` is Kuper's 202 to an exact repeat."""
    result = []
    for seq, step in enumerate(steps, 1):
        note = BUILT[step.rstrip("+")]
        status = 202 if step.endswith("+") else 200
        result.append(Received(seq, float(seq), status, note, canonical(note.to_wire())))
    return result


def test_pickup_happy_path_passes() -> None:
    received = run("in_work", "assembled", "ready", "code", "delivered")
    assert checks.protocol_findings(PICKUP, NUMBER, received) == []
    expected = [E.ORDER_IN_WORK, E.ORDER_ASSEMBLED, E.ORDER_READY_FOR_DELIVERY]
    assert checks.expectation_findings(received, [*expected, E.ORDER_PICKUP_CODE_CREATED, E.ORDER_DELIVERED]) == []
    assert checks.pickup_code_of(received) == "4821"


def test_delivery_happy_path_and_repeats_pass() -> None:
    received = run("in_work", "in_work+", "assembled", "ready", "ready+")
    assert checks.protocol_findings(DELIVERY, NUMBER, received) == []
    assert checks.expectation_findings(received, [E.ORDER_IN_WORK, E.ORDER_ASSEMBLED, E.ORDER_READY_FOR_DELIVERY]) == []


@pytest.mark.parametrize(
    ("flow", "steps", "finding"),
    [
        (
            PICKUP,
            ("in_work", "assembled", "code", "ready"),
            "order.pickup_code_created before order.ready_for_delivery",
        ),
        (PICKUP, ("in_work", "assembled", "ready", "delivered"), "order.delivered before order.pickup_code_created"),
        (DELIVERY, ("in_work", "assembled", "ready", "delivered"), "order.delivered sent by the pharmacy"),
        (DELIVERY, ("in_work", "ready"), "order.ready_for_delivery before order.assembled"),
        (PICKUP, ("in_work", "canceled", "assembled"), "order.assembled after order.canceled"),
        (DELIVERY, ("in_work", "in_work"), "order.in_work accepted 2 times"),
        (PICKUP, ("in_work", "assembled", "ready", "code", "delivered", "canceled"), "after order.delivered"),
        (DELIVERY, ("in_work", "assembled", "ready", "code"), "order.pickup_code_created in the delivery flow"),
        (PICKUP, ("assembled", "in_work"), "order.assembled before order.in_work"),
    ],
)
def test_each_mistake_is_found(flow: ShipmentMethod, steps: Sequence[str], finding: str) -> None:
    findings = checks.protocol_findings(flow, NUMBER, run(*steps))
    assert any(finding in text for text in findings), findings


def test_wrong_number_is_found() -> None:
    assert checks.protocol_findings(DELIVERY, "000043", run("in_work")) == [
        "order.in_work carries number '000042', the order's number is '000043'"
    ]


def test_expectation_mismatch_names_both_lists() -> None:
    assert checks.expectation_findings(run("in_work", "canceled"), [E.ORDER_IN_WORK]) == [
        "notifications [in_work, canceled], expected [in_work]"
    ]


def test_composition_and_cancellation_checks() -> None:
    received = run("in_work", "assembled", "ready", "code", "delivered_less")
    assert checks.composition_findings(received, E.ORDER_READY_FOR_DELIVERY, {"100234": 2, "100301": 0}) == []
    assert checks.composition_findings(received, E.ORDER_DELIVERED, {"100234": 2}) == [
        "order.delivered gives {100234×1}, expected {100234×2}"
    ]
    assert str(checks.total_of(received, E.ORDER_DELIVERED)) == "189.99"
    assert checks.cancellation_findings(run("canceled"), "customer_request") == []
    assert checks.cancellation_findings(run("canceled"), "out_of_stock") == [
        "order.canceled with reason customer_request, expected out_of_stock"
    ]
    assert checks.cancellation_findings(run("in_work"), "out_of_stock") == [
        "no order.canceled (expected reason out_of_stock)"
    ]


def test_answers_must_be_200_with_one_number() -> None:
    good = WebhookAnswer("order.created", 200, '{"status": "created", "number": "000042"}')
    other = WebhookAnswer("order.created", 200, '{"status": "created", "number": "000043"}')
    bad = WebhookAnswer("order.created", 200, '{"status": "ok"}')
    refused = WebhookAnswer("order.paid", 409, "")
    unanswered = WebhookAnswer("order.paid", None, "ConnectError")  # the relay was down: Kuper redelivers
    assert checks.answer_findings([good, good, unanswered, WebhookAnswer("order.paid", 200, "")]) == []
    findings = checks.answer_findings([good, other, bad, refused])
    assert "order.paid answered 409 (Kuper's events are answered 200)" in findings
    assert "order.created answered with different numbers: 000042, 000043" in findings
    assert any(text.startswith("the answer to order.created is not valid") for text in findings)


def test_attempts_refused_as_malformed_are_findings() -> None:
    attempts = [
        Attempt(1, 0.0, 500, "order.in_work", UUID, "{}", "storm"),
        Attempt(2, 0.0, 401, "order.in_work", UUID, "{}", "token"),
        Attempt(3, 0.0, 422, "order.ready_for_delivery", UUID, "{}", "positions: missing"),
        Attempt(4, 0.0, 422, "order.in_work", UUID, "{}", "storm"),
    ]
    assert checks.attempt_findings(attempts) == ["Kuper answered 422 to order.ready_for_delivery: positions: missing"]


def test_pickup_codes_must_be_unique() -> None:
    assert checks.pickup_code_findings({"a": "1234", "b": "5678"}) == []
    assert checks.pickup_code_findings({"a": "1234", "b": "1234", "c": "0001"}) == [
        "pickup code 1234 given to 2 waiting orders"
    ]
