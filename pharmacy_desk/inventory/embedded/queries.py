"""The embedded stock's statements, each inside the caller's transaction.

Locking (PostgreSQL; SQLite's ``BEGIN IMMEDIATE`` already serialises writers): an order call locks its
``inventory_orders`` row first, then the batches of the SKUs it touches (``FOR UPDATE``, in id order),
so concurrent calls never deadlock and never plan on stale stock. The conditional ``UPDATE`` in
:func:`hold` is the guarantee on both: a batch's reserved packs never exceed what it has.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, and_, delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.inventory.embedded.tables import batches, movements, orders, reservations
from pharmacy_desk.inventory.models import (
    BatchQuantity,
    LineReservation,
    ReservationResult,
    ReservationState,
    SkuQuantity,
)
from pharmacy_desk.inventory.planning import Slot, fefo_key


class ConcurrentChange(Exception):
    """A conditional update found the batch changed under us: the transaction is retried."""


@dataclass(frozen=True, slots=True)
class OrderRow:
    state: ReservationState
    requested: dict[str, int]


@dataclass(frozen=True, slots=True)
class Held:
    """Packs one order holds in one batch, with the batch's own figures."""

    slot: Slot[int]  # key = batch id, quantity = packs held
    on_hand: int  # the batch's quantity


def encode_requested(wanted: Mapping[str, int]) -> str:
    return json.dumps([[sku, n] for sku, n in wanted.items()], ensure_ascii=False)


def decode_requested(text: str) -> dict[str, int]:
    return {str(sku): int(n) for sku, n in json.loads(text)}


async def lock_order(conn: AsyncConnection, store: str, order_key: str, *, lock: bool = True) -> OrderRow | None:
    """The order's row, locked ``FOR UPDATE`` unless ``lock`` is false (a read)."""
    query = select(orders.c.state, orders.c.requested).where(orders.c.store == store, orders.c.order_key == order_key)
    row = (await conn.execute(query.with_for_update() if lock else query)).first()
    if row is None:
        return None
    return OrderRow(state=ReservationState(row.state), requested=decode_requested(row.requested))


async def insert_order(
    conn: AsyncConnection,
    store: str,
    order_key: str,
    state: ReservationState,
    wanted: Mapping[str, int],
    now: datetime,
) -> None:
    await conn.execute(
        insert(orders).values(
            store=store,
            order_key=order_key,
            state=state.value,
            requested=encode_requested(wanted),
            created_at=now,
            updated_at=now,
        )
    )


async def set_order(
    conn: AsyncConnection,
    store: str,
    order_key: str,
    now: datetime,
    *,
    state: ReservationState | None = None,
    wanted: Mapping[str, int] | None = None,
) -> None:
    values: dict[str, object] = {"updated_at": now}
    if state is not None:
        values["state"] = state.value
    if wanted is not None:
        values["requested"] = encode_requested(wanted)
    await conn.execute(update(orders).where(orders.c.store == store, orders.c.order_key == order_key).values(**values))


def _slot(row: Row[Any], quantity: int) -> Slot[int]:
    return Slot(
        key=row.id,
        sku=row.sku,
        series=row.series,
        expiry=row.expiry,
        quantity=quantity,
        gtin=row.gtin,
        location=row.location or None,
    )


async def free_slots(
    conn: AsyncConnection, store: str, skus: Iterable[str], *, lock: bool
) -> dict[str, list[Slot[int]]]:
    """The free packs of every batch of ``skus`` (locked ``FOR UPDATE`` when ``lock``), per SKU."""
    wanted = sorted(set(skus))
    result: dict[str, list[Slot[int]]] = {sku: [] for sku in wanted}
    if not wanted:
        return result
    query = select(batches).where(batches.c.store == store, batches.c.sku.in_(wanted)).order_by(batches.c.id)
    if lock:
        query = query.with_for_update()
    for row in (await conn.execute(query)).all():
        result[row.sku].append(_slot(row, max(0, row.quantity - row.reserved)))
    return result


async def held(conn: AsyncConnection, store: str, order_key: str) -> list[Held]:
    """What the order holds, batch by batch, in FEFO order."""
    query = (
        select(batches, reservations.c.quantity.label("held"))
        .select_from(reservations.join(batches, reservations.c.batch_id == batches.c.id))
        .where(reservations.c.store == store, reservations.c.order_key == order_key)
    )
    rows = (await conn.execute(query)).all()
    result = [Held(slot=_slot(row, row.held), on_hand=row.quantity) for row in rows]
    return sorted(result, key=lambda h: (h.slot.sku, fefo_key(h.slot)))


async def hold(conn: AsyncConnection, store: str, order_key: str, slot: Slot[int], n: int) -> None:
    """Reserve ``n`` packs of a batch for the order, only if the batch still has them free."""
    done = await conn.execute(
        update(batches)
        .where(batches.c.id == slot.key, batches.c.quantity - batches.c.reserved >= n)
        .values(reserved=batches.c.reserved + n)
    )
    if done.rowcount != 1:
        raise ConcurrentChange(f"batch {slot.key}: {n} packs are no longer free")
    mine = and_(
        reservations.c.store == store,
        reservations.c.order_key == order_key,
        reservations.c.batch_id == slot.key,
    )
    bumped = await conn.execute(update(reservations).where(mine).values(quantity=reservations.c.quantity + n))
    if bumped.rowcount == 0:
        await conn.execute(
            insert(reservations).values(
                store=store, order_key=order_key, batch_id=slot.key, sku=slot.sku, series=slot.series, quantity=n
            )
        )


async def unhold(conn: AsyncConnection, store: str, order_key: str, batch_id: int, n: int, *, sold: int = 0) -> None:
    """Give back ``n`` held packs of a batch, ``sold`` of them leaving the stock for good."""
    await conn.execute(
        update(batches)
        .where(batches.c.id == batch_id)
        .values(reserved=batches.c.reserved - n, quantity=batches.c.quantity - sold)
    )
    mine = and_(
        reservations.c.store == store,
        reservations.c.order_key == order_key,
        reservations.c.batch_id == batch_id,
    )
    gone = await conn.execute(delete(reservations).where(mine, reservations.c.quantity <= n))
    if gone.rowcount == 0:
        await conn.execute(update(reservations).where(mine).values(quantity=reservations.c.quantity - n))


async def take_free(conn: AsyncConnection, batch_id: int, n: int) -> None:
    """Remove ``n`` free (unreserved) packs of a batch from stock."""
    done = await conn.execute(
        update(batches)
        .where(batches.c.id == batch_id, batches.c.quantity - batches.c.reserved >= n)
        .values(quantity=batches.c.quantity - n)
    )
    if done.rowcount != 1:
        raise ConcurrentChange(f"batch {batch_id}: {n} packs are no longer free")


async def record_sale(
    conn: AsyncConnection,
    store: str,
    order_key: str,
    sold: Iterable[tuple[Slot[int], int]],
    unmatched: Mapping[str, int],
    now: datetime,
) -> None:
    rows: list[dict[str, object]] = [
        {
            "store": store,
            "order_key": order_key,
            "kind": "sale",
            "sku": slot.sku,
            "batch_id": slot.key,
            "series": slot.series,
            "expiry": slot.expiry,
            "gtin": slot.gtin,
            "location": slot.location,
            "quantity": n,
            "at": now,
        }
        for slot, n in sold
    ]
    rows += [
        {
            "store": store,
            "order_key": order_key,
            "kind": "sale",
            "sku": sku,
            "batch_id": None,
            "series": None,
            "expiry": None,
            "gtin": None,
            "location": None,
            "quantity": n,
            "at": now,
        }
        for sku, n in unmatched.items()
        if n > 0
    ]
    if rows:
        await conn.execute(insert(movements), rows)


async def recorded_sale(
    conn: AsyncConnection, store: str, order_key: str
) -> tuple[tuple[BatchQuantity, ...], tuple[SkuQuantity, ...]]:
    """What a commit recorded for the order: sold packs by batch, and unmatched packs by SKU."""
    rows = (
        await conn.execute(
            select(movements)
            .where(movements.c.store == store, movements.c.order_key == order_key, movements.c.kind == "sale")
            .order_by(movements.c.id)
        )
    ).all()
    sold = tuple(
        BatchQuantity(
            sku=r.sku, series=r.series, expiry=r.expiry, quantity=r.quantity, gtin=r.gtin, location=r.location
        )
        for r in rows
        if r.series is not None
    )
    unmatched = tuple(SkuQuantity(sku=r.sku, quantity=r.quantity) for r in rows if r.series is None)
    return sold, unmatched


async def reservation(
    conn: AsyncConnection,
    store: str,
    order_key: str,
    order: OrderRow,
    *,
    replayed: bool,
) -> ReservationResult:
    """The order's reservation as the tables hold it now."""
    if order.state is not ReservationState.RESERVED:
        return ReservationResult(store=store, order_key=order_key, state=order.state, replayed=replayed)
    per_sku: dict[str, list[BatchQuantity]] = {}
    for h in await held(conn, store, order_key):
        per_sku.setdefault(h.slot.sku, []).append(h.slot.packs(h.slot.quantity))
    skus = list(order.requested) + [sku for sku in per_sku if sku not in order.requested]
    lines = tuple(
        LineReservation(sku=sku, requested=order.requested.get(sku, 0), batches=tuple(per_sku.get(sku, ())))
        for sku in skus
    )
    return ReservationResult(store=store, order_key=order_key, state=order.state, lines=lines, replayed=replayed)
