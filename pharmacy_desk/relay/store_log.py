"""The per-store event log the counter PCs stream: append inside the caller's transaction.

Ids are per store, monotonic and gap-free: the counter row is incremented in the same transaction,
which also serializes writers of one store, so commits happen in id order.

In a group-commit transaction (:meth:`~pharmacy_desk.relay.db.RelayEngine.write_together`: the
webhook intake) the events are written at its end: the first event of a store in the transaction
takes the counter (one ``UPDATE … RETURNING``, the row lock on PostgreSQL), the next ones count on
from it, and just before ``COMMIT`` the counter is set to the last one and every event is inserted in
one statement (a group of webhooks: three statements for all their events, not two per event).
Elsewhere each event is written at once.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.relay.db import write_scope
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
_SET_LAST_EVENT = (
    update(store_counters)
    .where(store_counters.c.store == bindparam("for_store"))
    .values(last_event_id=bindparam("last_id"))
)
_INSERT_EVENT = insert(store_events)
_PENDING = "store_log.pending"  # the transaction's events not yet written (WriteScope.state)


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
    row = {
        "store": store,
        "kind": kind,
        "order_id": order_id,
        "payload": json.dumps(payload, ensure_ascii=False, default=str),
        "created_at": datetime.now(UTC),
    }
    scope = write_scope(conn)
    if scope is None:
        row["event_id"] = event_id = await _bump_counter(conn, store, "last_event_id")
        await conn.execute(_INSERT_EVENT, row)
        return event_id
    if conn.in_nested_transaction():  # a savepoint could roll back what the transaction has counted
        raise RuntimeError("no stream events in a savepoint of a group-commit transaction")
    pending: _Pending | None = scope.state.get(_PENDING)
    if pending is None:
        pending = scope.state[_PENDING] = _Pending()
        scope.before_commit.append(pending.write)
    return await pending.add(conn, store, row)


class _Pending:
    """A write transaction's events, numbered already, written just before its commit."""

    def __init__(self) -> None:
        self.next_id: dict[str, int] = {}  # per store: the id the next event gets
        self.counted: dict[str, int] = {}  # per store: the counter as it is in the database now
        self.rows: list[dict[str, Any]] = []

    async def add(self, conn: AsyncConnection, store: str, row: dict[str, Any]) -> int:
        event_id = self.next_id.get(store)
        if event_id is None:  # the store's first event in this transaction: take the counter
            event_id = self.counted[store] = await _bump_counter(conn, store, "last_event_id")
        self.next_id[store] = event_id + 1
        row["event_id"] = event_id
        self.rows.append(row)
        return event_id

    async def write(self, conn: AsyncConnection) -> None:
        for store, next_id in self.next_id.items():
            if next_id - 1 > self.counted[store]:
                await conn.execute(_SET_LAST_EVENT, {"for_store": store, "last_id": next_id - 1})
        if self.rows:
            await conn.execute(_INSERT_EVENT, self.rows)
        self.next_id.clear()
        self.counted.clear()
        self.rows = []


async def last_event_id(conn: AsyncConnection, store: str) -> int:
    result = await conn.execute(select(store_counters.c.last_event_id).where(store_counters.c.store == store))
    value = result.scalar_one_or_none()
    return int(value) if value is not None else 0
