"""Delivery by Kuper's courier: §6 scenarios, Kuper's webhooks in and out of order."""

from __future__ import annotations

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.composition import FinalLine
from pharmacy_desk.domain.events import AlertKind, StockEffectKind
from pharmacy_desk.domain.lifecycle import StoreRules, decide
from pharmacy_desk.domain.refusals import RefusalCode
from pharmacy_desk.domain.states import NotificationType as N
from pharmacy_desk.domain.states import OrderState
from tests.domain.factories import MARK_A, PC1, PC2, apply, as_ordered, assembled, courier, ctx, ok, opened, ready


def test_happy_path_with_courier_events() -> None:
    order = opened()
    order = ok(decide(order, act.StartAssembly(), ctx()))
    order = ok(apply(order, "courier.assigned", 3, courier=courier()))
    arrived = apply(order, "courier.arrived", 9)
    assert [a.kind for a in arrived.alerts] == [AlertKind.COURIER_ARRIVED] and not arrived.anomalies
    order = ok(decide(arrived.order, act.Assembled(composition=as_ordered(order)), ctx()))
    outcome = decide(order, act.Ready(), ctx())
    assert [n.type for n in outcome.notifications] == [N.READY_FOR_DELIVERY]
    assert outcome.effects == ()  # the bag is still in the pharmacy: nothing sold yet
    order = outcome.order
    assert order.state is OrderState.READY_TO_SHIP
    commits = []
    for kind, state in [
        ("order.paid", OrderState.PAID),
        ("order.received", OrderState.SHIPPING),
        ("order.delivering", OrderState.SHIPPING),
        ("order.delivered", OrderState.SHIPPED),
    ]:
        step = apply(order, kind, 20)
        assert step.anomalies == (), kind
        order = step.order
        assert order.state is state
        commits += [(kind, e.lines) for e in step.effects if e.kind is StockEffectKind.COMMIT]
    assert commits == [("order.received", order.handed_over)]  # sold once, when the courier took it
    assert order.courier is not None and order.courier.name == "Иван"
    assert list(order.milestones) == [
        "order.created",
        "courier.assigned",
        "courier.arrived",
        "order.paid",
        "order.received",
        "order.delivering",
        "order.delivered",
    ]


def test_happy_path_without_courier_events() -> None:
    order = ready(opened())
    for kind in ("order.paid", "order.received", "order.delivering", "order.delivered"):
        step = apply(order, kind)
        assert not step.anomalies
        order = step.order
    assert order.state is OrderState.SHIPPED and order.courier is None


def test_out_of_stock_at_created_is_answered_then_canceled() -> None:
    order = opened()
    outcome = decide(order, act.Cancel(reason="out_of_stock", description="Нет в наличии"), ctx())
    assert [(n.type, n.cancel_reason) for n in outcome.notifications] == [(N.CANCELED, "out_of_stock")]
    assert outcome.order.number == order.number  # the answer's number stays the order's identity


def test_cancel_by_kuper_during_assembly_releases_and_interrupts() -> None:
    order = ok(decide(opened(), act.StartAssembly(), ctx()))
    outcome = apply(order, "order.canceled", 5, cancel_slug="customer_request", cancel_description="Клиент передумал")
    assert outcome.order.state is OrderState.CANCELED
    assert outcome.order.cancellation is not None and outcome.order.cancellation.by_kuper
    assert outcome.notifications == ()
    assert [e.kind for e in outcome.effects] == [StockEffectKind.RELEASE]
    alert = outcome.alerts[0]
    assert alert.kind is AlertKind.CANCELED_DURING_ASSEMBLY
    assert {line.sku for line in alert.lines} == {"100234", "100777"}


def test_cancel_by_the_pharmacy() -> None:
    order = assembled(opened())
    outcome = decide(order, act.Cancel(reason="technical_issues", description="Сбой кассы"), ctx())
    assert outcome.order.state is OrderState.CANCELED
    note = outcome.notifications[0]
    assert (note.type, note.cancel_reason, note.cancel_description) == (N.CANCELED, "technical_issues", "Сбой кассы")


def test_cancel_after_ready_returns_everything_to_the_shelf() -> None:
    order = ok(apply(ready(opened()), "order.paid"))
    outcome = decide(order, act.Cancel(reason="technical_issues"), ctx())
    assert [e.kind for e in outcome.effects] == [StockEffectKind.RELEASE]


def test_kuper_ahead_of_ready_commits_at_ready() -> None:
    order = ok(apply(ok(decide(opened(), act.StartAssembly(), ctx())), "order.received"))
    order = ok(decide(order, act.Assembled(composition=as_ordered(order)), ctx()))
    outcome = decide(order, act.Ready(), ctx())
    assert outcome.order.state is OrderState.SHIPPING
    assert [e.kind for e in outcome.effects] == [StockEffectKind.COMMIT]


def test_no_cancellation_once_the_courier_took_the_bag() -> None:
    order = ok(apply(ok(apply(ready(opened()), "order.paid")), "order.received"))
    refused = decide(order, act.Cancel(reason="customer_request"), ctx())
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.GOODS_LEFT


def test_pickup_only_actions_are_refused_for_delivery() -> None:
    order = ready(opened())
    for action in (act.IssuePickupCode(), act.VerifyPickupCode(code="1234"), act.HandOver()):
        outcome = decide(order, action, ctx())
        assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.PICKUP_ONLY


def test_restaurant_accept_step_is_a_store_setting() -> None:
    rules = StoreRules(accept_step=True)
    order = opened(rules=rules)
    refused = decide(order, act.StartAssembly(), ctx(rules=rules))
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.ACCEPT_FIRST
    accepted = decide(order, act.Accept(), ctx(rules=rules))
    assert [n.type for n in accepted.notifications] == [N.ACCEPTED]
    started = decide(accepted.order, act.StartAssembly(), ctx(rules=rules))
    assert [n.type for n in started.notifications] == [N.IN_WORK]
    off = decide(opened(), act.Accept(), ctx())
    assert off.refusal is not None and off.refusal.code is RefusalCode.ACCEPT_NOT_USED


def test_two_pcs_cannot_assemble_one_order() -> None:
    order = ok(decide(opened(), act.StartAssembly(), ctx(PC1)))
    second = decide(order, act.StartAssembly(), ctx(PC2))
    assert second.refusal is not None and second.refusal.code is RefusalCode.CLAIMED_BY_OTHER
    assert "Касса 1" in second.refusal.message
    done = decide(order, act.Assembled(composition=as_ordered(order)), ctx(PC2))
    assert done.refusal is not None and done.refusal.code is RefusalCode.CLAIMED_BY_OTHER
    same = decide(order, act.StartAssembly(), ctx(PC1))
    assert same.refusal is None and not same.changed and same.notifications == ()
    taken = decide(order, act.StartAssembly(take_over=True), ctx(PC2))
    assert taken.refusal is None and taken.notifications == ()
    assert taken.order.assembler is not None and taken.order.assembler.device_id == "dev-2"


def test_marking_code_given_in_another_order_is_refused() -> None:
    order = ok(decide(opened(), act.StartAssembly(), ctx()))
    composition = (FinalLine(sku="100234", quantity=1, marking_codes=(MARK_A,)),)
    outcome = decide(order, act.Assembled(composition=composition), ctx(marking_codes_elsewhere=frozenset({MARK_A})))
    assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.MARKING_IN_OTHER_ORDER
    twice = (FinalLine(sku="100234", quantity=2, marking_codes=(MARK_A, MARK_A)),)
    dup = decide(order, act.Assembled(composition=twice), ctx())
    assert dup.refusal is not None and dup.refusal.code is RefusalCode.MARKING_DUPLICATE


def test_more_than_ordered_or_foreign_sku_or_nothing_is_refused() -> None:
    order = ok(decide(opened(), act.StartAssembly(), ctx()))
    cases = {
        RefusalCode.COMPOSITION_INVALID: (FinalLine(sku="100234", quantity=3),),
        RefusalCode.NOT_IN_ORDER: (FinalLine(sku="999999", quantity=1),),
        RefusalCode.COMPOSITION_EMPTY: (FinalLine(sku="100234", quantity=0), FinalLine(sku="100777", quantity=0)),
        RefusalCode.MARKING_MISMATCH: (FinalLine(sku="100234", quantity=2, marking_codes=(MARK_A,)),),
    }
    for code, composition in cases.items():
        outcome = decide(order, act.Assembled(composition=composition), ctx())
        assert outcome.refusal is not None and outcome.refusal.code is code, code
        assert not outcome.changed and outcome.order == order


def test_actions_on_a_finished_order_are_refused() -> None:
    order = ready(opened())
    for kind in ("order.paid", "order.received", "order.delivered"):
        order = ok(apply(order, kind))
    outcome = decide(order, act.Cancel(reason="customer_request"), ctx())
    assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.ORDER_FINISHED
    assert PC2.label == "Касса 2"
