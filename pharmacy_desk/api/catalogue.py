"""The store's stock as a counter PC sees it: catalogue per SKU, batches to pick for an order.

The stock shapes themselves (reservations, batch suggestions, a pack's series) are the stock sources'
models (:mod:`pharmacy_desk.inventory.models`), carried as they are.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.domain.product import NO_ATTRIBUTES, ProductAttributes
from pharmacy_desk.inventory.models import LineSuggestion, ReservationResult, SkuStock


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class CatalogueItem(_Model):
    sku: str
    known: bool  # the stock source has this SKU
    name: str
    gtins: tuple[str, ...]
    marked: bool  # packs carry a marking code (DataMatrix): scan each one; else the EAN/GTIN is the pack scan
    quantity: int  # packs on hand, reserved ones included
    available: int  # packs free to reserve
    marked_given: bool = True  # the source said so (False: guessed from the GTINs, the old rule)
    attributes: ProductAttributes = NO_ATTRIBUTES  # what the source says of the product


class Catalogue(_Model):
    """``GET /stores/{store}/catalogue?sku=…``."""

    items: tuple[CatalogueItem, ...]

    def gtin_map(self) -> dict[str, str]:
        """GTIN → SKU of every known item."""
        return {gtin: item.sku for item in self.items for gtin in item.gtins}

    def marked_skus(self) -> frozenset[str]:
        return frozenset(item.sku for item in self.items if item.marked)

    def known_skus(self) -> frozenset[str]:
        """SKUs the stock source has: for these its ``marked`` is the answer."""
        return frozenset(item.sku for item in self.items if item.known)

    def attributes(self) -> dict[str, ProductAttributes]:
        return {item.sku: item.attributes for item in self.items if item.known}


class OrderBatches(_Model):
    """``GET /stores/{store}/orders/{number}/batches``."""

    number: str
    min_shelf_life_days: int
    earliest_expiry: date  # the earliest expiry a pack given out today may have
    reservation: ReservationResult | None  # None: the stock source never saw the order
    lines: tuple[LineSuggestion, ...]
    stock_problem: str | None = None  # the stock source failed for this order; retried automatically


class Equivalents(_Model):
    """``GET /stores/{store}/equivalents?inn=…&form=…&dose=…``: the products a line may be substituted by.

    Every product of the store with the same МНН, form and dose that the stock has batches of, each
    with its batches (free packs = quantity - reserved) and attributes. Which of them the counter
    offers is :func:`pharmacy_desk.domain.substitutes.choose_substitutes`.
    """

    inn: str
    form: str
    dose: str
    min_shelf_life_days: int
    items: tuple[SkuStock, ...]
