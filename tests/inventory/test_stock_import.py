"""Importing a store's stock: replace or merge, all or nothing, reservations never lost."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.inventory import ShelfLife, StockCsvError
from pharmacy_desk.inventory.embedded import EmbeddedStock, ImportMode, import_csv
from pharmacy_desk.inventory.embedded.tables import batches
from tests.inventory.inventory_support import SAMPLE_CSV, TODAY, line, new_store

HEADER = "sku;name;gtin;series;expiry;quantity;location\n"
NUROFEN = "100234;Нурофен таб. п/о 200мг №20;04600714356057"


def write(tmp_path: Path, body: str, name: str = "stock.csv") -> Path:
    path = tmp_path / name
    path.write_text(HEADER + body, encoding="utf-8")
    return path


async def quantities(engine: AsyncEngine, store: str) -> dict[tuple[str, str], tuple[int, int]]:
    async with engine.connect() as conn:
        rows = (await conn.execute(select(batches).where(batches.c.store == store))).all()
    return {(r.sku, r.series): (r.quantity, r.reserved) for r in rows}


def source(engine: AsyncEngine) -> EmbeddedStock:
    return EmbeddedStock(engine, ShelfLife(0, today=lambda: TODAY))


async def test_the_sample_file_loads(engine: AsyncEngine, store: str) -> None:
    report = await import_csv(engine, store, SAMPLE_CSV)

    assert (report.rows, report.added, report.updated, report.removed) == (72, 72, 0, 0)
    assert report.warnings == []
    assert f"Склад {store}: строк 72, добавлено партий 72" in report.summary_ru()
    stock = await source(engine).stock(store, ["100234"])
    assert stock["100234"].quantity == 20


async def test_replace_updates_adds_and_removes(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    await import_csv(engine, store, write(tmp_path, f"{NUROFEN};A;2027-06-30;5;\n{NUROFEN};B;2028-01-31;2;\n"))

    report = await import_csv(engine, store, write(tmp_path, f"{NUROFEN};A;2027-06-30;7;\n{NUROFEN};C;2029-01-31;1;\n"))

    assert (report.added, report.updated, report.removed) == (1, 1, 1)
    assert await quantities(engine, store) == {("100234", "A"): (7, 0), ("100234", "C"): (1, 0)}


async def test_merge_touches_only_the_batches_in_the_file(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    await import_csv(engine, store, write(tmp_path, f"{NUROFEN};A;2027-06-30;5;\n{NUROFEN};B;2028-01-31;2;\n"))

    report = await import_csv(engine, store, write(tmp_path, f"{NUROFEN};B;2028-01-31;9;\n"), mode=ImportMode.MERGE)

    assert (report.added, report.updated, report.removed) == (0, 1, 0)
    assert await quantities(engine, store) == {("100234", "A"): (5, 0), ("100234", "B"): (9, 0)}


async def test_stores_do_not_touch_each_other(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    other = new_store()
    await import_csv(engine, store, write(tmp_path, f"{NUROFEN};A;2027-06-30;5;\n"))
    await import_csv(engine, other, write(tmp_path, f"{NUROFEN};Z;2027-06-30;1;\n"))

    assert await quantities(engine, store) == {("100234", "A"): (5, 0)}


async def test_a_bad_file_imports_nothing(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    await import_csv(engine, store, write(tmp_path, f"{NUROFEN};A;2027-06-30;5;\n"))

    with pytest.raises(StockCsvError) as caught:
        await import_csv(engine, store, write(tmp_path, f"{NUROFEN};A;2027-06-30;1;\n{NUROFEN};B;завтра;1;\n"))

    assert caught.value.problems == ("строка 3: срок годности «завтра» — не дата (нужно ГГГГ-ММ-ДД)",)
    assert await quantities(engine, store) == {("100234", "A"): (5, 0)}


async def test_reservations_survive_a_replace(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    await import_csv(engine, store, write(tmp_path, f"{NUROFEN};A;2027-06-30;5;\n{NUROFEN};B;2028-01-31;5;\n"))
    stock = source(engine)
    await stock.reserve(store, "o-1", [line("100234", 8)])  # A ×5, B ×3

    report = await import_csv(engine, store, write(tmp_path, f"{NUROFEN};B;2028-01-31;2;\n"))

    assert await quantities(engine, store) == {("100234", "A"): (0, 5), ("100234", "B"): (2, 3)}
    assert report.removed == 0
    assert len(report.warnings) == 2
    assert any("в резерве заказов 3 — резерв сохранён" in w for w in report.warnings)
    assert any("нет в файле, но 5 уп. в резерве" in w for w in report.warnings)
    # The reservation is still whole; nothing more can be reserved from the over-reserved batches.
    assert (await stock.reservation(store, "o-1")).reserved == 8  # type: ignore[union-attr]
    assert (await stock.reserve(store, "o-2", [line("100234", 1)])).reserved == 0
    # A sale takes what the shelf has; what it did not have is reported, not invented.
    sale = await stock.commit(store, "o-1", [line("100234", 8)])
    assert [(p.series, p.quantity) for p in sale.sold] == [("B", 2)]
    assert [(u.sku, u.quantity) for u in sale.unmatched] == [("100234", 6)]
    assert await quantities(engine, store) == {("100234", "A"): (0, 0), ("100234", "B"): (0, 0)}
    async with engine.connect() as conn:
        assert (
            await conn.execute(select(func.count()).select_from(batches).where(batches.c.store == store))
        ).scalar_one() == 2
