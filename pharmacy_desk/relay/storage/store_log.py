"""The per-store event log the counter PCs stream, and the store's order numbers: inside the caller's
transaction.

Ids are per store, monotonic and gap-free: the counter row is incremented in the same transaction,
which also serializes writers of one store, so commits happen in id order.

In a group-commit transaction (:meth:`~pharmacy_desk.relay.storage.db.RelayEngine.write_together`: the
webhook intake) the store's counters are read once, when the transaction first needs them (on
PostgreSQL with the row lock: :func:`hold_counters`, which
:func:`~pharmacy_desk.relay.storage.orders.lock_store` takes), numbers and event ids are counted on in
memory, and just before ``COMMIT`` one ``UPDATE`` writes the counters and one ``INSERT`` all the
events. A group of webhooks of one store: three statements for its numbers and events, not three per
webhook and two per event. Elsewhere each number and event is written at once.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.relay.storage.db import WriteScope, write_scope
from pharmacy_desk.relay.storage.schema import store_counters, store_events

_C = store_counters.c


def _bump(column: str) -> Any:
    col = _C[column]
    return update(store_counters).where(_C.store == bindparam("for_store")).values({column: col + 1}).returning(col)


# Built once: SQLAlchemy caches their compiled form, and a prebuilt statement skips rebuilding its cache key.
_BUMP = {column: _bump(column) for column in ("last_number", "last_event_id")}
_READ = select(_C.last_number, _C.last_event_id).where(_C.store == bindparam("for_store"))
_READ_AND_LOCK = _READ.with_for_update()
_SET = (
    update(store_counters)
    .where(_C.store == bindparam("for_store"))
    .values(last_number=bindparam("number"), last_event_id=bindparam("event_id"))
)
_INSERT_EVENT = insert(store_events)
_PENDING = "store_log.pending"  # the transaction's counters and events not yet written (WriteScope.state)


async def _new_counters(conn: AsyncConnection, store: str) -> None:
    """The store's counter row, at 0 (a concurrent first use may win the insert: fine)."""
    new_row = {"store": store, "last_number": 0, "last_event_id": 0}
    dialect_insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    await conn.execute(dialect_insert(store_counters).values(new_row).on_conflict_do_nothing())


async def _bump_counter(conn: AsyncConnection, store: str, column: str) -> int:
    stmt = _BUMP[column]
    params = {"for_store": store}
    value = (await conn.execute(stmt, params)).scalar_one_or_none()
    if value is not None:
        return int(value)
    await _new_counters(conn, store)  # first use of this store
    return int((await conn.execute(stmt, params)).scalar_one())


@dataclass
class _Counters:
    """One store's counters in a group-commit transaction: as given out, and as in the database."""

    number: int
    event_id: int
    stored: tuple[int, int]


class _Pending:
    """A group-commit transaction's counters and events, written just before its commit."""

    def __init__(self) -> None:
        self.counters: dict[str, _Counters] = {}
        self.rows: list[dict[str, Any]] = []

    async def of(self, conn: AsyncConnection, store: str) -> _Counters:
        counters = self.counters.get(store)
        if counters is None:  # the store's first use in this transaction: read (and lock) its row
            stmt = _READ_AND_LOCK if conn.dialect.name == "postgresql" else _READ
            params = {"for_store": store}
            row = (await conn.execute(stmt, params)).first()
            if row is None:
                await _new_counters(conn, store)
                row = (await conn.execute(stmt, params)).one()
            number, event_id = int(row.last_number), int(row.last_event_id)
            counters = self.counters[store] = _Counters(number, event_id, (number, event_id))
        return counters

    async def write(self, conn: AsyncConnection) -> None:
        for store, c in self.counters.items():
            if (c.number, c.event_id) != c.stored:
                await conn.execute(_SET, {"for_store": store, "number": c.number, "event_id": c.event_id})
        if self.rows:
            await conn.execute(_INSERT_EVENT, self.rows)
        self.counters.clear()
        self.rows = []


def _pending(conn: AsyncConnection, scope: WriteScope) -> _Pending:
    if conn.in_nested_transaction():  # a savepoint could roll back what the transaction has counted
        raise RuntimeError("no numbers or stream events in a savepoint of a group-commit transaction")
    pending: _Pending | None = scope.state.get(_PENDING)
    if pending is None:
        pending = scope.state[_PENDING] = _Pending()
        scope.before_commit.append(pending.write)
    return pending


async def hold_counters(conn: AsyncConnection, store: str) -> bool:
    """In a group-commit transaction: read the store's counters now (the row lock on PostgreSQL).

    Returns False (and does nothing) outside one.
    """
    scope = write_scope(conn)
    if scope is None:
        return False
    await _pending(conn, scope).of(conn, store)
    return True


async def next_order_sequence(conn: AsyncConnection, store: str) -> int:
    """The next order number's sequence for ``store`` (1, 2, 3, ...)."""
    scope = write_scope(conn)
    if scope is None:
        return await _bump_counter(conn, store, "last_number")
    counters = await _pending(conn, scope).of(conn, store)
    counters.number += 1
    return counters.number


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
    pending = _pending(conn, scope)
    counters = await pending.of(conn, store)
    counters.event_id += 1
    row["event_id"] = counters.event_id
    pending.rows.append(row)
    return counters.event_id


async def last_event_id(conn: AsyncConnection, store: str) -> int:
    result = await conn.execute(select(_C.last_event_id).where(_C.store == store))
    value = result.scalar_one_or_none()
    return int(value) if value is not None else 0
