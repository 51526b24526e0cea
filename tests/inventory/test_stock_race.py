"""Concurrent orders never reserve the same pack twice (SQLite and PostgreSQL), and the books balance."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.inventory import ReservationState, ShelfLife
from pharmacy_desk.inventory.embedded import EmbeddedStock, ImportMode, import_csv
from pharmacy_desk.inventory.embedded.tables import batches, movements, reservations
from tests.inventory.inventory_support import TODAY, line

NUROFEN = "100234;Нурофен таб. п/о 200мг №20;04600714356057"


async def load(engine: AsyncEngine, store: str, tmp_path: Path, body: str) -> None:
    path = tmp_path / f"{store}.csv"
    path.write_text("sku;name;gtin;series;expiry;quantity;location\n" + body, encoding="utf-8")
    await import_csv(engine, store, path, mode=ImportMode.REPLACE)


def stock_of(engine: AsyncEngine) -> EmbeddedStock:
    return EmbeddedStock(engine, ShelfLife(0, today=lambda: TODAY))


async def test_two_orders_racing_for_the_last_pack(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    await load(engine, store, tmp_path, f"{NUROFEN};LAST;2027-06-30;1;\n")
    stock = stock_of(engine)

    a, b = await asyncio.gather(
        stock.reserve(store, "order-a", [line("100234", 1)]),
        stock.reserve(store, "order-b", [line("100234", 1)]),
    )

    assert sorted([a.reserved, b.reserved]) == [0, 1]
    after = await stock.stock(store, ["100234"])
    assert [(x.quantity, x.reserved) for x in after["100234"].batches] == [(1, 1)]


async def test_many_orders_racing_for_a_few_packs(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    await load(engine, store, tmp_path, f"{NUROFEN};A;2027-06-30;3;\n{NUROFEN};B;2028-06-30;2;\n")
    stock = stock_of(engine)

    results = await asyncio.gather(*(stock.reserve(store, f"order-{i}", [line("100234", 2)]) for i in range(8)))

    assert sum(r.reserved for r in results) == 5
    assert all(r.state is ReservationState.RESERVED for r in results)
    async with engine.connect() as conn:
        held = (
            await conn.execute(select(func.sum(reservations.c.quantity)).where(reservations.c.store == store))
        ).scalar_one()
        over = (
            await conn.execute(
                select(func.count()).where(batches.c.store == store, batches.c.reserved > batches.c.quantity)
            )
        ).scalar_one()
    assert (held, over) == (5, 0)


async def test_the_same_order_reserved_twice_at_once_is_reserved_once(
    engine: AsyncEngine, store: str, tmp_path: Path
) -> None:
    await load(engine, store, tmp_path, f"{NUROFEN};A;2027-06-30;10;\n")
    stock = stock_of(engine)

    results = await asyncio.gather(*(stock.reserve(store, "order-1", [line("100234", 3)]) for _ in range(4)))

    assert sorted(r.replayed for r in results) == [False, True, True, True]
    assert {r.reserved for r in results} == {3}
    assert (await stock.stock(store, ["100234"]))["100234"].batches[0].reserved == 3


async def test_random_interleavings_keep_the_books_balanced(engine: AsyncEngine, store: str, tmp_path: Path) -> None:
    """Reserve / adjust / release / commit at random, some at once; every pack stays accounted for."""
    await load(
        engine,
        store,
        tmp_path,
        f"{NUROFEN};A;2026-12-01;4;\n{NUROFEN};B;2027-06-30;6;\n{NUROFEN};C;2028-06-30;5;\n"
        "100777;Аспирин Кардио 100мг №28;04601503122075;K1;2027-02-28;7;\n",
    )
    stock = stock_of(engine)
    rnd = random.Random(20261123)
    start = 22

    async def step(i: int) -> None:
        key = f"order-{rnd.randrange(8)}"
        wanted = [line("100234", rnd.randrange(5)), line("100777", rnd.randrange(4))]
        action = rnd.choice(["reserve", "reserve", "adjust", "release", "commit"])
        if action == "release":
            await stock.release(store, key)
        else:
            await getattr(stock, action)(store, key, wanted)

    for round_ in range(12):
        await asyncio.gather(*(step(round_ * 4 + i) for i in range(4)))
        async with engine.connect() as conn:
            rows = (await conn.execute(select(batches).where(batches.c.store == store))).all()
            held = dict(
                (
                    await conn.execute(
                        select(reservations.c.batch_id, func.sum(reservations.c.quantity))
                        .where(reservations.c.store == store)
                        .group_by(reservations.c.batch_id)
                    )
                ).all()
            )
            sold = (
                await conn.execute(
                    select(func.coalesce(func.sum(movements.c.quantity), 0)).where(
                        movements.c.store == store, movements.c.batch_id.is_not(None)
                    )
                )
            ).scalar_one()
        for r in rows:
            assert 0 <= r.reserved <= r.quantity, r
            assert r.reserved == held.get(r.id, 0), r
        assert sum(r.quantity for r in rows) + sold == start
