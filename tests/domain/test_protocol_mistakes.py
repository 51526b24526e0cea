"""The six mistakes of docs/kuper-protocol.md §5 cannot be made through the lifecycle: one test each."""

from __future__ import annotations

from datetime import timedelta

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.lifecycle import StoreRules, decide
from pharmacy_desk.domain.pickup_codes import generate_pickup_code
from pharmacy_desk.domain.refusals import RefusalCode
from pharmacy_desk.domain.states import NotificationType as N
from tests.domain.factories import PC2, T0, assembled, code_of, ctx, ok, opened, ready


def test_1_delivered_always_carries_the_composition_handed_over() -> None:
    order = ready(opened("pickup"))
    assert order.pickup is not None
    order = ok(decide(order, act.VerifyPickupCode(code=code_of(order)), ctx(PC2)))
    pay = act.PaymentTaken(method="cash", amount=order.totals.total_price)
    outcome = decide(order, act.HandOver(payment=pay), ctx(PC2))
    (note,) = outcome.notifications
    assert note.type is N.DELIVERED
    assert note.lines == outcome.order.handed_over and note.lines
    assert note.totals is not None and note.totals.total_price == pay.amount


def test_2_pickup_codes_are_unique_among_waiting_orders() -> None:
    taken: set[str] = set()
    for _ in range(2000):
        code = generate_pickup_code(taken)
        assert code not in taken
        taken.add(code)
    assert len(taken) == 2000


def test_3_no_pickup_code_before_ready_for_delivery() -> None:
    rules = StoreRules(issue_code_on_ready=False)
    order = opened("pickup")
    for step in (lambda o: o, lambda o: ok(decide(o, act.StartAssembly(), ctx())), assembled):
        current = step(order)
        outcome = decide(current, act.IssuePickupCode(), ctx(rules=rules))
        assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.CODE_BEFORE_READY
        assert outcome.notifications == ()


def test_4_no_handover_without_checking_the_code() -> None:
    order = ready(opened("pickup"))
    pay = act.PaymentTaken(method="card", amount=order.totals.total_price)
    outcome = decide(order, act.HandOver(payment=pay), ctx(PC2))
    assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.CODE_NOT_VERIFIED
    assert outcome.notifications == ()
    wrong = decide(order, act.VerifyPickupCode(code="x"), ctx(PC2))
    still = decide(wrong.order, act.HandOver(payment=pay), ctx(PC2))
    assert still.refusal is not None and still.refusal.code is RefusalCode.CODE_NOT_VERIFIED


def test_5_no_handover_without_payment() -> None:
    order = ready(opened("pickup"))
    assert order.pickup is not None
    order = ok(decide(order, act.VerifyPickupCode(code=code_of(order)), ctx(PC2)))
    outcome = decide(order, act.HandOver(), ctx(PC2))
    assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.PAYMENT_MISSING
    assert outcome.notifications == () and not outcome.changed


def test_6_delivered_only_when_goods_are_handed_over() -> None:
    """Nothing but HandOver produces order.delivered, and it needs a waiting, verified, paid order."""
    order = opened("pickup")
    seen: list[N] = []
    c = ctx()
    steps: list[act.Action] = [act.StartAssembly(), act.Assembled(composition=()), act.Ready()]
    for action in steps:
        outcome = decide(order, action, c)
        seen += [n.type for n in outcome.notifications]
        order = outcome.order
    assert N.DELIVERED not in seen
    late = ctx(PC2).model_copy(update={"now": T0 + timedelta(hours=1)})
    assert decide(order, act.HandOver(), late).notifications == ()
