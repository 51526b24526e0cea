"""Wire ↔ domain: the fixtures become domain objects, and every notification the lifecycle emits
passes the strict wire models (we never send a malformed notification)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.composition import FinalLine
from pharmacy_desk.domain.lifecycle import Context, StoreRules, apply_event, decide, open_order
from pharmacy_desk.domain.order import Actor
from pharmacy_desk.domain.states import CancelReason, Flow, OrderState
from pharmacy_desk.kuper import OrderCreatedWebhook, parse_notification, parse_webhook
from pharmacy_desk.kuper.mapping import event_from_webhook, new_order_from_webhook, notification_to_wire

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kuper" / "webhooks"
NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PC = Actor(device_id="d1", device_name="Касса 1")
GS = "\x1d"
MARK = f"010460714356059821FGXEAGA5A1GAH{GS}91EE06{GS}92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="


def _created(name: str) -> OrderCreatedWebhook:
    webhook = parse_webhook((FIXTURES / name).read_bytes())
    assert isinstance(webhook, OrderCreatedWebhook)
    return webhook


def test_order_created_fixture_becomes_a_new_order() -> None:
    new = new_order_from_webhook(_created("order_created_delivery.json"))
    assert new.kuper_id.startswith("retailer-slug:")
    assert new.shipment_method == "by_courier"
    line = new.lines[0]
    assert (line.sku, line.quantity, line.price, line.discount_price) == (
        "100234",
        2,
        Decimal("199.99"),
        Decimal("189.99"),
    )
    assert new.total == Decimal("379.98")
    opened = open_order(new, store="s", number="A-1", now=NOW, rules=StoreRules())
    assert opened.order.flow is Flow.DELIVERY and not opened.anomalies  # Kuper's total agrees with ours


def test_pickup_fixture_is_a_pickup_order() -> None:
    new = new_order_from_webhook(_created("order_created_pickup.json"))
    assert open_order(new, store="s", number="A-1", now=NOW, rules=StoreRules()).order.flow is Flow.PICKUP


def test_every_webhook_fixture_maps_to_an_event_the_lifecycle_accepts() -> None:
    order = open_order(
        new_order_from_webhook(_created("order_created_delivery.json")),
        store="s",
        number="A-1",
        now=NOW,
        rules=StoreRules(),
    ).order
    for path in sorted(FIXTURES.glob("*.json")):
        event = event_from_webhook(parse_webhook(path.read_bytes()), received_at=NOW)
        assert event.at.tzinfo is not None
        apply_event(order, event)  # never raises
    courier = event_from_webhook(parse_webhook((FIXTURES / "courier_assigned.json").read_bytes()), received_at=NOW)
    assert courier.courier is not None and courier.courier.name
    cancel = event_from_webhook(parse_webhook((FIXTURES / "order_canceled.json").read_bytes()), received_at=NOW)
    assert cancel.cancel_slug == "customer_request"


def test_ready_notification_on_the_wire_has_marking_codes_and_substitutes() -> None:
    new = new_order_from_webhook(_created("order_created_pickup.json"))
    order = open_order(new, store="s", number="A-1", now=NOW, rules=StoreRules()).order
    ctx = Context(now=NOW, actor=PC)
    sku = order.ordered[0].sku
    order = decide(order, act.StartAssembly(), ctx).order
    composition = (
        FinalLine(sku=sku, quantity=1, marking_codes=(MARK,)),
        FinalLine(sku="555", quantity=1, replaces=sku, name="Ибупрофен 200мг №20", price=Decimal("89.90")),
    )
    order = decide(order, act.Assembled(composition=composition), ctx).order
    outcome = decide(order, act.Ready(), ctx)
    wire = [notification_to_wire(n).to_wire() for n in outcome.notifications]
    ready, code = wire
    assert ready["event_type"] == "order.ready_for_delivery"
    positions = {p["id"]: p for p in ready["payload"]["positions"]}
    assert positions[sku]["markingCode"] == [{"value": MARK}]
    assert positions["555"]["replacedByID"] == sku and positions["555"]["totalPrice"] == "89.90"
    assert ready["payload"]["total"]["totalPrice"] == str(
        sum(Decimal(p["totalPrice"]) for p in ready["payload"]["positions"])
    )
    assert code["event_type"] == "order.pickup_code_created" and code["payload"]["pickupCode"].isdigit()
    for body in wire:  # what the outbox stores parses back strictly
        parse_notification(json.dumps(body))


def _drive(flow: str, steps: list[str], reason: CancelReason) -> list[dict[str, object]]:
    new = new_order_from_webhook(_created("order_created_delivery.json")).model_copy(update={"shipment_method": flow})
    order = open_order(new, store="s", number="A-1", now=NOW, rules=StoreRules(accept_step=flow == "pickup")).order
    bodies: list[dict[str, object]] = []
    told = "0000"  # the code Kuper tells the customer (the order keeps only its digest)
    for i, step in enumerate(steps):
        ctx = Context(now=NOW + timedelta(minutes=i), actor=PC, rules=StoreRules(accept_step=flow == "pickup"))
        lines = tuple(FinalLine(sku=line.sku, quantity=line.ordered_quantity) for line in order.ordered)
        actions: dict[str, act.Action] = {
            "accept": act.Accept(),
            "start": act.StartAssembly(),
            "assembled": act.Assembled(composition=lines),
            "ready": act.Ready(),
            "verify": act.VerifyPickupCode(code=told),
            "hand": act.HandOver(payment=act.PaymentTaken(method="cash", amount=order.totals.total_price)),
            "cancel": act.Cancel(reason=reason),
        }
        outcome = decide(order, actions[step], ctx)
        order = outcome.order
        bodies += [notification_to_wire(n).to_wire() for n in outcome.notifications]
        told = next((n.pickup_code for n in outcome.notifications if n.pickup_code), told)
    assert order.state in set(OrderState)
    return bodies


@settings(max_examples=60, deadline=None)
@given(
    flow=st.sampled_from(["pickup", "by_courier"]),
    steps=st.lists(st.sampled_from(["accept", "start", "assembled", "ready", "verify", "hand", "cancel"]), max_size=12),
    reason=st.sampled_from(list(CancelReason)),
)
def test_whatever_the_lifecycle_emits_is_a_valid_wire_notification(
    flow: str, steps: list[str], reason: CancelReason
) -> None:
    for body in _drive(flow, steps, reason):
        parse_notification(json.dumps(body))
