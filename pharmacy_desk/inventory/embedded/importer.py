"""Loading a store's stock from a CSV file: all rows or none, reservations never lost.

``replace`` (the default): the file is the store's whole stock. Batches in the file get its figures,
new ones are added, batches missing from the file are removed, except those holding reservations:
they are kept with quantity 0 and reported. ``merge``: only the batches in the file change.

The file's ``quantity`` is what is on the shelf, reserved packs included (the file knows nothing of
reservations). When it is below what is reserved, the reservation is kept and reported: nothing is
taken from an open order behind the pharmacist's back.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.inventory.embedded.csv_format import StockRow, read_stock_csv
from pharmacy_desk.inventory.embedded.tables import batches
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
        report.added = len(inserts)
        report.updated = len(rows) - len(inserts)
        report.removed = len(removed)
    return report
