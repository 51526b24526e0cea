"""Domain rules the live wire needs: the customer switching courier ↔ pickup, the bag count at "ready"."""

from __future__ import annotations

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.lifecycle import decide
from pharmacy_desk.domain.states import Flow, OrderState
from pharmacy_desk.printing.label import labels_for_order
from tests.domain.factories import PC1, apply, assembled, ctx, ok, opened, ready


def test_switch_to_pickup_before_ready_changes_the_flow_and_tells_the_staff() -> None:
    order = assembled(opened("by_courier"))
    outcome = apply(order, "order.updated", shipment_method="pickup")
    assert outcome.changed and outcome.order.flow is Flow.PICKUP and outcome.order.flow_raw == "pickup"
    assert [alert.message for alert in outcome.alerts] == [
        f"{order.number}: способ получения изменён: доставка → самовывоз"
    ]
    after = ok(decide(outcome.order, act.Ready(), ctx()))
    assert after.state is OrderState.AWAITING_PICKUP and after.pickup is not None  # the pickup flow from here


def test_switch_after_ready_is_refused_into_an_anomaly_and_an_alert() -> None:
    order = ready(opened("pickup"))
    outcome = apply(order, "order.updated", shipment_method="by_courier")
    assert outcome.order.flow is Flow.PICKUP and "flow_switch_refused" in outcome.order.flags
    assert len(outcome.anomalies) == 1 and "после готовности" in outcome.anomalies[0].message
    assert len(outcome.alerts) == 1


def test_the_same_method_again_changes_nothing_but_the_raw_value() -> None:
    order = opened("pickup")
    outcome = apply(order, "order.updated", shipment_method="pickup")
    assert outcome.order.flow is Flow.PICKUP and outcome.alerts == ()


def test_the_bag_count_said_at_ready_is_kept_and_the_labels_follow_it() -> None:
    order = assembled(opened("pickup"))
    done = ok(decide(order, act.Ready(packs=3), ctx(PC1)))
    assert done.packs == 3
    labels = labels_for_order(done, "Аптека №12")
    assert [label.bag_text for label in labels] == ["1 из 3", "2 из 3", "3 из 3"]
    assert ready(opened("by_courier")).packs == 1
