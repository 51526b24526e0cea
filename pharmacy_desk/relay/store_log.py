"""The per-store event log the counter PCs stream: append inside the caller's transaction.

Ids are per store, monotonic and gap-free: the counter row is incremented in the same transaction,
which also serializes writers of one store, so commits happen in id order.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.relay.schema import store_counters, store_events


def _bump(column: str) -> Any:
    col = store_counters.c[column]
    return (
        update(store_counters)
        .where(store_counters.c.store == bindparam("for_store"))
        .values({column: col + 1})
        .returning(col)
    )


# Built once: SQLAlchemy caches their compiled form, and a prebuilt statement skips rebuilding its cache key.
_BUMP = {column: _bump(column) for column in ("last_number", "last_event_id")}
_INSERT_EVENT = insert(store_events)


async def _bump_counter(conn: AsyncConnection, store: str, column: str) -> int:
    stmt = _BUMP[column]
    params = {"for_store": store}
    value = (await conn.execute(stmt, params)).scalar_one_or_none()
    if value is not None:
        return int(value)
    # First use of this store: create its row; a concurrent first use may win the insert, fine.
    new_row = {"store": store, "last_number": 0, "last_event_id": 0}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(dialect_insert(store_counters).values(new_row).on_conflict_do_nothing())
    return int((await conn.execute(stmt, params)).scalar_one())


async def next_order_sequence(conn: AsyncConnection, store: str) -> int:
    """The next order number's sequence for ``store`` (1, 2, 3, ...)."""
    return await _bump_counter(conn, store, "last_number")


async def append_event(
    conn: AsyncConnection, store: str, kind: str, payload: dict[str, Any], *, order_id: int | None = None
) -> int:
    """Append one event to ``store``'s stream log; returns its id. Commit is the caller's."""
    event_id = await _bump_counter(conn, store, "last_event_id")
    row = {
        "store": store,
        "event_id": event_id,
        "kind": kind,
        "order_id": order_id,
        "payload": json.dumps(payload, ensure_ascii=False, default=str),
        "created_at": datetime.now(UTC),
    }
    await conn.execute(_INSERT_EVENT, row)
    return event_id


async def last_event_id(conn: AsyncConnection, store: str) -> int:
    result = await conn.execute(select(store_counters.c.last_event_id).where(store_counters.c.store == store))
    value = result.scalar_one_or_none()
    return int(value) if value is not None else 0
