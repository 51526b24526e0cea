"""Kuper's webhooks never make the lifecycle raise: out of order, duplicated, late, unknown."""

from __future__ import annotations

from decimal import Decimal

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.events import AlertKind, StockEffectKind
from pharmacy_desk.domain.lifecycle import StoreRules, decide, open_order
from pharmacy_desk.domain.states import Flow, OrderState
from tests.domain.factories import T0, apply, as_ordered, courier, ctx, new_order, nurofen, ok, opened, ready


def test_courier_arrived_before_assigned_is_an_anomaly_but_recorded() -> None:
    order = ok(decide(opened(), act.StartAssembly(), ctx()))
    outcome = apply(order, "courier.arrived", 2)
    assert len(outcome.anomalies) == 1 and "courier.assigned" in outcome.anomalies[0].message
    assert outcome.order.courier_arrived_at is not None
    assert AlertKind.COURIER_ARRIVED in [a.kind for a in outcome.alerts]
    later = apply(outcome.order, "courier.assigned", 3, courier=courier())
    assert later.order.courier is not None and later.order.courier.name == "Иван"
    assert later.order.state is OrderState.COLLECTING


def test_second_order_created_is_recorded_not_applied() -> None:
    order = opened()
    outcome = apply(order, "order.created", 1)
    assert outcome.anomalies and outcome.order.number == order.number
    assert outcome.order.ordered == order.ordered and outcome.effects == ()


def test_canceled_after_handover_keeps_the_order_and_warns() -> None:
    order = ready(opened())
    for kind in ("order.paid", "order.received"):
        order = ok(apply(order, kind))
    outcome = apply(order, "order.canceled", 30, cancel_slug="customer_request")
    assert outcome.order.state is OrderState.SHIPPING
    assert outcome.effects == ()  # nothing to release: the goods are gone
    assert {a.kind for a in outcome.alerts} >= {AlertKind.CANCELED_AFTER_HANDOVER}
    assert outcome.anomalies


def test_kuper_running_ahead_of_the_pharmacy_waits_for_ready() -> None:
    order = ok(decide(opened(), act.StartAssembly(), ctx()))
    for kind in ("order.paid", "order.received"):
        outcome = apply(order, kind, 1)
        assert outcome.anomalies, kind
        order = outcome.order
        assert order.state is OrderState.COLLECTING
    order = ok(decide(order, act.Assembled(composition=as_ordered(order)), ctx()))
    order = ok(decide(order, act.Ready(), ctx()))
    assert order.state is OrderState.SHIPPING  # Kuper already said the courier took it


def test_received_before_paid_still_moves_on() -> None:
    outcome = apply(ready(opened()), "order.received")
    assert outcome.order.state is OrderState.SHIPPING and outcome.anomalies


def test_delivering_without_received_moves_to_shipping() -> None:
    outcome = apply(ok(apply(ready(opened()), "order.paid")), "order.delivering")
    assert outcome.order.state is OrderState.SHIPPING and outcome.anomalies


def test_events_after_cancellation_change_nothing_but_are_kept() -> None:
    order = ok(apply(opened(), "order.canceled", cancel_slug="customer_request"))
    again = apply(order, "order.canceled", 1, cancel_slug="customer_request")
    assert not again.changed
    late = apply(order, "order.paid", 2)
    assert late.order.state is OrderState.CANCELED and late.anomalies and late.effects == ()


def test_unknown_event_type_is_kept_as_an_anomaly() -> None:
    outcome = apply(opened(), "order.teleported")
    assert outcome.anomalies and outcome.order.state is OrderState.NEW


def test_unknown_cancellation_slug_is_kept_verbatim() -> None:
    outcome = apply(opened(), "order.canceled", cancel_slug="weather")
    assert outcome.order.cancellation is not None
    assert outcome.order.cancellation.reason is None and outcome.order.cancellation.slug == "weather"


def test_pickup_orders_ignore_courier_events() -> None:
    order = opened("pickup")
    for kind in ("courier.assigned", "courier.arrived", "order.received", "order.delivered"):
        outcome = apply(order, kind, courier=courier())
        assert outcome.anomalies, kind
        assert outcome.order.state is OrderState.NEW and outcome.order.courier is None


def test_order_updated_before_assembly_changes_lines_after_does_not() -> None:
    order = opened()
    outcome = apply(order, "order.updated", 1, lines=(nurofen(1),))
    assert [line.quantity for line in outcome.order.ordered] == [1]
    assert [e.kind for e in outcome.effects] == [StockEffectKind.ADJUST]
    late = apply(ready(opened()), "order.updated", 1, lines=(nurofen(1),))
    assert late.anomalies and len(late.order.ordered) == 2


def test_unknown_shipment_method_and_wrong_total_are_flagged() -> None:
    outcome = open_order(new_order("drone", total=Decimal("1.00")), store="s", number="N-1", now=T0, rules=StoreRules())
    assert outcome.order.flow is Flow.UNKNOWN and outcome.order.flow_raw == "drone"
    assert set(outcome.order.flags) == {"unknown_flow", "total_mismatch"}
    assert len(outcome.anomalies) == 2
    assert [e.kind for e in outcome.effects] == [StockEffectKind.RESERVE]


def test_every_change_bumps_the_version() -> None:
    order = opened()
    assert order.version == 1
    step = apply(order, "courier.assigned", courier=courier())
    assert step.order.version == 2
