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

:func:`take_turn` is for periodic jobs (the pull reconciliation of a store, the no-show sweep): every
process keeps its own timer, and the first one due takes the job's turn by a conditional ``UPDATE`` of
its ``worker_jobs`` row (``last_run_at`` older than the interval); the others find the row updated and
skip, so the job runs once per interval whatever the number of processes, and a dead process's turn
goes to the next one that is due. The same on SQLite (where there is one process: always its turn
when due).
"""

from __future__ import annotations

import contextlib
import os
import socket
from collections.abc import AsyncIterator
from datetime import datetime, timedelta

from sqlalchemy import insert, text, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.storage.schema import worker_jobs
from pharmacy_desk.relay.timeutil import utcnow

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


TURN_SLACK = 0.9
"""A turn is free once ``last_run_at`` is older than this share of the interval (timers drift a little)."""


def _process_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"[:100]


async def take_turn(engine: AsyncEngine, job: str, every: timedelta, *, now: datetime | None = None) -> bool:
    """Whether this process runs ``job`` now: True for the first process due in each ``every``.

    One short transaction: ``UPDATE worker_jobs SET last_run_at = now WHERE job = … AND last_run_at <=
    now - every·0.9`` (the row is created on first use). Two processes asking together: PostgreSQL
    makes the second ``UPDATE`` wait for the first and re-check its condition, which then fails.
    """
    moment = now or utcnow()
    stale = moment - every * TURN_SLACK
    async with engine.begin() as conn:
        taken = await conn.execute(
            update(worker_jobs)
            .where(worker_jobs.c.job == job, worker_jobs.c.last_run_at <= stale)
            .values(last_run_at=moment, process=_process_name())
        )
        if taken.rowcount == 1:
            return True
    try:
        async with engine.begin() as conn:
            await conn.execute(insert(worker_jobs).values(job=job, last_run_at=moment, process=_process_name()))
    except IntegrityError:  # the row is there: another process ran the job within the interval
        return False
    return True
