"""What Kuper may sell of one SKU in one store: the stock figure the feed sends.

``offer_stock`` = packs free to reserve (on hand minus reserved) in batches that may still be sold
today (expiry on or after the store's earliest sellable expiry: :mod:`.fefo`'s rule), minus the
store's safety stock, never negative; 0 when the product may not be sold remotely at all.

A product's ``dispensing`` (the pharmacy-rules attribute: ``otc``, ``rx``, ``narcotic``,
``psychotropic``, ``alcohol``, ``no_remote``) allows remote sale only for ``otc``; an unknown value
(``None``: the stock source has no attribute yet) is allowed, so a store without the attribute
keeps selling what it sold before.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

REMOTE_SALE_ALLOWED = frozenset({"otc"})
"""``dispensing`` values that may be sold through a marketplace (ПП РФ № 697)."""


@dataclass(frozen=True, slots=True)
class BatchFigures:
    """One batch: packs on hand (reserved ones included), packs reserved, expiry date."""

    quantity: int
    reserved: int
    expiry: date


def remote_sale_allowed(dispensing: str | None) -> bool:
    """True for OTC products and for products whose dispensing the source does not say."""
    return dispensing is None or dispensing in REMOTE_SALE_ALLOWED


def offer_stock(
    batches: Iterable[BatchFigures],
    *,
    earliest_expiry: date,
    safety_stock: int = 0,
    dispensing: str | None = None,
) -> int:
    """Packs Kuper may sell: sellable free packs minus ``safety_stock``, at least 0."""
    if safety_stock < 0:
        raise ValueError("safety stock must not be negative")
    if not remote_sale_allowed(dispensing):
        return 0
    free = sum(max(0, b.quantity - b.reserved) for b in batches if b.expiry >= earliest_expiry)
    return max(0, free - safety_stock)
