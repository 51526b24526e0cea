"""Database engine for the relay: SQLite by default (WAL, durable commits), PostgreSQL for a chain.

``sqlite+aiosqlite:///path/relay.sqlite3`` or ``postgresql+asyncpg://user@host/db``: the same code runs
on both. On SQLite every connection gets ``journal_mode=WAL``, ``synchronous=FULL`` (a commit is on
disk before the relay answers Kuper), ``foreign_keys=ON`` and a busy timeout; writes take the database
lock at ``BEGIN`` (``BEGIN IMMEDIATE``) so concurrent writers queue instead of failing mid-transaction.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine


def is_sqlite(url: str) -> bool:
    return url.startswith("sqlite")


def create_engine(url: str, **kwargs: Any) -> AsyncEngine:
    if is_sqlite(url):
        engine = create_async_engine(url, connect_args={"timeout": 30}, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            # aiosqlite: take over transaction control so BEGIN IMMEDIATE is ours to issue.
            dbapi_conn.isolation_level = None
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA synchronous=FULL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _sqlite_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)
