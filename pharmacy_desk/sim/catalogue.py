"""A pharmacy's assortment as the simulator's customers see it on Kuper: SKU, name, price, discount.

The products are the sample stock file's (``resources/stock/sample_stock.csv``: SKU, name, GTIN,
marking, shelf price), so a relay loaded with that file serves the simulator's orders. The SKU is the
pharmacy's own (``positions[].id``); prices are roubles with kopecks. Drugs with a ``gtin`` are marked
(MDLP): a pharmacist scans one DataMatrix code per pack, made here by :func:`marking_code` in the
layout of docs/kuper-protocol.md §4; an unmarked product (``gtin`` None here) is scanned by its EAN.
"""

from __future__ import annotations

import random
import string
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desk.domain.product import Dispensing, is_marked
from pharmacy_desk.inventory.embedded.csv_format import StockRow, read_stock_csv
from pharmacy_desk.kuper import GS
from pharmacy_desk.resources import sample_stock


@dataclass(frozen=True, slots=True)
class Drug:
    """One catalogue item."""

    sku: str
    name: str
    price: Decimal
    discount_price: Decimal | None = None
    gtin: str | None = None  # set for drugs that carry a marking code on every pack
    max_per_order: int = 3

    @property
    def unit_price(self) -> Decimal:
        """What the customer pays per pack."""
        return self.discount_price if self.discount_price is not None else self.price

    @property
    def is_marked(self) -> bool:
        return self.gtin is not None


def gs1_check_digit(digits: str) -> int:
    """The GS1 mod-10 check digit of ``digits`` (weights 3, 1, 3, ... from the right)."""
    total = sum(int(d) * (3 if i % 2 == 0 else 1) for i, d in enumerate(reversed(digits)))
    return (10 - total % 10) % 10


def _drug(sku: str, name: str, price: str, discount: str | None = None, gtin: str | None = None, most: int = 3) -> Drug:
    # The catalogue lists GTINs by their first 13 digits' look; the check digit is always recomputed.
    valid_gtin = f"{gtin[:13]}{gs1_check_digit(gtin[:13])}" if gtin else None
    return Drug(sku, name, Decimal(price), Decimal(discount) if discount else None, valid_gtin, most)


DISCOUNTS: dict[str, str] = {
    "100234": "189.99",
    "100415": "79.50",
    "100520": "199.00",
    "100615": "209.00",
    "100702": "99.00",
    "100780": "279.00",
    "100801": "499.00",
    "100905": "169.00",
    "101010": "359.00",
    "101100": "389.00",
    "101610": "369.00",
    "101905": "319.00",
    "102110": "399.00",
}
"""Kuper's discounted price of some products (roubles); the others sell at their shelf price."""

_DEFAULT_PRICE = Decimal("99.00")  # a product of the stock file without a shelf price


def _from_stock(rows: Sequence[StockRow]) -> tuple[tuple[Drug, ...], tuple[Drug, ...]]:
    """The stock file's products as Kuper's customers see them: (sold remotely, not sold remotely)."""
    by_sku: dict[str, list[StockRow]] = {}
    for row in rows:
        by_sku.setdefault(row.sku, []).append(row)
    remote: list[Drug] = []
    other: list[Drug] = []
    for sku, lines in by_sku.items():
        first = lines[0]
        attributes = first.attributes
        price = attributes.shelf_price if attributes.shelf_price is not None else _DEFAULT_PRICE
        discount = Decimal(DISCOUNTS[sku]) if sku in DISCOUNTS else None
        marked = is_marked(attributes, (line.gtin for line in lines))
        drug = Drug(sku, first.name, price, discount, first.gtin if marked else None, 3 if price < 100 else 2)
        forbidden = attributes.dispensing is not None and attributes.dispensing is not Dispensing.OTC
        if forbidden:
            other.append(drug)
        elif sum(line.quantity for line in lines) >= 3:  # a product the shelf hardly has is not on Kuper
            remote.append(drug)
    return tuple(remote), tuple(other)


CATALOGUE, NOT_REMOTE = _from_stock(read_stock_csv(sample_stock()))
"""The simulated pharmacy's assortment on Kuper: the sample stock's OTC products
(``resources/stock/sample_stock.csv``), so a relay loaded with that file has what the orders ask for;
and its products that may not be sold remotely (Rx, alcohol…)."""

BY_SKU: dict[str, Drug] = {drug.sku: drug for drug in (*CATALOGUE, *NOT_REMOTE)}

UNSTOCKED = _drug("199999", "Ксефокам таб. п/о 8мг №10", "489.00", gtin="04607014580015", most=1)
"""An item on Kuper's shelf that the pharmacy does not have (the out-of-stock scenario)."""

_B64 = string.ascii_letters + string.digits + "+/"
_SERIAL = string.ascii_uppercase + string.digits


def marking_code(drug: Drug, rng: random.Random) -> str:
    """A fresh MDLP DataMatrix text for one pack of ``drug``: GTIN, serial, key, crypto code."""
    if drug.gtin is None:
        raise ValueError(f"{drug.name} carries no marking code")
    serial = "".join(rng.choices(_SERIAL, k=13))
    key = "".join(rng.choices(_SERIAL, k=4))
    crypto = "".join(rng.choices(_B64, k=44))
    return f"01{drug.gtin}21{serial}{GS}91{key}{GS}92{crypto}"
