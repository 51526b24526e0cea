"""THE rule for amounts in a composition we send (``order.ready_for_delivery``, ``order.delivered``).

Derived from the seeds' ``order.delivered`` example (one position: ``price`` 199.99,
``discountPrice`` 189.99, ``quantity`` 1, ``totalPrice`` 189.99; ``total`` 189.99 / 189.99) and the
protocol's ``order.created`` example, whose ``total`` is the discounted sum:

1. every amount is in roubles, non-negative, in whole kopecks;
2. ``discountPrice`` is the price actually charged per unit, ``discountPrice <= price``
   (no discount: ``discountPrice == price``);
3. position ``totalPrice == discountPrice × quantity``, exactly;
4. ``total.totalPrice == total.discountTotalPrice == Σ position.totalPrice``: both totals are what
   the customer pays for the composition.

Builders compute the totals with :func:`position_total` and :func:`composition_total`; validators
check given totals with :func:`position_problems` and :func:`total_problems`, so a wrong sum never
leaves the pharmacy.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal

from pharmacy_desk.kuper.money import CENT, format_money


def position_total(discount_price: Decimal, quantity: int) -> Decimal:
    """A position's ``totalPrice``: ``discountPrice × quantity``."""
    return (discount_price * quantity).quantize(CENT)


def composition_total(position_totals: Iterable[Decimal]) -> Decimal:
    """``total.totalPrice`` (= ``total.discountTotalPrice``): the sum of the positions' totals."""
    return sum(position_totals, Decimal("0")).quantize(CENT)


def position_problems(price: Decimal, discount_price: Decimal, quantity: int, total_price: Decimal) -> list[str]:
    """What breaks rules 2–3 in one position (empty when it is consistent)."""
    problems: list[str] = []
    if discount_price > price:
        problems.append(f"discountPrice {format_money(discount_price)} is greater than price {format_money(price)}")
    expected = position_total(discount_price, quantity)
    if total_price != expected:
        problems.append(
            f"totalPrice {format_money(total_price)} != discountPrice × quantity "
            f"({format_money(discount_price)} × {quantity} = {format_money(expected)})"
        )
    return problems


def total_problems(
    position_totals: Iterable[Decimal], total_price: Decimal, discount_total_price: Decimal
) -> list[str]:
    """What breaks rule 4 (empty when the total matches the positions)."""
    expected = composition_total(position_totals)
    problems: list[str] = []
    if total_price != expected:
        problems.append(
            f"total.totalPrice {format_money(total_price)} != sum of positions' totalPrice {format_money(expected)}"
        )
    if discount_total_price != expected:
        problems.append(
            f"total.discountTotalPrice {format_money(discount_total_price)} != sum of positions' "
            f"totalPrice {format_money(expected)}"
        )
    return problems
