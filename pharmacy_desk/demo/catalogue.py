"""The demo pharmacy's assortment: the sample stock file's products, with prices, on Kuper's shelf.

``resources/stock/sample_stock.csv`` (docs/stock-csv.md) gives each product's SKU, name and GTIN; the
prices below are the demo's (the file has none). The simulator's orders are made of these products,
so what the generator orders is what the embedded stock holds and what the virtual scanner scans.

A few products are sold by their EAN-13 in the demo (:data:`UNMARKED`): the pharmacist scans the shop
barcode, not a DataMatrix per pack. Every other product is marked (MDLP).
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pharmacy_desk.inventory.embedded.csv_format import StockRow, read_stock_csv
from pharmacy_desk.resources import sample_stock
from pharmacy_desk.sim.catalogue import Drug
from pharmacy_desk.sim.orders import Item

UNMARKED = frozenset({"101300", "101800", "102110"})
"""Activated charcoal, furacilin, panthenol spray: scanned by EAN-13 in the demo."""

# SKU → (price, discounted price or None), roubles.
PRICES: dict[str, tuple[str, str | None]] = {
    "100234": ("199.99", "189.99"),
    "100301": ("449.00", None),
    "100412": ("39.90", None),
    "100415": ("89.50", "79.50"),
    "100520": ("219.00", "199.00"),
    "100533": ("289.00", None),
    "100610": ("64.70", None),
    "100615": ("229.00", "209.00"),
    "100702": ("119.00", "99.00"),
    "100705": ("96.40", None),
    "100777": ("145.50", None),
    "100780": ("299.00", "279.00"),
    "100801": ("549.00", "499.00"),
    "100815": ("229.00", None),
    "100820": ("59.00", None),
    "100901": ("34.30", None),
    "100905": ("189.00", "169.00"),
    "101010": ("389.00", "359.00"),
    "101015": ("599.00", None),
    "101100": ("419.00", "389.00"),
    "101205": ("59.80", None),
    "101300": ("18.50", None),
    "101410": ("49.00", None),
    "101420": ("42.00", None),
    "101500": ("249.00", None),
    "101610": ("399.00", "369.00"),
    "101620": ("389.00", None),
    "101700": ("69.00", None),
    "101800": ("79.00", None),
    "101905": ("349.00", "319.00"),
    "102000": ("469.00", None),
    "102110": ("449.00", "399.00"),
}
_DEFAULT_PRICE = ("99.00", None)


def sample_stock_path() -> Path:
    return sample_stock()


@dataclass(frozen=True, slots=True)
class Product:
    sku: str
    name: str
    gtin: str | None
    price: Decimal
    discount_price: Decimal | None = None
    marked: bool = True

    @property
    def ean13(self) -> str | None:
        """The shop barcode (GTIN-14 with its leading zero dropped), for products sold by EAN."""
        if self.gtin is None or len(self.gtin) != 14 or not self.gtin.startswith("0"):
            return None
        return self.gtin[1:]

    def drug(self) -> Drug:
        """The simulator's view of it (what Kuper's customers order)."""
        most = 3 if self.price < 100 else 2
        gtin = self.gtin if self.marked else None
        return Drug(self.sku, self.name, self.price, self.discount_price, gtin, most)


class DemoCatalogue:
    """The products of the sample stock file, by SKU."""

    def __init__(self, rows: list[StockRow]) -> None:
        products: dict[str, Product] = {}
        self._rows: dict[str, list[StockRow]] = {}
        for row in rows:
            self._rows.setdefault(row.sku, []).append(row)
            if row.sku in products:
                continue
            price, discount = PRICES.get(row.sku, _DEFAULT_PRICE)
            products[row.sku] = Product(
                sku=row.sku,
                name=row.name,
                gtin=row.gtin,
                price=Decimal(price),
                discount_price=Decimal(discount) if discount else None,
                marked=row.sku not in UNMARKED and row.gtin is not None,
            )
        self.products: Mapping[str, Product] = products

    @classmethod
    def load(cls, path: Path | None = None) -> DemoCatalogue:
        return cls(read_stock_csv(path or sample_stock_path()))

    def __len__(self) -> int:
        return len(self.products)

    def get(self, sku: str) -> Product | None:
        return self.products.get(sku)

    def gtins(self) -> dict[str, str]:
        """GTIN → SKU: what the counter app knows of the barcodes on the packs."""
        return {p.gtin: p.sku for p in self.products.values() if p.gtin}

    def marked_skus(self) -> frozenset[str]:
        return frozenset(p.sku for p in self.products.values() if p.marked)

    def series_for(self, sku: str, today: dt.date) -> str | None:
        """The series a pharmacist takes first (FEFO): the earliest-expiring batch on the shelf still sellable."""
        rows = sorted(
            (r for r in self._rows.get(sku, ()) if r.quantity > 0 and (r.expiry - today).days >= 1),
            key=lambda r: (r.expiry, r.series),
        )
        return rows[0].series if rows else None

    def sellable(self, sku: str, today: dt.date) -> int:
        """Packs on the shelf that may still be sold (the file's figures, before any reservation)."""
        return sum(r.quantity for r in self._rows.get(sku, ()) if (r.expiry - today).days >= 1)

    def random_items(self, rng: random.Random, today: dt.date | None = None) -> list[Item]:
        """1 to 3 different products the shelf has (most orders have one or two), 1 to 2 or 3 packs each."""
        today = today or dt.date.today()
        stocked = [p for sku, p in sorted(self.products.items()) if self.sellable(sku, today) >= 3]
        count = min(len(stocked), rng.choices((1, 2, 3), weights=(45, 35, 20))[0])
        drugs = [p.drug() for p in rng.sample(stocked, count)]
        return [Item(drug, rng.randint(1, drug.max_per_order)) for drug in drugs]
