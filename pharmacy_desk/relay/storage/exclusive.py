"""Work that one relay process at a time may do, when several share a PostgreSQL database.

:func:`exclusive` holds a transaction-level advisory lock (``pg_try_advisory_xact_lock``) on
``(namespace, key)`` for as long as the block runs: another process asking for the same pair gets
``False`` at once and skips the work (like ``SKIP LOCKED`` skips a locked row), and a process that dies
drops its lock with its connection. Unlike a row lock it does not block other transactions that write
the row the work is about, so the block may use other connections freely. On SQLite (one relay
process) it always yields ``True``.

Namespaces (the first key of the pair; any constant shared by all relay processes):
:data:`STOCK_RETRIES` (:mod:`pharmacy_desk.relay.stock.retries`). The outbox claims its rows with
``FOR UPDATE SKIP LOCKED`` itself (:mod:`pharmacy_desk.relay.outbox.worker`).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

STOCK_RETRIES = 0x73746B72  # "stkr"

_TRY = text("SELECT pg_try_advisory_xact_lock(:namespace, :key)")


@contextlib.asynccontextmanager
async def exclusive(engine: AsyncEngine, namespace: int, key: int) -> AsyncIterator[bool]:
    """``True`` (and the lock held until the block ends) when no other process holds ``(namespace, key)``."""
    if engine.dialect.name != "postgresql":
        yield True
        return
    async with engine.connect() as conn:
        got = bool((await conn.execute(_TRY, {"namespace": namespace, "key": key & 0x7FFFFFFF})).scalar_one())
        try:
            yield got
        finally:
            await conn.rollback()  # ends the transaction: the lock goes with it
