"""Orders in the database: the domain snapshot plus the columns queried by (state, pickup code digest, codes).

Everything here runs inside the caller's transaction. Writers of one store first take
:func:`lock_store`, so on PostgreSQL the checks that span orders (pickup codes unique among waiting
orders, marking codes given once) see every committed change of the store; SQLite's
``BEGIN IMMEDIATE`` already serializes writers.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, delete, insert, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.domain import SECRETS_CONTEXT, Order, OrderState
from pharmacy_desk.relay.errors import OrderChangedMeanwhile
from pharmacy_desk.relay.storage.schema import marking_codes, orders, store_counters
from pharmacy_desk.relay.storage.store_log import hold_counters


@dataclass(frozen=True)
class StoredOrder:
    id: int
    order: Order


# Built once: SQLAlchemy caches their compiled form, and a prebuilt statement skips rebuilding its cache key.
_LOCK_STORE = select(store_counters.c.store).where(store_counters.c.store == bindparam("store")).with_for_update()
_NEW_COUNTERS = (
    pg_insert(store_counters).values(store=bindparam("store"), last_number=0, last_event_id=0).on_conflict_do_nothing()
)
_INSERT_ORDER = insert(orders).returning(orders.c.id)
_INSERT_CODES = insert(marking_codes)


async def lock_store(conn: AsyncConnection, store: str) -> None:
    """Serialize this transaction with the store's other writers (PostgreSQL row lock)."""
    if conn.dialect.name != "postgresql":
        return  # SQLite: BEGIN IMMEDIATE holds the database write lock already
    if await hold_counters(conn, store):
        return  # group commit: reading the store's counters took the lock (once per transaction)
    params = {"store": store}
    if (await conn.execute(_LOCK_STORE, params)).first() is None:  # the store's first writer ever
        await conn.execute(_NEW_COUNTERS, params)
        await conn.execute(_LOCK_STORE, params)


def _pickup_code_digest(order: Order) -> str | None:
    return order.pickup.digest if order.waits_for_pickup and order.pickup is not None else None


def _snapshot(order: Order) -> str:
    """The stored snapshot: the only dump of an order that keeps the pickup code's digest."""
    return order.model_dump_json(context=SECRETS_CONTEXT)


def _stored(row: object) -> StoredOrder:
    m = row._mapping  # type: ignore[attr-defined]
    return StoredOrder(id=int(m["id"]), order=Order.model_validate_json(m["snapshot"]))


async def get_order(
    conn: AsyncConnection, store: str, *, number: str | None = None, kuper_id: str | None = None
) -> StoredOrder | None:
    stmt = select(orders.c.id, orders.c.snapshot).where(orders.c.store == store)
    if number is not None:
        stmt = stmt.where(orders.c.number == number)
    if kuper_id is not None:
        stmt = stmt.where(orders.c.kuper_id == kuper_id)
    row = (await conn.execute(stmt)).first()
    return _stored(row) if row is not None else None


async def stores_with_order(
    conn: AsyncConnection, keys: tuple[str, ...], *, original_only: str | None = None
) -> list[str]:
    """The stores holding an order filed under any of ``keys`` (or, for a webhook that names its order
    by ``originalOrderId`` alone, with that ``original_only``)."""
    if not keys:
        return []
    match: ColumnElement[bool] = orders.c.kuper_id.in_(keys)
    if original_only is not None:
        match = or_(match, orders.c.original_order_id == original_only)
    rows = await conn.execute(select(orders.c.store).where(match))
    return sorted({row.store for row in rows})


async def list_orders(
    conn: AsyncConnection, store: str, *, states: frozenset[OrderState] | None = None, open_only: bool = True
) -> list[Order]:
    stmt = select(orders.c.snapshot).where(orders.c.store == store).order_by(orders.c.id)
    if states:
        stmt = stmt.where(orders.c.state.in_([s.value for s in states]))
    elif open_only:
        stmt = stmt.where(orders.c.is_open.is_(True))
    return [Order.model_validate_json(row.snapshot) for row in await conn.execute(stmt)]


async def insert_order(conn: AsyncConnection, order: Order, now: datetime) -> int:
    values = {
        "store": order.store,
        "kuper_id": order.kuper_id,
        "original_order_id": order.original_order_id,
        "number": order.number,
        "flow": order.flow.value,
        "state": order.state.value,
        "is_open": order.is_open,
        "pickup_code_digest": _pickup_code_digest(order),
        "version": order.version,
        "snapshot": _snapshot(order),
        "created_at": now,
        "updated_at": now,
    }
    order_id = int((await conn.execute(_INSERT_ORDER, values)).scalar_one())
    await sync_marking_codes(conn, order_id, order, held=frozenset())  # a new order holds no code yet
    return order_id


async def save_order(
    conn: AsyncConnection,
    order_id: int,
    previous_version: int,
    order: Order,
    now: datetime,
    *,
    previous: Order | None = None,
) -> None:
    """Write the new snapshot (only over ``previous_version``) and the columns that follow it.

    ``previous``: the order as read in this transaction (its codes are the ones held: no need to ask).
    """
    result = await conn.execute(
        update(orders)
        .where(orders.c.id == order_id, orders.c.version == previous_version)
        .values(
            state=order.state.value,
            is_open=order.is_open,
            pickup_code_digest=_pickup_code_digest(order),
            version=order.version,
            snapshot=_snapshot(order),
            updated_at=now,
        )
    )
    if result.rowcount != 1:
        raise OrderChangedMeanwhile(f"order {order_id} is no longer at version {previous_version}")
    held = _codes_held(previous) if previous is not None and previous.version == previous_version else None
    await sync_marking_codes(conn, order_id, order, held=held)


def _codes_held(order: Order) -> frozenset[str]:
    """The codes :func:`sync_marking_codes` left held for ``order`` when it was saved."""
    return frozenset() if order.state is OrderState.CANCELED else frozenset(order.marking_codes)


async def sync_marking_codes(
    conn: AsyncConnection, order_id: int, order: Order, *, held: frozenset[str] | None = None
) -> None:
    """The order's composition codes are held for it; a canceled order gives them all back.

    ``held``: the codes held now when the caller knows them (else they are read). A code already held
    by another order of the store violates the primary key (IntegrityError): the domain refuses that
    first, so it only happens in a race, and the caller retries.
    """
    wanted = _codes_held(order)
    if held is None:
        held = frozenset(
            row.code
            for row in await conn.execute(select(marking_codes.c.code).where(marking_codes.c.order_id == order_id))
        )
    gone = held - wanted
    if gone:
        await conn.execute(
            delete(marking_codes).where(marking_codes.c.order_id == order_id, marking_codes.c.code.in_(gone))
        )
    new = sorted(wanted - held)
    if new:
        await conn.execute(_INSERT_CODES, [{"store": order.store, "code": code, "order_id": order_id} for code in new])


async def taken_pickup_digests(conn: AsyncConnection, store: str, *, except_order: int) -> frozenset[str]:
    """Code digests of the store's orders waiting for pickup (other than ``except_order``)."""
    rows = await conn.execute(
        select(orders.c.pickup_code_digest).where(
            orders.c.store == store,
            orders.c.is_open.is_(True),
            orders.c.pickup_code_digest.is_not(None),
            orders.c.id != except_order,
        )
    )
    return frozenset(row.pickup_code_digest for row in rows)


async def marking_codes_elsewhere(
    conn: AsyncConnection, store: str, codes: Iterable[str], *, except_order: int
) -> frozenset[str]:
    """Which of ``codes`` the store's other orders hold (the log of given codes only grows: ask, don't list)."""
    wanted = sorted(set(codes))
    found: set[str] = set()
    for start in range(0, len(wanted), 500):
        rows = await conn.execute(
            select(marking_codes.c.code).where(
                marking_codes.c.store == store,
                marking_codes.c.order_id != except_order,
                marking_codes.c.code.in_(wanted[start : start + 500]),
            )
        )
        found.update(row.code for row in rows)
    return frozenset(found)
