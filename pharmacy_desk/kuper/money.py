"""Money on the Kuper wire: decimal strings in roubles, parsed to :class:`~decimal.Decimal`, never float.

- :data:`Money` (incoming, tolerant): accepts ``"189.99"``, ``189.99``, ``189`` or a ``Decimal``.
  A JSON number arrives as a Python float from the JSON parser and is converted through its shortest
  ``repr`` (``189.99`` → ``Decimal("189.99")``), which is exact for every amount a shop can write.
- :data:`StrictMoney` (outgoing): additionally non-negative and at most two decimal places (kopecks).
- Both serialize (JSON mode) as strings with two decimals: ``Decimal("190")`` → ``"190.00"``. An
  incoming amount with more than two decimals is written back unchanged rather than rounded.

In Python mode (``model_dump()``) money stays a ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer

CENT = Decimal("0.01")


def parse_money(value: Any) -> Decimal:
    """Turn a wire amount (string, int, float or Decimal) into a finite ``Decimal``.

    Raises ``ValueError`` for anything else (booleans, empty strings, ``"NaN"``, ``"12,50"``...).
    """
    if isinstance(value, bool):
        raise ValueError(f"invalid money value {value!r}: a boolean is not an amount")
    if isinstance(value, Decimal):
        amount = value
    elif isinstance(value, int):
        amount = Decimal(value)
    elif isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            amount = Decimal(value.strip())
        except InvalidOperation:
            raise ValueError(f"invalid money value {value!r}: expected a decimal like '189.99'") from None
    else:
        raise ValueError(f"invalid money value {value!r}: expected a decimal string or a number")
    if not amount.is_finite():
        raise ValueError(f"invalid money value {value!r}: not a finite amount")
    return amount


def format_money(amount: Decimal) -> str:
    """``Decimal`` → wire string with two decimals (``"189.99"``); more precision is kept, not rounded."""
    if has_kopeck_precision(amount):
        return f"{amount.quantize(CENT):f}"
    return f"{amount:f}"


def has_kopeck_precision(amount: Decimal) -> bool:
    """True when ``amount`` needs no more than two decimal places (and fits the decimal context)."""
    try:
        return amount == amount.quantize(CENT)
    except InvalidOperation:
        return False


def _check_strict(amount: Decimal) -> Decimal:
    if amount < 0:
        raise ValueError(f"amount {format_money(amount)} is negative")
    if not has_kopeck_precision(amount):
        raise ValueError(f"amount {amount} is not a whole number of kopecks")
    return amount.quantize(CENT)


_serializer = PlainSerializer(format_money, return_type=str, when_used="json")

Money = Annotated[Decimal, BeforeValidator(parse_money), _serializer]
"""Incoming (tolerant) money."""

StrictMoney = Annotated[Decimal, BeforeValidator(parse_money), AfterValidator(_check_strict), _serializer]
"""Outgoing money: non-negative, whole kopecks."""
