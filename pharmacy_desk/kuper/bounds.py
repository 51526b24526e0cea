"""Bounds on what Kuper sends, checked on the decoded JSON before the wire models see it.

Whatever shape the (tolerant) webhook models take, a value outside these bounds is refused with a
:class:`~pharmacy_desk.kuper.errors.WebhookFormatError` naming the field by its JSON path
(``payload.positions[0].price: -5 is negative``); the relay stores such a webhook as ``invalid`` and
answers 400. The bounds are checked by wire name, everywhere in the body:

- **money** (``price``, ``discountPrice``, ``totalPrice``, ``totalDiscountPrice``,
  ``discountTotalPrice``): a decimal (string or number), finite, not negative, at most
  :data:`MAX_MONEY` roubles and :data:`MONEY_PLACES` decimal places;
- **quantities** (``quantity``, ``originalQuantity``): a number (string or JSON number), finite,
  not negative, at most :data:`MAX_QUANTITY`, at most :data:`QUANTITY_PLACES` decimal places
  (weighed goods);
- **identifiers** fit the columns that hold them (:data:`ID_LENGTHS`: ``orderUUID`` 200, ...);
- **every string**: at most :data:`MAX_TEXT` characters, **no NUL and no lone surrogate** (refused,
  not replaced: such a value is a broken or hostile sender, and a replaced id would name another
  order); every list at most :data:`MAX_ITEMS` items; every JSON number finite (``1e309`` is
  refused); nesting at most :data:`MAX_DEPTH` levels (checked before parsing too, see
  :mod:`~pharmacy_desk.kuper.json_depth`).

``null`` is always allowed here (the models decide what may be missing).
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.errors import WebhookFormatError

MAX_MONEY: Final = Decimal("1000000000")  # a billion roubles (as domain.money.MAX_AMOUNT): no order comes near
MONEY_PLACES: Final = 4
MAX_QUANTITY: Final = Decimal("100000")
QUANTITY_PLACES: Final = 3
MAX_TEXT: Final = 1_048_576  # free text is stored as Text: the body limit (max_webhook_bytes) bounds it
MAX_ITEMS: Final = 1_000
MAX_DEPTH: Final = 32

MONEY_FIELDS: Final = frozenset(
    {
        names.POSITION_PRICE,
        names.POSITION_DISCOUNT_PRICE,
        names.POSITION_TOTAL_PRICE,
        names.POSITION_TOTAL_DISCOUNT_PRICE,
        names.TOTAL_PRICE,
        names.TOTAL_DISCOUNT_PRICE,
    }
)
QUANTITY_FIELDS: Final = frozenset({names.POSITION_QUANTITY, names.POSITION_ORIGINAL_QUANTITY})
ID_LENGTHS: Final = {
    names.EVENT_TYPE: 64,
    names.ORDER_UUID: 200,
    names.ORIGINAL_ORDER_ID: 200,
    names.STORE_ID: 64,
    names.STORE_IMPORT_KEY: 64,
    names.POSITION_ID: 200,
    names.REPLACED_BY_ID: 200,
    names.MARKING_CODE_VALUE: 255,
}


def text_problem(value: str, limit: int = MAX_TEXT) -> str | None:
    """Why a string cannot be taken (NUL, a lone surrogate, too long), or ``None``."""
    if "\x00" in value:
        return "contains a NUL character"
    if any("\ud800" <= ch <= "\udfff" for ch in value):
        return "contains a lone surrogate (not Unicode text)"
    if len(value) > limit:
        return f"is longer than {limit} characters"
    return None


def _decimal(value: Any) -> Decimal | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float | Decimal):
        return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    if isinstance(value, str) and len(value) <= 64:
        try:
            return Decimal(value.strip())
        except InvalidOperation:
            return None
    return None


def _number_problem(value: Any, *, maximum: Decimal, places: int, what: str) -> str | None:
    amount = _decimal(value)
    if amount is None or not amount.is_finite():
        return f"{_shown(value)} is not a {what}"
    if amount < 0:
        return f"{_shown(value)} is negative"
    if amount > maximum:
        return f"{_shown(value)} is more than {maximum}"
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return f"{_shown(value)} has more than {places} decimal places"
    return None


def _shown(value: Any) -> str:
    """A value for a message: short, and ASCII-safe (no NUL or surrogate reaches a log or a column)."""
    text = ascii(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _where(path: list[str]) -> str:
    out = ""
    for part in path:
        out += part if part.startswith("[") else (f".{part}" if out else part)
    return out or "body"


def _check(value: Any, path: list[str], key: str | None) -> str | None:
    if len(path) > MAX_DEPTH:
        return f"{_where(path)}: nested deeper than {MAX_DEPTH} levels"
    if value is None:
        return None
    if key in MONEY_FIELDS and not isinstance(value, dict | list):
        problem = _number_problem(value, maximum=MAX_MONEY, places=MONEY_PLACES, what="decimal amount")
        return f"{_where(path)}: {problem}" if problem else None
    if key in QUANTITY_FIELDS and not isinstance(value, dict | list):
        problem = _number_problem(value, maximum=MAX_QUANTITY, places=QUANTITY_PLACES, what="quantity")
        return f"{_where(path)}: {problem}" if problem else None
    if isinstance(value, str):
        problem = text_problem(value, ID_LENGTHS.get(key or "", MAX_TEXT))
        return f"{_where(path)}: {problem}" if problem else None
    if isinstance(value, float) and not math.isfinite(value):
        return f"{_where(path)}: {_shown(value)} is not a finite number"
    if isinstance(value, dict):
        for name, item in value.items():
            if isinstance(name, str) and (problem := text_problem(name, 200)):
                return f"{_where(path)}: a key {problem}"
            found = _check(item, [*path, str(name)], str(name))
            if found:
                return found
    elif isinstance(value, list):
        if len(value) > MAX_ITEMS:
            return f"{_where(path)}: more than {MAX_ITEMS} items"
        for index, item in enumerate(value):
            found = _check(item, [*path, f"[{index}]"], None)
            if found:
                return found
    return None


def check_webhook_bounds(data: Any) -> None:
    """Raise :class:`WebhookFormatError` naming the first value outside the bounds."""
    problem = _check(data, [], None)
    if problem is None:
        return
    event_type = data.get(names.EVENT_TYPE) if isinstance(data, dict) else None
    shown = event_type if isinstance(event_type, str) and text_problem(event_type, 64) is None else None
    raise WebhookFormatError(f"{shown}: {problem}" if shown else problem, event_type=shown)
