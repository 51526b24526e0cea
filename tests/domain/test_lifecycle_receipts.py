"""The legal hand-over in the domain: code → payment → the sale receipt with every pack's code → hand-over;
a refusal after the receipt needs the return receipt before the cancellation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.composition import FinalLine
from pharmacy_desk.domain.events import StockEffectKind
from pharmacy_desk.domain.lifecycle import StoreRules, decide
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.receipts import Receipt, ReceiptKind, open_sale
from pharmacy_desk.domain.refusals import RefusalCode
from pharmacy_desk.domain.states import CancelReason, NotificationType, OrderState
from tests.domain.factories import MARK_A, MARK_B, MARK_C, PC2, T0, apply, assembled, code_of, ctx, ok, opened

RULES = StoreRules(receipt_required=True)
MARKED = (FinalLine(sku="100234", quantity=2, marking_codes=(MARK_A, MARK_B)), FinalLine(sku="100777", quantity=1))
DUE = Decimal("525.48")  # 2 × 189.99 + 145.50


def c(**kw: object):  # type: ignore[no-untyped-def]
    return ctx(PC2, rules=RULES, **kw)


def waiting(flow: str = "pickup") -> Order:
    order = assembled(opened(flow), MARKED)
    return ok(decide(order, act.Ready(), ctx(rules=RULES)))


def verified() -> Order:
    order = waiting()
    assert order.pickup is not None
    return ok(decide(order, act.VerifyPickupCode(code=code_of(order)), c()))


def sale(codes: tuple[str, ...] = (MARK_A, MARK_B), total: Decimal = DUE, **kw: object) -> Receipt:
    data: dict[str, object] = {
        "kind": ReceiptKind.SELL,
        "number": 11,
        "fiscal_sign": "1234567890",
        "fn": "9999078902012345",
        "at": T0 + timedelta(minutes=30),
        "total": total,
        "payment": "cash",
        "marking_codes": codes,
        **kw,
    }
    return Receipt.model_validate(data)


def paid(**kw: object) -> act.HandOver:
    return act.HandOver(payment=act.PaymentTaken(method="cash", amount=DUE), **kw)  # type: ignore[arg-type]


def test_hand_over_needs_the_receipt_after_the_payment() -> None:
    order = verified()
    no_payment = decide(order, act.HandOver(receipt=sale()), c())
    assert no_payment.refusal is not None and no_payment.refusal.code is RefusalCode.PAYMENT_MISSING
    missing = decide(order, paid(), c())
    assert missing.refusal is not None and missing.refusal.code is RefusalCode.RECEIPT_MISSING
    assert not missing.changed and missing.notifications == ()
    outcome = decide(order, paid(receipt=sale()), c())
    assert outcome.refusal is None and outcome.order.state is OrderState.SHIPPED
    assert outcome.order.receipts == (sale(),)
    assert [n.type for n in outcome.notifications] == [NotificationType.DELIVERED]


def test_the_receipt_must_be_of_what_leaves_the_counter() -> None:
    order = verified()
    for wrong, words in [
        (sale(codes=(MARK_A,)), "коды маркировки"),
        (sale(total=Decimal("100.00")), "в чеке 100.00"),
        (sale(kind=ReceiptKind.SELL_RETURN), "не чек прихода"),
        (sale(payment="card"), "способ оплаты"),
    ]:
        outcome = decide(order, paid(receipt=wrong), c())
        assert outcome.refusal is not None and outcome.refusal.code is RefusalCode.RECEIPT_MISMATCH
        assert words in outcome.refusal.message


def test_a_blocked_pack_taken_out_the_receipt_and_the_hand_over_follow_the_composition() -> None:
    order = verified()
    handed = (FinalLine(sku="100234", quantity=1, marking_codes=(MARK_A,)), FinalLine(sku="100777", quantity=1))
    due = Decimal("335.49")
    action = act.HandOver(
        payment=act.PaymentTaken(method="cash", amount=due), composition=handed, receipt=sale((MARK_A,), due)
    )
    outcome = decide(order, action, c())
    assert outcome.refusal is None
    assert outcome.order.handed_over is not None
    assert [line.marking_codes for line in outcome.order.handed_over] == [(MARK_A,), ()]


def test_receipt_recorded_first_is_used_by_the_hand_over_and_survives_a_lost_action() -> None:
    order = waiting()
    early = decide(order, act.RecordReceipt(receipt=sale()), c())
    assert early.refusal is not None and early.refusal.code is RefusalCode.CODE_NOT_VERIFIED
    order = verified()
    recorded = ok(decide(order, act.RecordReceipt(receipt=sale()), c()))
    assert recorded.receipts == (sale(),) and recorded.state is OrderState.AWAITING_PICKUP
    again = decide(recorded, act.RecordReceipt(receipt=sale()), c())
    assert again.refusal is None and not again.changed  # the same document twice is one document
    second = decide(recorded, act.RecordReceipt(receipt=sale(number=12)), c())
    assert second.refusal is not None and second.refusal.code is RefusalCode.RECEIPT_UNEXPECTED
    foreign = decide(order, act.RecordReceipt(receipt=sale((MARK_C,))), c())
    assert foreign.refusal is not None and foreign.refusal.code is RefusalCode.RECEIPT_MISMATCH
    done = ok(decide(recorded, paid(), c()))
    assert done.state is OrderState.SHIPPED and done.receipts == (sale(),)


def test_refusal_after_the_receipt_needs_the_return_receipt_then_cancels_and_releases() -> None:
    order = ok(decide(verified(), act.RecordReceipt(receipt=sale()), c()))
    cancel = act.Cancel(reason=CancelReason.ORDER_NOT_PAID, description="Передумал")
    refused = decide(order, cancel, c())
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.RECEIPT_NOT_RETURNED
    partial = sale((MARK_A,), kind=ReceiptKind.SELL_RETURN, number=12)
    wrong = decide(order, act.RecordReceipt(receipt=partial), c())
    assert wrong.refusal is not None and wrong.refusal.code is RefusalCode.RECEIPT_MISMATCH
    back = ok(decide(order, act.RecordReceipt(receipt=sale(kind=ReceiptKind.SELL_RETURN, number=12)), c()))
    assert open_sale(back.receipts) is None
    hand_over = decide(back, paid(), c())
    assert hand_over.refusal is not None and hand_over.refusal.code is RefusalCode.RECEIPT_MISSING
    outcome = decide(back, cancel, c())
    assert outcome.refusal is None and outcome.order.state is OrderState.CANCELED
    assert [e.kind for e in outcome.effects] == [StockEffectKind.RELEASE]
    assert [r.kind for r in outcome.order.receipts] == [ReceiptKind.SELL, ReceiptKind.SELL_RETURN]


def test_kuper_prepaid_and_stores_that_fiscalize_elsewhere_need_no_receipt() -> None:
    order = verified()
    prepaid = ok(apply(order, "order.paid", 5))
    assert decide(prepaid, act.HandOver(), c()).refusal is None
    off = ctx(PC2, rules=StoreRules(receipt_required=False))
    assert decide(order, paid(), off).refusal is None


def test_courier_orders_get_a_receipt_only_where_the_pharmacy_fiscalizes_them() -> None:
    order = waiting("by_courier")
    kuper = decide(order, act.RecordReceipt(receipt=sale()), c())
    assert kuper.refusal is not None and kuper.refusal.code is RefusalCode.RECEIPT_UNEXPECTED
    pharmacy = ctx(PC2, rules=RULES.model_copy(update={"courier_fiscal": "pharmacy"}))
    outcome = decide(order, act.RecordReceipt(receipt=sale()), pharmacy)
    assert outcome.refusal is None and outcome.order.receipts == (sale(),)
