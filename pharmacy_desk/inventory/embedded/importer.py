"""Loading a store's stock from a CSV file: all rows or none, reservations never lost.

``replace`` (the default): the file is the store's whole stock. Batches in the file get its figures,
new ones are added, batches missing from the file are removed, except those holding reservations:
they are kept with quantity 0 and reported. ``merge``: only the batches in the file change.

The file's ``quantity`` is what is on the shelf, reserved packs included (the file knows nothing of
reservations). When it is below what is reserved, the reservation is kept and reported: nothing is
taken from an open order behind the pharmacist's back.

Product attributes (the file's optional columns) are per SKU in ``inventory_products``. ``replace``:
the file's SKUs get exactly what the file says (a column it lacks: nothing said), a SKU left without
batches loses its row; a SKU kept only for its reservations keeps its attributes. ``merge``: a field
the file gives replaces the stored one, the others stay.

:func:`export_rows` reads a store's stock back as rows of the stock file (``stock export``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Row, bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pharmacy_desk.domain.product import ATTRIBUTE_FIELDS, NO_ATTRIBUTES, ProductAttributes
from pharmacy_desk.inventory.embedded.csv_format import StockRow, read_stock_csv
from pharmacy_desk.inventory.embedded.tables import batches, products
from pharmacy_desk.inventory.lines import check_key


class ImportMode(StrEnum):
    REPLACE = "replace"
    MERGE = "merge"


@dataclass
class ImportReport:
    store: str
    mode: ImportMode
    rows: int = 0
    added: int = 0
    updated: int = 0
    removed: int = 0
    warnings: list[str] = field(default_factory=list)  # Russian, one line each

    def summary_ru(self) -> str:
        text = (
            f"Склад {self.store}: строк {self.rows}, добавлено партий {self.added}, "
            f"обновлено {self.updated}, удалено {self.removed}"
        )
        return "\n".join([text, *(f"  внимание: {w}" for w in self.warnings)])


async def import_csv(
    engine: AsyncEngine, store: str, path: Path | str, *, mode: ImportMode = ImportMode.REPLACE
) -> ImportReport:
    """Import ``path`` into ``store``'s stock; raises StockCsvError (nothing imported) for a bad file."""
    check_key("store", store)
    rows = read_stock_csv(path)
    return await import_rows(engine, store, rows, mode=mode)


async def import_rows(
    engine: AsyncEngine, store: str, rows: list[StockRow], *, mode: ImportMode = ImportMode.REPLACE
) -> ImportReport:
    report = ImportReport(store=store, mode=mode, rows=len(rows))
    now = datetime.now(UTC)
    async with engine.begin() as conn:
        existing = {
            (r.sku, r.series, r.location): r
            for r in (await conn.execute(select(batches).where(batches.c.store == store).with_for_update())).all()
        }
        updates: list[dict[str, object]] = []
        inserts: list[dict[str, object]] = []
        for row in rows:
            values = {
                "name": row.name,
                "gtin": row.gtin,
                "expiry": row.expiry,
                "quantity": row.quantity,
                "updated_at": now,
            }
            old = existing.get(row.key)
            if old is None:
                inserts.append(
                    {
                        "store": store,
                        "sku": row.sku,
                        "series": row.series,
                        "location": row.location,
                        "reserved": 0,
                        **values,
                    }
                )
                continue
            updates.append({"b_id": old.id, **values})
            if row.quantity < old.reserved:
                report.warnings.append(
                    f"строка {row.line}: {row.sku} серия {row.series}: в файле {row.quantity} уп., "
                    f"а в резерве заказов {old.reserved} — резерв сохранён, проверьте полку"
                )
        removed: list[int] = []
        if mode is ImportMode.REPLACE:
            in_file = {row.key for row in rows}
            for key, old in existing.items():
                if key in in_file:
                    continue
                if old.reserved > 0:
                    updates.append(
                        {
                            "b_id": old.id,
                            "name": old.name,
                            "gtin": old.gtin,
                            "expiry": old.expiry,
                            "quantity": 0,
                            "updated_at": now,
                        }
                    )
                    report.warnings.append(
                        f"{old.sku} серия {old.series}: нет в файле, но {old.reserved} уп. в резерве заказов — "
                        "партия оставлена с остатком 0"
                    )
                else:
                    removed.append(old.id)
        if inserts:
            await conn.execute(insert(batches), inserts)
        if updates:
            await conn.execute(
                update(batches)
                .where(batches.c.id == bindparam("b_id"))
                .values(
                    name=bindparam("name"),
                    gtin=bindparam("gtin"),
                    expiry=bindparam("expiry"),
                    quantity=bindparam("quantity"),
                    updated_at=bindparam("updated_at"),
                ),
                updates,
            )
        if removed:
            await conn.execute(delete(batches).where(batches.c.id.in_(removed)))
        await _import_products(conn, store, rows, mode, now)
        report.added = len(inserts)
        report.updated = len(rows) - len(inserts)
        report.removed = len(removed)
    return report


async def _import_products(
    conn: AsyncConnection, store: str, rows: list[StockRow], mode: ImportMode, now: datetime
) -> None:
    stored = await read_attributes(conn, store)
    in_file = {row.sku: row.attributes for row in rows}
    if mode is ImportMode.MERGE:
        final = {**stored, **{sku: stored.get(sku, NO_ATTRIBUTES).overlaid(new) for sku, new in in_file.items()}}
    else:
        left = set((await conn.execute(select(batches.c.sku).where(batches.c.store == store).distinct())).scalars())
        final = {sku: attrs for sku, attrs in stored.items() if sku in left and sku not in in_file}
        final.update(in_file)
    final = {sku: attrs for sku, attrs in final.items() if not attrs.empty}
    if final == stored:
        return
    await conn.execute(delete(products).where(products.c.store == store))
    if final:
        await conn.execute(
            insert(products),
            [
                {"store": store, "sku": sku, "updated_at": now, **_columns(attrs)}
                for sku, attrs in sorted(final.items())
            ],
        )


def _columns(attrs: ProductAttributes) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(attrs, name) for name in ATTRIBUTE_FIELDS if name != "shelf_price"}
    price = attrs.shelf_price
    values["shelf_price_kopecks"] = None if price is None else int(price * 100)
    return values


def attributes_of(row: Row[Any]) -> ProductAttributes:
    """An ``inventory_products`` row as attributes."""
    values = {name: getattr(row, name) for name in ATTRIBUTE_FIELDS if name != "shelf_price"}
    kopecks = row.shelf_price_kopecks
    values["shelf_price"] = None if kopecks is None else Decimal(kopecks) / 100
    return ProductAttributes.model_validate(values)


async def read_attributes(
    conn: AsyncConnection, store: str, skus: list[str] | None = None
) -> dict[str, ProductAttributes]:
    """The stored attributes of ``store``'s SKUs (all, or those in ``skus``)."""
    query = select(products).where(products.c.store == store)
    if skus is not None:
        query = query.where(products.c.sku.in_(skus))
    return {row.sku: attributes_of(row) for row in (await conn.execute(query)).all()}


async def export_rows(engine: AsyncEngine, store: str) -> list[StockRow]:
    """The store's stock as stock-file rows (batch order: SKU, expiry, series, location)."""
    check_key("store", store)
    async with engine.connect() as conn:
        found = (
            await conn.execute(
                select(batches)
                .where(batches.c.store == store)
                .order_by(batches.c.sku, batches.c.expiry, batches.c.series, batches.c.location)
            )
        ).all()
        attributes = await read_attributes(conn, store)
    return [
        StockRow(
            line=number,
            sku=r.sku,
            name=r.name,
            gtin=r.gtin,
            series=r.series,
            expiry=r.expiry,
            quantity=r.quantity,
            location=r.location,
            attributes=attributes.get(r.sku, NO_ATTRIBUTES),
        )
        for number, r in enumerate(found, start=2)
    ]
