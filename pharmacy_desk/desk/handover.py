"""Handing a pickup order over at the counter: the customer's code, the payment, the packs they decline.

Pure logic over an :class:`~pharmacy_desk.domain.Order` snapshot, no I/O (like :mod:`.assembly`). The
relay decides; this session only prepares what the cashier sends and says why the "hand over" key is
not available yet:

- the code is checked by the relay (:class:`~pharmacy_desk.domain.VerifyPickupCode`), which counts the
  failures and locks the order out; the session never compares codes itself and never looks an order
  up by its code (that would let anyone probe codes past the relay's lock-out);
- the payment (cash or card) is recorded here for the amount due **now**; declining a pack changes the
  amount, so it drops a recorded payment: the cashier takes the new amount;
- the amount is the domain's: :func:`~pharmacy_desk.domain.composition.handed_over_composition` and
  :func:`~pharmacy_desk.domain.totals` of what is left, exactly what the relay will check;
- a customer who refuses to pay ends in a cancellation with reason ``order_not_paid``.

Declined packs of a marked line give back the codes of the last packs of the line (the bag holds the
others).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pharmacy_desk.domain import (
    Cancel,
    CancelReason,
    FinalLine,
    Flow,
    HandOver,
    Line,
    Order,
    OrderState,
    PaymentMethod,
    PaymentTaken,
    Refusal,
    VerifyPickupCode,
    totals,
)
from pharmacy_desk.domain.composition import handed_over_composition
from pharmacy_desk.domain.money import ZERO

PaymentMethodName = Literal["cash", "card"]

REFUSED_TO_PAY = "Покупатель отказался от оплаты при получении"


class Blocker(StrEnum):
    """Why the order cannot be handed over yet (the screen says it in the cashier's language)."""

    NOT_PICKUP = "not_pickup"  # a delivery order: Kuper's courier takes the bag
    NOT_WAITING = "not_waiting"  # not waiting for the customer (not ready yet, handed over, canceled)
    LOCKED = "locked"  # too many wrong codes: checking is locked for a while
    CODE_NOT_VERIFIED = "code_not_verified"
    NOTHING_LEFT = "nothing_left"  # every pack declined: cancel the order instead
    PAYMENT_MISSING = "payment_missing"


class HandoverBlocked(Exception):
    def __init__(self, blockers: list[Blocker]) -> None:
        super().__init__(", ".join(blockers))
        self.blockers = tuple(blockers)


@dataclass(frozen=True, slots=True)
class HandoverLine:
    """One line as the hand-over screen shows it."""

    sku: str
    name: str
    ready: int  # packs in the bag
    given: int  # packs the customer takes
    unit_price: Decimal
    marked: bool

    @property
    def declined(self) -> int:
        return self.ready - self.given

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.given


def _utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class HandoverSession:
    def __init__(self, order: Order) -> None:
        self._order = order
        self._declined: dict[str, int] = {}
        self._taken_out: dict[str, set[str]] = {}  # sku → codes of packs the permit mode refused
        self.payment: PaymentTaken | None = None

    # --- the order --------------------------------------------------------------------------------

    @property
    def order(self) -> Order:
        return self._order

    @property
    def number(self) -> str:
        return self._order.number

    @property
    def is_pickup(self) -> bool:
        return self._order.flow is Flow.PICKUP

    def update(self, order: Order) -> None:
        """A newer snapshot of the same order: declines are kept where they still fit, the payment only
        while the amount stays the same."""
        if order.number != self._order.number or order.version < self._order.version:
            return
        amount = self.amount
        self._order = order
        ready = {line.sku: line.quantity for line in order.composition}
        self._declined = {sku: min(n, ready.get(sku, 0)) for sku, n in self._declined.items() if ready.get(sku)}
        codes = {line.sku: set(line.marking_codes) for line in order.composition}
        self._taken_out = {sku: kept for sku, out in self._taken_out.items() if (kept := out & codes.get(sku, set()))}
        if self.amount != amount or self.paid_by_kuper:
            self.payment = None

    # --- the composition --------------------------------------------------------------------------

    def lines(self) -> list[HandoverLine]:
        return [
            HandoverLine(
                sku=line.sku,
                name=line.name or line.sku,
                ready=line.quantity,
                given=line.quantity - self._declined.get(line.sku, 0),
                unit_price=line.unit_price,
                marked=bool(line.marking_codes),
            )
            for line in self._order.composition
            if line.quantity > 0
        ]

    def line(self, sku: str) -> HandoverLine | None:
        return next((line for line in self.lines() if line.sku == sku), None)

    @property
    def declined_packs(self) -> int:
        return sum(self._declined.values())

    def decline(self, sku: str) -> bool:
        """The customer does not take one more pack of ``sku``; False when there is none left to decline."""
        line = self.line(sku)
        if line is None or line.given == 0:
            return False
        self._declined[sku] = line.declined + 1
        self.payment = None
        return True

    def take_out(self, code: str) -> bool:
        """The pack with marking code ``code`` leaves the bag (the permit mode refused it); False when no
        pack given has that code."""
        for line in self._order.composition:
            if code in line.marking_codes and code not in self._taken_out.get(line.sku, set()):
                if code not in self.given_codes(line.sku):
                    return False
                self._taken_out.setdefault(line.sku, set()).add(code)
                self._declined[line.sku] = self._declined.get(line.sku, 0) + 1
                self.payment = None
                return True
        return False

    @property
    def taken_out(self) -> frozenset[str]:
        return frozenset(code for codes in self._taken_out.values() for code in codes)

    def given_codes(self, sku: str) -> tuple[str, ...]:
        """The codes of the packs of ``sku`` the customer takes (refused ones out, declined ones from the end)."""
        line = next((line for line in self._order.composition if line.sku == sku), None)
        if line is None:
            return ()
        out = self._taken_out.get(sku, set())
        kept = [code for code in line.marking_codes if code not in out]
        return tuple(kept[: line.quantity - self._declined.get(sku, 0)])

    def restore(self, sku: str) -> bool:
        """The customer takes one declined pack of ``sku`` after all (never a pack the permit mode refused)."""
        if self._declined.get(sku, 0) <= len(self._taken_out.get(sku, ())):
            return False
        self._declined[sku] -= 1
        if not self._declined[sku]:
            del self._declined[sku]
        self.payment = None
        return True

    def final_lines(self) -> tuple[FinalLine, ...] | None:
        """The ``HandOver`` composition: None when the customer takes the whole bag."""
        if not self.declined_packs:
            return None
        result = []
        for line in self._order.composition:
            given = line.quantity - self._declined.get(line.sku, 0)
            codes = self.given_codes(line.sku) if line.marking_codes else ()
            result.append(FinalLine(sku=line.sku, quantity=given, marking_codes=codes))
        return tuple(result)

    def composition(self) -> tuple[Line, ...] | Refusal:
        """What leaves the counter, as the domain computes it (a refusal when nothing is left)."""
        return handed_over_composition(self._order.composition, self.final_lines())

    @property
    def amount(self) -> Decimal:
        """What the customer pays now (the domain's totals of what they take)."""
        composition = self.composition()
        return ZERO if isinstance(composition, Refusal) else totals(composition).total_price

    # --- code and payment -------------------------------------------------------------------------

    @property
    def verified(self) -> bool:
        pickup = self._order.pickup
        return pickup is not None and pickup.verified_at is not None

    def locked_until(self, now: dt.datetime | None = None) -> dt.datetime | None:
        pickup = self._order.pickup
        if pickup is None or not pickup.is_locked(now or _utc_now()):
            return None
        return pickup.locked_until

    @property
    def paid_by_kuper(self) -> bool:
        payment = self._order.payment
        return payment is not None and payment.method is PaymentMethod.KUPER

    @property
    def paid(self) -> bool:
        return self.paid_by_kuper or self.payment is not None

    def take_payment(self, method: PaymentMethodName) -> PaymentTaken:
        """The customer paid the amount due now, in cash or by card."""
        self.payment = PaymentTaken(method=method, amount=self.amount)
        return self.payment

    def clear_payment(self) -> None:
        self.payment = None

    def blockers(self, now: dt.datetime | None = None) -> list[Blocker]:
        if not self.is_pickup:
            return [Blocker.NOT_PICKUP]
        if self._order.state is not OrderState.AWAITING_PICKUP:
            return [Blocker.NOT_WAITING]
        found: list[Blocker] = []
        if not self.verified:
            found.append(Blocker.LOCKED if self.locked_until(now) is not None else Blocker.CODE_NOT_VERIFIED)
        if isinstance(self.composition(), Refusal):
            found.append(Blocker.NOTHING_LEFT)
        elif not self.paid:
            found.append(Blocker.PAYMENT_MISSING)
        return found

    # --- the actions ------------------------------------------------------------------------------

    def verify_action(self, code: str) -> VerifyPickupCode:
        return VerifyPickupCode(code="".join(code.split())[:32])

    def hand_over_action(self, now: dt.datetime | None = None) -> HandOver:
        """The hand-over to send (raises :class:`HandoverBlocked` while something is missing)."""
        blockers = self.blockers(now)
        if blockers:
            raise HandoverBlocked(blockers)
        payment = None if self.paid_by_kuper else self.payment
        return HandOver(payment=payment, composition=self.final_lines())

    def refuse_to_pay_action(self, description: str = REFUSED_TO_PAY) -> Cancel:
        return Cancel(reason=CancelReason.ORDER_NOT_PAID, description=description)
