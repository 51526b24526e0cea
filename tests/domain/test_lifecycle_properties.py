"""Random interleavings of Kuper's webhooks and staff actions never break docs/kuper-protocol.md §4."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.composition import FinalLine
from pharmacy_desk.domain.events import KuperEvent
from pharmacy_desk.domain.lifecycle import Context, StoreRules, apply_event, decide, open_order
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.states import NotificationType as N
from pharmacy_desk.domain.states import OrderState
from tests.domain.factories import MARK_A, MARK_B, PC1, PC2, T0, code_of, courier, new_order, nurofen

SEQUENCE = [N.ACCEPTED, N.IN_WORK, N.ASSEMBLED, N.READY_FOR_DELIVERY, N.PICKUP_CODE_CREATED, N.DELIVERED]
REQUIRES = {
    N.IN_WORK: None,
    N.ASSEMBLED: N.IN_WORK,
    N.READY_FOR_DELIVERY: N.ASSEMBLED,
    N.PICKUP_CODE_CREATED: N.READY_FOR_DELIVERY,
    N.DELIVERED: N.PICKUP_CODE_CREATED,
}

webhook_types = st.sampled_from(
    [
        "order.created",
        "order.updated",
        "courier.assigned",
        "courier.arrived",
        "order.paid",
        "order.received",
        "order.delivering",
        "order.delivered",
        "order.canceled",
        "order.mystery",
    ]
)

compositions = st.sampled_from(
    [
        None,  # as ordered
        (FinalLine(sku="100234", quantity=2, marking_codes=(MARK_A, MARK_B)), FinalLine(sku="100777", quantity=1)),
        (FinalLine(sku="100234", quantity=1),),
        (FinalLine(sku="100234", quantity=0), FinalLine(sku="100777", quantity=0)),
        (FinalLine(sku="100777", quantity=0), FinalLine(sku="300", quantity=1, replaces="100777", price=Decimal("99"))),
        (FinalLine(sku="100234", quantity=5),),
    ]
)


@st.composite
def steps(draw: st.DrawFn) -> tuple[str, object]:
    if draw(st.booleans()):
        kind = draw(webhook_types)
        extra: dict[str, object] = {}
        if kind == "courier.assigned":
            extra["courier"] = courier()
        if kind == "order.canceled":
            extra["cancel_slug"] = draw(st.sampled_from(["customer_request", "out_of_stock", "weird"]))
        if kind == "order.updated" and draw(st.booleans()):
            extra["lines"] = (nurofen(1),)
        return "webhook", (kind, extra)
    name = draw(
        st.sampled_from(
            ["accept", "start", "take_over", "assembled", "ready", "issue", "print", "verify", "hand", "cancel"]
        )
    )
    actor = draw(st.sampled_from([PC1, PC2]))
    return "action", (
        name,
        actor,
        draw(compositions),
        draw(st.sampled_from(["right", "wrong"])),
        draw(st.sampled_from(["exact", "none", "short"])),
    )


def _action(name: str, order: Order, composition: tuple[FinalLine, ...] | None, code: str, pay: str) -> act.Action:
    lines = (
        composition
        if composition is not None
        else tuple(FinalLine(sku=line.sku, quantity=line.ordered_quantity) for line in order.ordered)
    )
    if name == "accept":
        return act.Accept()
    if name in ("start", "take_over"):
        return act.StartAssembly(take_over=name == "take_over")
    if name == "assembled":
        return act.Assembled(composition=lines)
    if name == "ready":
        return act.Ready(composition=composition)
    if name == "issue":
        return act.IssuePickupCode()
    if name == "print":
        return act.LabelPrinted()
    if name == "verify":
        right = code_of(order) if order.pickup else "1234"
        return act.VerifyPickupCode(code=right if code == "right" else "99999")
    if name == "hand":
        amount = order.totals.total_price
        payment = {
            "exact": act.PaymentTaken(method="cash", amount=amount),
            "short": act.PaymentTaken(method="card", amount=amount + Decimal("1")),
            "none": None,
        }[pay]
        return act.HandOver(payment=payment)
    return act.Cancel(reason="customer_request")


@settings(max_examples=300, deadline=None)
@given(
    flow=st.sampled_from(["pickup", "by_courier", "drone"]),
    accept_step=st.booleans(),
    code_on_ready=st.booleans(),
    script=st.lists(steps(), max_size=40),
)
def test_random_interleavings_keep_the_protocol(
    flow: str, accept_step: bool, code_on_ready: bool, script: list[tuple[str, Any]]
) -> None:
    rules = StoreRules(accept_step=accept_step, issue_code_on_ready=code_on_ready)
    order = open_order(new_order(flow), store="s", number="N-1", now=T0, rules=rules).order
    sent: list[N] = []
    canceled_at: int | None = None
    for i, (kind, data) in enumerate(script):
        now = T0 + timedelta(minutes=i)
        before = order
        if kind == "webhook":
            etype, extra = data
            outcome = apply_event(order, KuperEvent(type=etype, at=now, **extra))
        else:
            name, actor, composition, code, pay = data
            ctx = Context(now=now, actor=actor, rules=rules)
            outcome = decide(order, _action(name, order, composition, code, pay), ctx)
        order = outcome.order
        if outcome.changed:
            assert order.version == before.version + 1
        else:
            assert order == before
        if outcome.refusal is not None:
            assert outcome.notifications == ()
        if before.state is OrderState.CANCELED:
            assert outcome.notifications == (), "a canceled order emits nothing"
            assert order.state is OrderState.CANCELED
        for note in outcome.notifications:
            assert canceled_at is None
            assert note.type not in sent, f"{note.type} twice"
            if note.type is N.CANCELED:
                canceled_at = len(sent)
            else:
                need = REQUIRES.get(note.type)
                if note.type is N.IN_WORK and accept_step:
                    need = N.ACCEPTED
                if need is not None:
                    assert need in sent, f"{note.type} before {need}"
                if sent:
                    last = [s for s in sent if s in SEQUENCE][-1:]
                    if last:
                        assert SEQUENCE.index(note.type) > SEQUENCE.index(last[0])
            if note.type in (N.READY_FOR_DELIVERY, N.DELIVERED):
                assert note.lines and note.totals is not None
                assert sum(line.quantity for line in note.lines) > 0
                assert note.totals.total_price == sum((line.total for line in note.lines), Decimal("0"))
            if note.type in (N.PICKUP_CODE_CREATED, N.DELIVERED):
                assert order.flow.value == "pickup"
            if note.type is N.DELIVERED:
                assert order.pickup is not None and order.pickup.verified_at is not None
                assert order.payment is not None
            sent.append(note.type)
        if order.state is OrderState.CANCELED and canceled_at is None and before.state is not OrderState.CANCELED:
            canceled_at = len(sent)  # canceled by Kuper: we must stay silent from now on
