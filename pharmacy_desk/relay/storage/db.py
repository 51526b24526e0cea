"""Database engine for the relay: SQLite by default (WAL, durable commits), PostgreSQL for a chain.

``sqlite+aiosqlite:///path/relay.sqlite3`` or ``postgresql+asyncpg://user@host/db``: the same code runs
on both. On SQLite every connection gets ``journal_mode=WAL``, ``synchronous=FULL`` (a commit is on
disk before the relay answers Kuper), ``foreign_keys=ON`` and a busy timeout.

:func:`create_engine` gives a :class:`RelayEngine` (an ``AsyncEngine``) whose transactions say what
they are for:

- ``engine.begin()`` is a **write** transaction. On SQLite it first takes the engine's in-process
  write lock (:class:`WriteLock`: one writer of this process at a time, in arrival order; the others
  wait on the lock instead of sleeping in SQLite's busy handler), then ``BEGIN IMMEDIATE``, which
  other processes (the CLI) still wait for in the busy handler. On PostgreSQL it is a plain
  transaction: row locks do the rest (:func:`~pharmacy_desk.relay.storage.orders.lock_store`).
- ``engine.connect()`` is for **reading**: on SQLite a deferred ``BEGIN`` (a WAL snapshot that neither
  waits for a writer nor holds one up). Never write through it.
- :meth:`RelayEngine.write_together` is group commit: units of work that arrive while a write is
  under way share the next write transaction and its one fsync; each caller gets its own result once
  that transaction is committed (never before), and a unit that fails does not fail the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Generic, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from pharmacy_desk.relay.errors import DatabaseBusy
from pharmacy_desk.relay.storage import sqlite_driver

log = logging.getLogger("pharmacy_desk.relay.storage.db")

T = TypeVar("T")
Work = Callable[[AsyncConnection], Awaitable[T]]
"""A unit of work for :meth:`RelayEngine.write_together`: it gets the write transaction's connection."""

BUSY_TIMEOUT_SECONDS = 30.0
"""How long a writer waits for its turn: SQLite's busy timeout, and the in-process lock's."""
MAX_GROUP = 32
"""At most this many units share one transaction (the first of them waits for all of them)."""
SQLITE_POOL_SIZE = 20
"""Connections kept open to a SQLite database (and as many more for a burst)."""

ADAPTER_VARIABLE = "PHARMACY_DESK_SQLITE_ADAPTER"
"""Set to ``stock`` to use SQLAlchemy's own aiosqlite adapter instead of :mod:`.sqlite_driver`'s."""

_WRITE = "pharmacy_desk_write"  # execution option marking a write transaction (BEGIN IMMEDIATE)
_SCOPE = "pharmacy_desk.write_scope"  # key of the WriteScope in the connection's info while it writes


class WriteLock:
    """The in-process write lock: an ``asyncio.Lock`` with a time-out that knows its holder.

    A write transaction begun by the task that already holds the lock would wait for itself for
    ever: that is refused with ``RuntimeError`` instead.
    """

    def __init__(self, timeout: float = BUSY_TIMEOUT_SECONDS) -> None:
        self.timeout = timeout
        self._lock = asyncio.Lock()
        self._holder: asyncio.Task[Any] | None = None

    def locked(self) -> bool:
        return self._lock.locked()

    async def __aenter__(self) -> None:
        task = asyncio.current_task()
        if task is not None and self._holder is task:
            raise RuntimeError("a write transaction inside a write transaction of the same task would deadlock")
        try:
            async with asyncio.timeout(self.timeout):
                await self._lock.acquire()
        except TimeoutError:
            raise DatabaseBusy(f"no write turn within {self.timeout:g} s") from None
        self._holder = task

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._holder = None
        self._lock.release()


class WriteScope:
    """A :meth:`RelayEngine.write_together` transaction: work to run in it just before its ``COMMIT``.

    Lets a module batch its writes to the end of the transaction (:mod:`.store_log` inserts the
    transaction's stream events in one statement). Nothing runs when the transaction fails. Units of
    work of such a transaction open no savepoints.
    """

    def __init__(self) -> None:
        self.before_commit: list[Callable[[AsyncConnection], Awaitable[None]]] = []
        self.state: dict[str, Any] = {}  # a module's own per-transaction state, under its own key


def write_scope(conn: AsyncConnection) -> WriteScope | None:
    """The scope of the :meth:`RelayEngine.write_together` transaction ``conn`` is in, else ``None``."""
    scope = conn.info.get(_SCOPE)
    return scope if isinstance(scope, WriteScope) else None


@dataclass(eq=False, slots=True)
class _Unit(Generic[T]):
    work: Work[T]
    future: asyncio.Future[T]


def _retrieved(future: asyncio.Future[Any]) -> None:
    """Mark an abandoned unit's exception as seen (its caller is gone; the unit logged it)."""
    if not future.cancelled():
        future.exception()


class RelayEngine(AsyncEngine):
    """An ``AsyncEngine`` with write transactions serialised in-process on SQLite, and group commit."""

    def __init__(self, sync_engine: Engine) -> None:
        super().__init__(sync_engine)
        self.serialises_writes = sync_engine.dialect.name == "sqlite"
        self._lock: WriteLock | None = None
        self._lock_loop: asyncio.AbstractEventLoop | None = None
        self._pending: deque[_Unit[Any]] = deque()
        self._group_written: asyncio.Future[None] | None = None  # set while a group is being written

    @property
    def queued_writes(self) -> int:
        """How many :meth:`write_together` units wait for the next group write (tests wait on it)."""
        return len(self._pending)

    def write_lock(self) -> WriteLock:
        """This engine's write lock in the running event loop (on PostgreSQL only group commit takes it)."""
        loop = asyncio.get_running_loop()
        if self._lock is None or self._lock_loop is not loop:
            self._lock, self._lock_loop = WriteLock(), loop
        return self._lock

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A write transaction (see the module's docstring); committed when the block ends without error."""
        if not self.serialises_writes:
            async with super().begin() as conn:
                yield conn
            return
        async with self.write_lock(), self._write_transaction() as conn:
            yield conn

    @contextlib.asynccontextmanager
    async def _write_transaction(self, *, scoped: bool = False) -> AsyncIterator[AsyncConnection]:
        """The transaction itself (``scoped``: with a :class:`WriteScope`); on SQLite the caller holds
        the write lock."""
        async with self.connect() as conn:
            if self.serialises_writes:
                await conn.execution_options(**{_WRITE: True})
            if not scoped:
                async with conn.begin():
                    yield conn
                return
            scope = WriteScope()
            conn.info[_SCOPE] = scope
            try:
                async with conn.begin():
                    yield conn
                    for hook in scope.before_commit:
                        await hook(conn)
            finally:
                conn.info.pop(_SCOPE, None)

    # --- group commit -------------------------------------------------------------------------

    async def write_together(self, work: Work[T]) -> T:
        """Run ``work(conn)`` in a write transaction, possibly shared with other callers' work.

        Returns what ``work`` returned, once the transaction that holds its writes is committed; raises
        what it raised (its writes are then not stored). While one group is being written, the units
        that arrive queue up and the next write takes them all (at most :data:`MAX_GROUP`): one
        ``BEGIN``/``COMMIT`` and one fsync for all of them. When a unit of a group fails, the group is
        rolled back and each of its units runs again in a transaction of its own, so a failing unit
        never takes the others down.

        ``work`` may therefore run twice and must do nothing but its database work on ``conn`` (no
        second transaction, no side effects: do those after this returns). Units run in arrival order.
        """
        unit: _Unit[T] = _Unit(work, asyncio.get_running_loop().create_future())
        self._pending.append(unit)
        try:
            while not unit.future.done():
                written = self._group_written
                if written is not None:  # a group is being written (ours may be in it): wait for it
                    await asyncio.wait((unit.future, written), return_when=asyncio.FIRST_COMPLETED)
                    continue
                async with self.write_lock():
                    if not unit.future.done():
                        await self._write_group()
        except BaseException:
            if unit in self._pending:
                self._pending.remove(unit)  # not started: forget it
            elif not unit.future.done():
                unit.future.add_done_callback(_retrieved)  # being written by another task: let it finish
            raise
        return unit.future.result()

    async def _write_group(self) -> None:
        """Write the waiting units (the caller holds the write lock)."""
        group = [self._pending.popleft() for _ in range(min(len(self._pending), MAX_GROUP))]
        written = asyncio.get_running_loop().create_future()
        self._group_written = written
        try:
            if len(group) == 1:
                await self._write_alone(group[0])
            else:
                await self._write_shared(group)
        finally:
            for unit in reversed(group):  # only when we were cancelled: the next writer takes them
                if not unit.future.done():
                    self._pending.appendleft(unit)
            self._group_written = None
            written.set_result(None)

    async def _write_shared(self, group: list[_Unit[Any]]) -> None:
        results: list[Any] = []
        try:
            async with self._write_transaction(scoped=True) as conn:
                for unit in group:
                    results.append(await unit.work(conn))
        except Exception as exc:
            log.info("group of %d writes rolled back (%s): writing them one by one", len(group), type(exc).__name__)
            for unit in group:
                await self._write_alone(unit)
            return
        for unit, result in zip(group, results, strict=True):
            if not unit.future.done():
                unit.future.set_result(result)

    async def _write_alone(self, unit: _Unit[Any]) -> None:
        try:
            async with self._write_transaction(scoped=True) as conn:
                result = await unit.work(conn)
        except Exception as exc:
            if not unit.future.done():
                unit.future.set_exception(exc)
            return
        if not unit.future.done():
            unit.future.set_result(result)


async def write_together(engine: AsyncEngine, work: Work[T]) -> T:
    """:meth:`RelayEngine.write_together`; with another ``AsyncEngine``, ``work`` in a transaction of its own."""
    if isinstance(engine, RelayEngine):
        return await engine.write_together(work)
    async with engine.begin() as conn:
        return await work(conn)


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> RelayEngine:
    # Only the sync engine is kept: the AsyncEngine create_async_engine made is gone before ours proxies it.
    if not is_sqlite(url):
        sync_engine = create_async_engine(url, pool_pre_ping=True, **kwargs).sync_engine
        return RelayEngine(sync_engine)
    # Readers run side by side (WAL): enough pooled connections that a burst does not open and close
    # overflow connections (each one is a thread and a file open for aiosqlite).
    options: dict[str, Any] = {"pool_size": SQLITE_POOL_SIZE, "max_overflow": SQLITE_POOL_SIZE}
    if os.environ.get(ADAPTER_VARIABLE, "").strip().lower() != "stock":
        module = sqlite_driver.dbapi()
        if module is not None:
            options["module"] = module
        else:
            log.warning("aiosqlite/SQLAlchemy do not fit the one-trip adapter: SQLAlchemy's own is used (slower)")
    sync_engine = create_async_engine(
        url, connect_args={"timeout": BUSY_TIMEOUT_SECONDS}, **{**options, **kwargs}
    ).sync_engine

    @event.listens_for(sync_engine, "connect")
    def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
        # aiosqlite: take over transaction control so BEGIN is ours to issue.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(BUSY_TIMEOUT_SECONDS * 1000)}")
        cur.close()

    @event.listens_for(sync_engine, "begin")
    def _sqlite_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")

    return RelayEngine(sync_engine)
