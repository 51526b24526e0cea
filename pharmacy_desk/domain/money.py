"""Money: ``Decimal`` rubles with kopecks, never ``float``.

Kuper sends and expects money as decimal strings with two places (``"189.99"``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Annotated

from pydantic import BeforeValidator, PlainSerializer

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("1000000000")  # a billion roubles: beyond any order, and well inside the decimal context


class MoneyError(ValueError):
    """A value that is not an amount of money."""


def to_money(value: object) -> Decimal:
    """Parse a money value (decimal string, int or Decimal) into kopeck-exact ``Decimal``.

    Floats are refused: they cannot represent kopecks exactly; so are negative amounts and amounts
    above :data:`MAX_AMOUNT` (a ``ValueError``, so pydantic reports it against the field).
    """
    if isinstance(value, (bool, float)):
        raise MoneyError(f"money must be a decimal string, not {type(value).__name__}: {value!r}")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise MoneyError(f"not an amount of money: {value!r}") from None
    else:
        raise MoneyError(f"not an amount of money: {value!r}")
    if not amount.is_finite():
        raise MoneyError(f"not an amount of money: {value!r}")
    if amount < 0:
        raise MoneyError(f"money cannot be negative: {value!r}")
    if amount > MAX_AMOUNT:
        raise MoneyError(f"money above {MAX_AMOUNT}: {str(value)[:40]!r}")
    try:
        return amount.quantize(CENT, rounding=ROUND_HALF_UP)
    except InvalidOperation:  # pragma: no cover - bounded above; kept so no ArithmeticError escapes validation
        raise MoneyError(f"not an amount of money: {str(value)[:40]!r}") from None


def money_str(amount: Decimal) -> str:
    """Format as Kuper does: ``Decimal("189.9") -> "189.90"``."""
    return str(amount.quantize(CENT, rounding=ROUND_HALF_UP))


def rubles(amount: Decimal) -> str:
    """Human format for the counter: ``1 234,50 ₽``."""
    whole, _, kop = money_str(amount).partition(".")
    groups = f"{int(whole):,}".replace(",", "\u00a0")
    return f"{groups},{kop}\u00a0₽"


Money = Annotated[Decimal, BeforeValidator(to_money), PlainSerializer(money_str, return_type=str)]
"""A pydantic field type: parsed with :func:`to_money`, serialized as ``"189.99"``."""
