"""The hand-over session: amounts from the domain, declined packs, payment, blockers, and actions the domain accepts."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from pharmacy_desk.desk.handover import Blocker, HandoverBlocked, HandoverSession
from pharmacy_desk.domain import (
    CancelReason,
    FinalLine,
    OrderState,
    PaymentMethod,
    StockEffectKind,
    decide,
)
from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.lifecycle import StoreRules
from pharmacy_desk.domain.order import Order
from tests.domain.factories import MARK_A, MARK_B, T0, aspirin, code_of, ctx, nurofen, ok, opened, ready


def waiting(marked: bool = True) -> Order:
    """A pickup order with Нурофен ×2 (marked) and Аспирин ×1, code issued."""
    order = opened("pickup", lines=(nurofen(2), aspirin(1)))
    composition = (
        FinalLine(sku="100234", quantity=2, marking_codes=(MARK_A, MARK_B) if marked else ()),
        FinalLine(sku="100777", quantity=1),
    )
    c = ctx()
    order = ok(decide(order, act.StartAssembly(), c))
    order = ok(decide(order, act.Assembled(composition=composition), c))
    order = ok(decide(order, act.Ready(), c))
    assert order.state is OrderState.AWAITING_PICKUP and order.pickup is not None
    return order


def verified(order: Order) -> Order:
    assert order.pickup is not None
    return ok(decide(order, act.VerifyPickupCode(code=code_of(order)), ctx(minutes=1)))


def test_lines_and_amount_follow_the_domain_totals() -> None:
    session = HandoverSession(waiting())
    assert [(line.name, line.ready, line.given) for line in session.lines()] == [
        ("Нурофен таб. п/о 200мг №20", 2, 2),
        ("Аспирин Кардио 100мг №28", 1, 1),
    ]
    assert session.amount == Decimal("525.48")  # 2 × 189.99 (the discount price) + 145.50
    assert session.final_lines() is None  # the whole bag

    assert session.decline("100234")
    assert session.amount == Decimal("335.49")
    assert session.line("100234").declined == 1  # type: ignore[union-attr]
    assert session.decline("100234") and not session.decline("100234")  # none left to decline
    assert session.restore("100234") and session.amount == Decimal("335.49")
    assert not session.restore("100777")


def test_no_code_no_payment_no_hand_over() -> None:
    session = HandoverSession(waiting())
    assert session.blockers(T0) == [Blocker.CODE_NOT_VERIFIED, Blocker.PAYMENT_MISSING]
    with pytest.raises(HandoverBlocked):
        session.hand_over_action(T0)
    session.update(verified(session.order))
    assert session.blockers(T0) == [Blocker.PAYMENT_MISSING]
    payment = session.take_payment("card")
    assert payment.amount == Decimal("525.48") and session.blockers(T0) == []

    handed = ok(decide(session.order, session.hand_over_action(T0), ctx(minutes=2)))
    assert handed.state is OrderState.SHIPPED
    assert handed.payment is not None and handed.payment.method is PaymentMethod.CARD


def test_a_declined_pack_changes_the_amount_and_drops_a_payment_taken_before() -> None:
    session = HandoverSession(verified(waiting()))
    session.take_payment("cash")
    session.decline("100234")
    assert session.payment is None and session.blockers(T0) == [Blocker.PAYMENT_MISSING]
    session.take_payment("cash")
    outcome = decide(session.order, session.hand_over_action(T0), ctx(minutes=2))
    handed = ok(outcome)
    assert [(line.sku, line.quantity, line.marking_codes) for line in handed.handed_over or ()] == [
        ("100234", 1, (MARK_A,)),  # the last pack's code went back with it
        ("100777", 1, ()),
    ]
    assert handed.payment is not None and handed.payment.amount == Decimal("335.49")
    assert outcome.effects[0].kind is StockEffectKind.COMMIT


def test_every_pack_declined_means_cancel_instead() -> None:
    session = HandoverSession(verified(waiting()))
    for sku in ("100234", "100234", "100777"):
        assert session.decline(sku)
    assert session.amount == Decimal("0.00")
    assert session.blockers(T0) == [Blocker.NOTHING_LEFT]


def test_a_customer_who_refuses_to_pay_cancels_and_releases_the_stock() -> None:
    session = HandoverSession(verified(waiting()))
    outcome = decide(session.order, session.refuse_to_pay_action(), ctx(minutes=2))
    canceled = ok(outcome)
    assert canceled.state is OrderState.CANCELED
    assert canceled.cancellation is not None and canceled.cancellation.reason is CancelReason.ORDER_NOT_PAID
    assert [effect.kind for effect in outcome.effects] == [StockEffectKind.RELEASE]
    assert [note.type.value for note in outcome.notifications] == ["order.canceled"]


def test_lock_out_and_other_flows_and_states() -> None:
    rules = StoreRules.model_validate({"pickup": {"max_attempts": 2, "lockout_minutes": 5}})
    order = waiting()
    for minute in (1, 2):
        order = decide(order, act.VerifyPickupCode(code="x"), ctx(minutes=minute, rules=rules)).order
    session = HandoverSession(order)
    assert session.locked_until(T0 + timedelta(minutes=3)) is not None
    assert session.blockers(T0 + timedelta(minutes=3))[0] is Blocker.LOCKED
    assert session.blockers(T0 + timedelta(minutes=8))[0] is Blocker.CODE_NOT_VERIFIED

    delivery = HandoverSession(ready(opened("by_courier")))
    assert delivery.blockers(T0) == [Blocker.NOT_PICKUP]
    paid = act.HandOver(payment=act.PaymentTaken(method="cash", amount=Decimal("525.48")))
    handed = HandoverSession(ok(decide(verified(waiting()), paid, ctx())))
    assert handed.order.state is OrderState.SHIPPED and handed.blockers(T0) == [Blocker.NOT_WAITING]


def test_a_newer_snapshot_keeps_the_declines_and_the_payment_while_the_amount_holds() -> None:
    order = waiting()
    session = HandoverSession(order)
    session.decline("100777")
    session.take_payment("cash")
    session.update(verified(order))
    assert session.line("100777").declined == 1 and session.payment is not None  # type: ignore[union-attr]
    session.update(order)  # an older version changes nothing
    assert session.verified
    assert session.verify_action(" 12 34 ").code == "1234"
