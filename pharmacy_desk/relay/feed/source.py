"""What a store may sell on Kuper, per SKU: the stock figure and the shelf price.

:class:`FeedReader` reads the store's whole stock from its source and applies
:func:`pharmacy_desk.domain.offer_stock.offer_stock` (reservations subtracted, expired and short-dated
batches left out, the store's safety stock kept back, 0 for products not allowed for remote sale).

The product attributes come through one seam, :class:`AttributeSource` (``dispensing``,
``shelf_price``, ``vat`` per SKU): by default :class:`EmbeddedAttributes`, the embedded stock's
``inventory_products`` (the stock file's optional columns). A SKU without attributes counts as
allowed for remote sale and gets no price record. Tests and other sources pass their own with
``FeedReader(..., attributes=...)``.

Stores whose stock is the embedded one are read from ``inventory_batches`` in one query; a 1C store
cannot be listed yet (the 1C contract has no "whole stock" call): its feed reports that.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.api.store import StockKind
from pharmacy_desk.domain.offer_stock import BatchFigures, offer_stock
from pharmacy_desk.inventory.embedded.importer import read_attributes
from pharmacy_desk.inventory.embedded.tables import batches, products
from pharmacy_desk.inventory.shelf_life import ShelfLife
from pharmacy_desk.kuper.content_wire import Amount, Vat
from pharmacy_desk.relay.config import RelayConfig


class FeedSourceError(Exception):
    """The store's stock cannot be read for the feed (the message is shown in the feed status)."""


@dataclass(frozen=True, slots=True)
class FeedAttributes:
    """A product's attributes the feed needs; ``None``: the source does not say."""

    dispensing: str | None = None
    shelf_price: Decimal | None = None
    vat: str | None = None


class AttributeSource(Protocol):
    """Per-SKU product attributes of a store (the stock source's, once it has them)."""

    async def attributes(self, store: str, skus: Sequence[str]) -> Mapping[str, FeedAttributes]: ...


class EmbeddedAttributes:
    """The embedded stock's product attributes (``inventory_products``, from the stock file's columns)."""

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine

    async def attributes(self, store: str, skus: Sequence[str]) -> Mapping[str, FeedAttributes]:
        async with self._engine.connect() as conn:
            found = await read_attributes(conn, store)
        return {
            sku: FeedAttributes(
                dispensing=attrs.dispensing.value if attrs.dispensing is not None else None,
                shelf_price=attrs.shelf_price,
            )
            for sku, attrs in found.items()
        }


class NoAttributes:
    """No attributes known: every product's dispensing and price are unknown."""

    async def attributes(self, store: str, skus: Sequence[str]) -> Mapping[str, FeedAttributes]:
        return {}


class StaticAttributes:
    """Attributes from a mapping ``{store: {sku: FeedAttributes}}`` (``"*"``: every store); mutable."""

    def __init__(self, by_store: Mapping[str, Mapping[str, FeedAttributes]] | None = None) -> None:
        self.by_store: dict[str, dict[str, FeedAttributes]] = {k: dict(v) for k, v in (by_store or {}).items()}

    def set(self, store: str, sku: str, attributes: FeedAttributes) -> None:
        self.by_store.setdefault(store, {})[sku] = attributes

    async def attributes(self, store: str, skus: Sequence[str]) -> Mapping[str, FeedAttributes]:
        mine = {**self.by_store.get("*", {}), **self.by_store.get(store, {})}
        return {sku: mine[sku] for sku in skus if sku in mine}


@dataclass(frozen=True, slots=True)
class FeedLine:
    """One SKU as Kuper should see it: the ``value`` JSON of each record kind (price may be absent)."""

    sku: str
    stock: int
    price: Decimal | None
    vat: str

    def values(self) -> dict[str, str]:
        """``{"stock": json, "price": json}`` without the ids (what ``feed_items.value`` holds)."""
        out = {"stock": stock_value(self.stock)}
        if self.price is not None and self.price > 0:
            out["price"] = price_value(self.price, self.vat)
        return out


def stock_value(stock: int) -> str:
    return json.dumps({"stock": str(stock)}, separators=(",", ":"))


def price_value(price: Decimal, vat: str) -> str:
    amount = Amount(amount=f"{price.quantize(Decimal('0.01')):f}")
    return json.dumps({"price": amount.model_dump(), "vat": Vat(vat).value}, separators=(",", ":"))


class FeedReader:
    """Reads each feed store's stock and turns it into :class:`FeedLine` s."""

    def __init__(
        self,
        config: RelayConfig,
        engine: AsyncEngine,
        shelf_life: ShelfLife,
        *,
        attributes: AttributeSource | None = None,
    ) -> None:
        self._config = config
        self._engine = engine
        self._shelf_life = shelf_life
        self.attributes: AttributeSource = attributes if attributes is not None else EmbeddedAttributes(engine)

    def _embedded(self, store: str) -> None:
        config = self._config.store(store)
        if config is None:
            raise FeedSourceError(f"unknown store {store!r}")
        if config.stock is not StockKind.EMBEDDED:
            raise FeedSourceError(
                f"the feed reads only the embedded stock; store {store!r} has stock = {config.stock.value!r}"
            )

    async def stock_mark(self, store: str) -> str:
        """Changes when a stock import changed the store's stock (rows, last update, packs on hand)."""
        self._embedded(store)
        stmt = select(func.count(), func.max(batches.c.updated_at), func.sum(batches.c.quantity)).where(
            batches.c.store == store
        )
        attrs = select(func.count(), func.max(products.c.updated_at)).where(products.c.store == store)
        async with self._engine.connect() as conn:
            count, latest, packs = (await conn.execute(stmt)).one()
            attr_count, attr_latest = (await conn.execute(attrs)).one()
        when = latest.isoformat() if latest is not None else "-"
        attrs_when = attr_latest.isoformat() if attr_latest is not None else "-"
        return f"{count}|{when}|{packs or 0}|{attr_count}|{attrs_when}"

    async def lines(self, store: str) -> list[FeedLine]:
        """Every SKU the store's stock knows, as Kuper may sell it now."""
        self._embedded(store)
        config = self._config.store(store)
        assert config is not None
        stmt = select(batches.c.sku, batches.c.expiry, batches.c.quantity, batches.c.reserved).where(
            batches.c.store == store
        )
        by_sku: dict[str, list[BatchFigures]] = defaultdict(list)
        async with self._engine.connect() as conn:
            for sku, expiry, quantity, reserved in (await conn.execute(stmt)).all():
                by_sku[sku].append(BatchFigures(quantity, reserved, expiry))
        skus = sorted(by_sku)
        attrs = await self.attributes.attributes(store, skus)
        earliest = self._shelf_life.earliest_expiry(store)
        lines: list[FeedLine] = []
        for sku in skus:
            found = attrs.get(sku, FeedAttributes())
            stock = offer_stock(
                by_sku[sku], earliest_expiry=earliest, safety_stock=config.safety_stock, dispensing=found.dispensing
            )
            lines.append(FeedLine(sku, stock, found.shelf_price, found.vat or self._config.feed.vat))
        return lines
