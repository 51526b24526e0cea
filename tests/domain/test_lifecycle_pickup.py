"""Pickup flow: the seeds' test scenarios (docs/kuper-protocol.md §6) through the lifecycle."""

from __future__ import annotations

from decimal import Decimal

from pharmacy_desk.domain import SECRETS_CONTEXT, pickup_code_digest
from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.composition import FinalLine
from pharmacy_desk.domain.events import StockEffectKind
from pharmacy_desk.domain.lifecycle import StoreRules, decide
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.pickup_codes import AuditKind
from pharmacy_desk.domain.refusals import RefusalCode
from pharmacy_desk.domain.states import NotificationType as N
from pharmacy_desk.domain.states import OrderState, PaymentMethod
from tests.domain.factories import MARK_A, MARK_B, PC2, apply, as_ordered, assembled, code_of, ctx, ok, opened, ready


def _verified(order: Order) -> Order:
    assert order.pickup is not None
    return ok(decide(order, act.VerifyPickupCode(code=code_of(order)), ctx(PC2)))


def _pay(order: Order, method: str = "cash") -> act.HandOver:
    return act.HandOver(payment=act.PaymentTaken(method=method, amount=order.totals.total_price))


def test_happy_path_paid_in_cash_emits_the_seed_sequence() -> None:
    order = opened("pickup")
    notes = []
    c = ctx()
    for action in (act.StartAssembly(), act.Assembled(composition=as_ordered(order)), act.Ready()):
        outcome = decide(order, action, c)
        assert outcome.refusal is None
        notes += [n.type for n in outcome.notifications]
        order = outcome.order
    assert order.state is OrderState.AWAITING_PICKUP
    assert notes == [N.IN_WORK, N.ASSEMBLED, N.READY_FOR_DELIVERY, N.PICKUP_CODE_CREATED]
    order = _verified(order)
    outcome = decide(order, _pay(order, "cash"), ctx(PC2))
    assert outcome.refusal is None
    assert [n.type for n in outcome.notifications] == [N.DELIVERED]
    delivered = outcome.notifications[0]
    assert delivered.lines is not None and delivered.totals is not None
    assert delivered.totals.total_price == Decimal("525.48")  # 2 × 189.99 + 145.50
    assert outcome.order.state is OrderState.SHIPPED
    assert outcome.order.payment is not None and outcome.order.payment.method is PaymentMethod.CASH
    assert [e.kind for e in outcome.effects] == [StockEffectKind.COMMIT]


def test_happy_path_paid_by_card() -> None:
    order = _verified(ready(opened("pickup")))
    outcome = decide(order, _pay(order, "card"), ctx(PC2))
    assert outcome.order.payment is not None and outcome.order.payment.method is PaymentMethod.CARD
    assert outcome.order.state is OrderState.SHIPPED


def test_ready_sends_composition_then_the_code_in_that_order() -> None:
    outcome = decide(assembled(opened("pickup")), act.Ready(), ctx())
    types = [n.type for n in outcome.notifications]
    assert types == [N.READY_FOR_DELIVERY, N.PICKUP_CODE_CREATED]
    code = outcome.notifications[1].pickup_code
    assert code is not None and code.isdigit() and len(code) == 4
    assert outcome.order.version == assembled(opened("pickup")).version + 1


def test_code_issued_separately_when_the_store_says_so() -> None:
    rules = StoreRules(issue_code_on_ready=False)
    order = ok(decide(assembled(opened("pickup")), act.Ready(), ctx(rules=rules)))
    assert order.state is OrderState.READY_TO_SHIP and order.pickup is None
    outcome = decide(order, act.IssuePickupCode(), ctx(rules=rules))
    assert [n.type for n in outcome.notifications] == [N.PICKUP_CODE_CREATED]
    again = decide(outcome.order, act.IssuePickupCode(), ctx(rules=rules))
    assert again.refusal is not None and again.refusal.code is RefusalCode.CODE_ALREADY_ISSUED


def test_cancel_before_the_code_was_created() -> None:
    order = assembled(opened("pickup"))
    outcome = decide(order, act.Cancel(reason="customer_request", description="Клиент передумал"), ctx())
    assert outcome.order.state is OrderState.CANCELED
    assert [n.type for n in outcome.notifications] == [N.CANCELED]
    assert [e.kind for e in outcome.effects] == [StockEffectKind.RELEASE]


def test_cancel_after_the_code_was_created() -> None:
    order = ready(opened("pickup"))
    assert order.pickup is not None
    outcome = decide(order, act.Cancel(reason="customer_request"), ctx())
    assert outcome.order.state is OrderState.CANCELED
    assert not outcome.order.waits_for_pickup
    assert [e.kind for e in outcome.effects] == [StockEffectKind.RELEASE]


def test_composition_changed_during_assembly() -> None:
    order = opened("pickup")
    composition = (
        FinalLine(sku="100234", quantity=1, marking_codes=(MARK_A,), reason="одна упаковка повреждена"),
        FinalLine(sku="100777", quantity=0, reason="нет на полке"),
        FinalLine(
            sku="200100",
            quantity=1,
            replaces="100777",
            name="Кардиомагнил 75мг №30",
            price=Decimal("160.00"),
            marking_codes=(MARK_B,),
        ),
    )
    outcome = decide(assembled(order, composition), act.Ready(), ctx())
    ready_note = outcome.notifications[0]
    assert ready_note.lines is not None and ready_note.totals is not None
    by_sku = {line.sku: line for line in ready_note.lines}
    assert by_sku["100234"].quantity == 1 and by_sku["100234"].total == Decimal("189.99")
    assert by_sku["100777"].quantity == 0
    assert by_sku["200100"].replaces == "100777" and by_sku["200100"].total == Decimal("160.00")
    assert ready_note.totals.total_price == Decimal("349.99")
    assert ready_note.totals.discount_total_price == Decimal("349.99")


def test_duplicate_codes_are_never_issued() -> None:
    taken = frozenset(pickup_code_digest(f"{n:04d}", b"") for n in range(10_000) if n != 4321)
    outcome = decide(assembled(opened("pickup")), act.Ready(), ctx(taken_pickup_digests=taken))
    assert outcome.notifications[-1].pickup_code == "4321"
    assert code_of(outcome.order) == "4321"
    full = taken | {pickup_code_digest("4321", b"")}
    outcome = decide(
        assembled(opened("pickup")),
        act.Ready(),
        ctx(taken_pickup_digests=full, rules=StoreRules(issue_code_on_ready=False)),
    )
    refused = decide(outcome.order, act.IssuePickupCode(), ctx(taken_pickup_digests=full))
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.CODE_SPACE_EXHAUSTED


def test_customer_refuses_to_pay_ends_in_cancellation() -> None:
    order = _verified(ready(opened("pickup")))
    no_pay = decide(order, act.HandOver(), ctx(PC2))
    assert no_pay.refusal is not None and no_pay.refusal.code is RefusalCode.PAYMENT_MISSING
    assert no_pay.notifications == ()
    outcome = decide(order, act.Cancel(reason="order_not_paid", description="Отказ от оплаты"), ctx(PC2))
    assert outcome.order.state is OrderState.CANCELED
    assert outcome.notifications[0].cancel_reason == "order_not_paid"
    assert [e.kind for e in outcome.effects] == [StockEffectKind.RELEASE]


def test_customer_declines_a_pack_at_the_counter() -> None:
    order = _verified(ready(opened("pickup")))
    handed = (FinalLine(sku="100234", quantity=2),)  # declines the aspirin
    amount = Decimal("379.98")
    outcome = decide(
        order, act.HandOver(payment=act.PaymentTaken(method="card", amount=amount), composition=handed), ctx(PC2)
    )
    assert outcome.refusal is None
    note = outcome.notifications[0]
    assert note.totals is not None and note.totals.total_price == amount
    assert note.lines is not None and {line.sku: line.quantity for line in note.lines} == {"100234": 2, "100777": 0}
    wrong_amount = decide(
        order,
        act.HandOver(payment=act.PaymentTaken(method="card", amount=Decimal("525.48")), composition=handed),
        ctx(PC2),
    )
    assert wrong_amount.refusal is not None and wrong_amount.refusal.code is RefusalCode.PAYMENT_AMOUNT


def test_kuper_prepaid_pickup_needs_no_counter_payment() -> None:
    order = ok(apply(ready(opened("pickup")), "order.paid", 5))
    assert order.payment is not None and order.payment.method is PaymentMethod.KUPER
    order = _verified(order)
    outcome = decide(order, act.HandOver(), ctx(PC2))
    assert outcome.refusal is None and outcome.order.state is OrderState.SHIPPED


def test_wrong_codes_count_down_then_lock_out_then_the_right_code_works_later() -> None:
    order = ready(opened("pickup"))
    assert order.pickup is not None
    right = code_of(order)
    wrong = "0000" if right != "0000" else "1111"
    tries = []
    for minute in range(5):
        outcome = decide(order, act.VerifyPickupCode(code=wrong), ctx(PC2, minutes=minute))
        assert outcome.refusal is not None and outcome.changed
        tries.append(outcome.tries_left)
        order = outcome.order
    assert tries == [4, 3, 2, 1, 0]
    assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.CODE_LOCKED
    locked = decide(order, act.VerifyPickupCode(code=right), ctx(PC2, minutes=6))
    assert locked.refusal is not None and locked.refusal.code is RefusalCode.CODE_LOCKED and not locked.changed
    later = decide(order, act.VerifyPickupCode(code=right), ctx(PC2, minutes=30))
    assert later.refusal is None
    assert [e.kind for e in later.order.audit][-1] == "verified"
    kinds = [e.kind for e in later.order.audit]
    assert kinds.count(AuditKind.FAILED) == 5 and kinds.count(AuditKind.LOCKED) == 1 and kinds[0] == "created"


def test_label_printed_is_audited() -> None:
    order = ok(decide(ready(opened("pickup")), act.LabelPrinted(), ctx(PC2)))
    assert order.audit[-1].kind == "printed" and order.audit[-1].actor == "Касса 2"


def test_the_order_never_holds_the_code_and_dumps_no_digest_but_the_stored_one() -> None:
    key = b"relay-key"
    outcome = decide(assembled(opened("pickup")), act.Ready(), ctx(pickup_code_key=key))
    code = outcome.notifications[-1].pickup_code
    assert code is not None
    order = outcome.order
    assert order.pickup is not None and order.pickup.digest == pickup_code_digest(code, key)
    shown = order.model_dump_json()  # what an API answer or a stream event would carry
    assert code not in shown and "digest" not in shown and '"issued_at"' in shown
    stored = order.model_dump_json(context=SECRETS_CONTEXT)
    assert order.pickup.digest in stored and f'"{code}"' not in stored
    assert Order.model_validate_json(stored) == order
    # the digest is keyed: the right code under another key does not open the order
    wrong_key = decide(order, act.VerifyPickupCode(code=code), ctx(PC2, pickup_code_key=b"other"))
    assert wrong_key.refusal is not None and wrong_key.refusal.code is RefusalCode.CODE_WRONG
    right = decide(order, act.VerifyPickupCode(code=f" {code} "), ctx(PC2, pickup_code_key=key))
    assert right.refusal is None and right.order.pickup is not None and right.order.pickup.verified_at is not None
