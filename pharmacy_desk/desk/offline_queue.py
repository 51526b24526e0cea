"""Staff actions taken while the relay is unreachable: kept durably, sent later, in order.

A SQLite file in the data dir (``offline-queue.sqlite3``, WAL, ``synchronous=FULL``: an action the
pharmacist saw "queued" survives a power cut). Each row is one action with its idempotency key and the
order version the pharmacist saw; rows are sent in the order they were queued, one order's after the
other's (FIFO per order, like the relay's outbox buckets).

Replaying (:meth:`OfflineQueue.replay`):

- accepted → the row is deleted; later rows of the same order that were queued against the same
  version now expect the version this answer produced (the pharmacist did them one after the other);
- refused (422), stale (409) or rejected (400, 404) → a **conflict**: that row and every later row
  of the order stop (status ``conflict``, kept so the staff see them) and ``on_conflict`` reports the
  relay's message; other orders continue. :meth:`OfflineQueue.discard` clears them once seen;
- unreachable (no answer, 5xx) → the replay stops, everything stays queued, in order; a retry resends
  the same idempotency key, so an action the relay applied but whose answer was lost is not applied
  twice;
- 401 / 403 → the replay stops too: the token is the problem, not the actions.
"""

from __future__ import annotations

import asyncio
import sqlite3
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TypeVar

from pydantic import TypeAdapter

from pharmacy_desk.desk.relay_client import Accepted, Rejected, RelayClient, Unreachable
from pharmacy_desk.domain import Action, Order

QUEUE_FILE_NAME = "offline-queue.sqlite3"

T = TypeVar("T")

_ACTION = TypeAdapter(Action)

_SCHEMA = """
CREATE TABLE IF NOT EXISTS queued_actions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    store TEXT NOT NULL,
    number TEXT NOT NULL,
    action TEXT NOT NULL,
    kind TEXT NOT NULL,
    expected_version INTEGER NOT NULL,
    idempotency_key TEXT NOT NULL UNIQUE,
    operator TEXT,
    queued_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    conflict_code TEXT,
    conflict_message TEXT
);
CREATE INDEX IF NOT EXISTS queued_actions_order ON queued_actions (store, number, id);
"""

Status = Literal["pending", "conflict"]


@dataclass(frozen=True, slots=True)
class QueuedAction:
    id: int
    store: str
    number: str
    action: Action
    expected_version: int
    idempotency_key: str
    operator: str | None
    queued_at: datetime
    status: Status = "pending"
    conflict_code: str | None = None
    conflict_message: str | None = None


@dataclass(frozen=True, slots=True)
class QueueConflict:
    """A queued action the relay did not take; ``blocked`` are the order's later actions, stopped too."""

    number: str
    action: QueuedAction
    code: str
    message: str  # the relay's, Russian
    blocked: tuple[QueuedAction, ...] = ()
    current_order: Order | None = None  # on a stale answer: the order as it is now


@dataclass(frozen=True, slots=True)
class ReplayReport:
    sent: int = 0
    conflicts: int = 0
    stopped: str | None = None  # why the replay stopped early (unreachable, token), Russian


def _row(row: sqlite3.Row) -> QueuedAction:
    return QueuedAction(
        id=row["id"],
        store=row["store"],
        number=row["number"],
        action=_ACTION.validate_json(row["action"]),
        expected_version=row["expected_version"],
        idempotency_key=row["idempotency_key"],
        operator=row["operator"],
        queued_at=datetime.fromisoformat(row["queued_at"]),
        status=row["status"],
        conflict_code=row["conflict_code"],
        conflict_message=row["conflict_message"],
    )


class OfflineQueue:
    """One store's queue in one SQLite file; every call runs in a worker thread, one at a time."""

    def __init__(self, conn: sqlite3.Connection, store: str) -> None:
        self._conn = conn
        self.store = store
        self._lock = asyncio.Lock()

    @classmethod
    async def open(cls, path: Path, store: str) -> OfflineQueue:
        def connect() -> sqlite3.Connection:
            path.parent.mkdir(parents=True, exist_ok=True)
            conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
            conn.row_factory = sqlite3.Row
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=FULL")
            conn.executescript(_SCHEMA)
            return conn

        return cls(await asyncio.to_thread(connect), store)

    async def close(self) -> None:
        async with self._lock:
            await asyncio.to_thread(self._conn.close)

    async def _run(self, work: Callable[[sqlite3.Connection], T]) -> T:
        async with self._lock:
            return await asyncio.to_thread(work, self._conn)

    # --- writing ----------------------------------------------------------------------------------

    async def add(
        self,
        number: str,
        action: Action,
        *,
        expected_version: int,
        idempotency_key: str | None = None,
        operator: str | None = None,
    ) -> QueuedAction:
        key = idempotency_key or uuid.uuid4().hex
        queued_at = datetime.now(UTC)
        body = _ACTION.dump_json(action).decode()

        def insert(conn: sqlite3.Connection) -> int:
            cursor = conn.execute(
                "INSERT INTO queued_actions (store, number, action, kind, expected_version, idempotency_key,"
                " operator, queued_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (self.store, number, body, action.kind, expected_version, key, operator, queued_at.isoformat()),
            )
            assert cursor.lastrowid is not None
            return cursor.lastrowid

        row_id = await self._run(insert)
        return QueuedAction(row_id, self.store, number, action, expected_version, key, operator, queued_at)

    async def discard(self, number: str) -> int:
        """Forget every queued action of ``number`` (after the staff saw the conflict); how many."""

        def delete(conn: sqlite3.Connection) -> int:
            cursor = conn.execute("DELETE FROM queued_actions WHERE store = ? AND number = ?", (self.store, number))
            return cursor.rowcount

        return await self._run(delete)

    # --- reading ----------------------------------------------------------------------------------

    async def items(self, status: Status | None = None) -> list[QueuedAction]:
        """Queued actions in queueing order (only those with ``status`` when given)."""

        def select(conn: sqlite3.Connection) -> list[QueuedAction]:
            sql = "SELECT * FROM queued_actions WHERE store = ?"
            params: tuple[str, ...] = (self.store,)
            if status is not None:
                sql += " AND status = ?"
                params = (self.store, status)
            return [_row(row) for row in conn.execute(sql + " ORDER BY id", params)]

        return await self._run(select)

    async def count(self, status: Status = "pending") -> int:
        def select(conn: sqlite3.Connection) -> int:
            row = conn.execute(
                "SELECT COUNT(*) FROM queued_actions WHERE store = ? AND status = ?", (self.store, status)
            ).fetchone()
            return int(row[0])

        return await self._run(select)

    async def holds(self, number: str) -> bool:
        """True when ``number`` has queued actions (pending or in conflict): new ones must queue behind."""

        def select(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT 1 FROM queued_actions WHERE store = ? AND number = ? LIMIT 1", (self.store, number)
            ).fetchone()
            return row is not None

        return await self._run(select)

    async def in_conflict(self, number: str) -> bool:
        def select(conn: sqlite3.Connection) -> bool:
            row = conn.execute(
                "SELECT 1 FROM queued_actions WHERE store = ? AND number = ? AND status = 'conflict' LIMIT 1",
                (self.store, number),
            ).fetchone()
            return row is not None

        return await self._run(select)

    # --- replay -----------------------------------------------------------------------------------

    async def _accepted(self, item: QueuedAction, new_version: int) -> None:
        def apply(conn: sqlite3.Connection) -> None:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute("DELETE FROM queued_actions WHERE id = ?", (item.id,))
                conn.execute(
                    "UPDATE queued_actions SET expected_version = ? WHERE store = ? AND number = ? AND id > ?"
                    " AND status = 'pending' AND expected_version = ?",
                    (new_version, self.store, item.number, item.id, item.expected_version),
                )

        await self._run(apply)

    async def _conflict(self, item: QueuedAction, code: str, message: str) -> tuple[QueuedAction, ...]:
        def apply(conn: sqlite3.Connection) -> list[QueuedAction]:
            with conn:
                conn.execute("BEGIN IMMEDIATE")
                conn.execute(
                    "UPDATE queued_actions SET status = 'conflict', conflict_code = ?, conflict_message = ?"
                    " WHERE store = ? AND number = ? AND id >= ?",
                    (code, message, self.store, item.number, item.id),
                )
                rows = conn.execute(
                    "SELECT * FROM queued_actions WHERE store = ? AND number = ? AND id > ? ORDER BY id",
                    (self.store, item.number, item.id),
                ).fetchall()
            return [_row(row) for row in rows]

        return tuple(await self._run(apply))

    async def replay(
        self,
        client: RelayClient,
        *,
        on_accepted: Callable[[QueuedAction, Order], object] | None = None,
        on_conflict: Callable[[QueueConflict], object] | None = None,
        lock_for: Callable[[str], asyncio.Lock] | None = None,
    ) -> ReplayReport:
        """Send the pending actions in order; see the module docstring. ``lock_for(number)`` serializes
        each send with the caller's own actions on that order."""
        sent = conflicts = 0
        for first in await self.items("pending"):
            lock = lock_for(first.number) if lock_for is not None else asyncio.Lock()
            async with lock:
                item = await self._current(first.id)
                if item is None or item.status != "pending":
                    continue  # sent or stopped meanwhile
                result = await client.post_action(
                    item.number,
                    item.action,
                    expected_version=item.expected_version,
                    idempotency_key=item.idempotency_key,
                    operator=item.operator,
                )
                if isinstance(result, Accepted):
                    await self._accepted(item, result.order.version)
                    sent += 1
                    if on_accepted is not None:
                        on_accepted(item, result.order)
                    continue
                if isinstance(result, Unreachable):
                    return ReplayReport(sent, conflicts, stopped=result.message)
                if isinstance(result, Rejected) and result.status in (401, 403):
                    return ReplayReport(sent, conflicts, stopped=result.message)
                code = getattr(result, "code", "stale_version")
                current = getattr(result, "order", None)
                blocked = await self._conflict(item, code, result.message)
                conflicts += 1
                if on_conflict is not None:
                    on_conflict(
                        QueueConflict(
                            number=item.number,
                            action=item,
                            code=code,
                            message=result.message,
                            blocked=blocked,
                            current_order=current if isinstance(current, Order) else None,
                        )
                    )
        return ReplayReport(sent, conflicts)

    async def _current(self, row_id: int) -> QueuedAction | None:
        def select(conn: sqlite3.Connection) -> QueuedAction | None:
            row = conn.execute("SELECT * FROM queued_actions WHERE id = ?", (row_id,)).fetchone()
            return _row(row) if row is not None else None

        return await self._run(select)
