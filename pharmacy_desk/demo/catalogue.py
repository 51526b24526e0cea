"""The demo pharmacy's assortment: the sample stock file's products, with prices, on Kuper's shelf.

``resources/stock/sample_stock.csv`` (docs/stock-csv.md) gives each product's SKU, name, GTIN and
attributes (marking, dispensing rule, storage, shelf price…); Kuper's discounts are the simulator's
(:data:`pharmacy_desk.sim.catalogue.DISCOUNTS`). The simulator's orders are made of these products,
so what the generator orders is what the embedded stock holds and what the virtual scanner scans.

A few products are not marked (the file's ``marked`` column says 0; :data:`UNMARKED`): the
pharmacist scans the shop barcode (EAN-13), not a DataMatrix per pack. Every other product is marked.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from pharmacy_desk.domain.product import NO_ATTRIBUTES, Dispensing, ProductAttributes, is_marked
from pharmacy_desk.inventory.embedded.csv_format import StockRow, read_stock_csv
from pharmacy_desk.resources import sample_stock
from pharmacy_desk.sim.catalogue import DISCOUNTS, Drug
from pharmacy_desk.sim.orders import Item

_DEFAULT_PRICE = Decimal("99.00")  # a product of the stock file without a shelf price

STALE_KUPER_PRICES: dict[str, str] = {"101500": "259.00"}
"""Kuper still shows the old price of Аквадетрим (the shelf says 249.00): flagged ``price_above_shelf``."""

SHOWCASE: tuple[tuple[str, ...], ...] = (
    ("102110",),  # Пантенол спрей: unmarked, scanned by its EAN-13
    # Виферон: cold chain +2…+8 °C (a courier order: ❄ in the queue, last to assemble and on the pick list,
    # cold bag); Нурофен №10: 2 ordered, 1 on the shelf: F4 offers Ибупрофен 200мг №50 by МНН (Нурофен №20
    # costs more)
    ("102200", "100236"),
    ("100301",),  # Амоксиклав: Rx, may not be sold remotely (flagged, blocked at assembly)
    (),
    ("101500",),  # Аквадетрим: Kuper's price above the shelf (flagged, capped at ready)
)
"""Products the demo's first orders include, so each product rule shows within the first minutes."""

SHOWCASE_QUANTITY: dict[str, int] = {"100236": 2}
"""Packs of a showcase product ordered (default 1): more than the shelf has, so the line is short."""

UNMARKED = frozenset({"101300", "101800", "102110"})
"""Activated charcoal, furacilin, panthenol spray: ``marked`` 0 in the sample stock, scanned by EAN-13."""


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
    attributes: ProductAttributes = NO_ATTRIBUTES

    @property
    def remote_sale(self) -> bool:
        """May be sold through Kuper (OTC, or the file does not say)."""
        dispensing = self.attributes.dispensing
        return dispensing is None or dispensing is Dispensing.OTC

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
            attributes = row.attributes
            discount = DISCOUNTS.get(row.sku)
            shelf = attributes.shelf_price if attributes.shelf_price is not None else _DEFAULT_PRICE
            products[row.sku] = Product(
                sku=row.sku,
                name=row.name,
                gtin=row.gtin,
                price=Decimal(STALE_KUPER_PRICES[row.sku]) if row.sku in STALE_KUPER_PRICES else shelf,
                discount_price=Decimal(discount) if discount else None,
                marked=is_marked(attributes, (r.gtin for r in rows if r.sku == row.sku)),
                attributes=attributes,
            )
        self.products: Mapping[str, Product] = products
        self._made = 0  # orders made so far (the first ones follow SHOWCASE)

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

    def same_inn(self, sku: str) -> list[Product]:
        """Other products with the same МНН, form and dose as ``sku`` (what may substitute it)."""
        wanted = self.products.get(sku)
        if wanted is None or wanted.attributes.inn is None:
            return []
        a = wanted.attributes
        return [
            p
            for other, p in sorted(self.products.items())
            if other != sku and (p.attributes.inn, p.attributes.form, p.attributes.dose) == (a.inn, a.form, a.dose)
        ]

    def sellable(self, sku: str, today: dt.date) -> int:
        """Packs on the shelf that may still be sold (the file's figures, before any reservation)."""
        return sum(r.quantity for r in self._rows.get(sku, ()) if (r.expiry - today).days >= 1)

    def random_items(self, rng: random.Random, today: dt.date | None = None) -> list[Item]:
        """1 to 3 different products the shelf has (most orders have one or two), 1 to 2 or 3 packs each.

        The first orders also show the product rules (:data:`SHOWCASE`): one product each that the
        pharmacy sells by its EAN, keeps cold (+2…+8 °C), may not sell remotely, or that Kuper prices above the shelf.
        """
        today = today or dt.date.today()
        shown = SHOWCASE[self._made] if self._made < len(SHOWCASE) else ()
        self._made += 1
        stocked = [
            p
            for sku, p in sorted(self.products.items())
            if p.remote_sale and self.sellable(sku, today) >= 3 and sku not in shown
        ]
        count = min(len(stocked), rng.choices((1, 2, 3), weights=(45, 35, 20))[0])
        drugs = [p.drug() for p in rng.sample(stocked, count)]
        items = [Item(drug, rng.randint(1, drug.max_per_order)) for drug in drugs]
        extra = [
            Item(p.drug(), SHOWCASE_QUANTITY.get(sku, 1))
            for sku in shown
            if (p := self.products.get(sku)) and self.sellable(sku, today)
        ]
        return [*extra, *items][:3]
