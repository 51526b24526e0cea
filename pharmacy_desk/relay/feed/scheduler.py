"""When each store's feed is staged: deltas, right after a stock import, and the daily full resend.

Every ``check_seconds`` the scheduler looks at each feed store (``stores[].feed = true``):

- a **full resend** when the last one is older than ``feed.full_hours`` (or never happened: a new
  relay sends everything once);
- else a **delta** when the last one is older than ``feed.interval_minutes``, when the stock's mark
  changed (a ``stock import`` ran, in this process or another), or when :meth:`FeedScheduler.request`
  asked for one.

A delta stages only the SKUs whose figure or price changed (:func:`.queue.stage`); the worker is
woken right after. When the stock cannot be read, ``feed_stores.last_error`` says why and the next
look tries again. ``feed_stores`` keeps the times, so a restart does not resend everything.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.feed import queue
from pharmacy_desk.relay.feed.source import FeedReader, FeedSourceError
from pharmacy_desk.relay.outbox.worker import utc_now
from pharmacy_desk.relay.storage.schema import feed_stores

logger = logging.getLogger("pharmacy_desk.relay.feed")


@dataclass(frozen=True, slots=True)
class StagedRun:
    store: str
    full: bool
    report: queue.StageReport


class FeedScheduler:
    def __init__(
        self,
        engine: AsyncEngine,
        reader: FeedReader,
        stores: Sequence[str],
        *,
        interval: timedelta,
        full_every: timedelta,
        check_seconds: float,
        on_staged: Callable[[], None] | None = None,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._engine = engine
        self.reader = reader
        self.stores = list(stores)
        self._interval = interval
        self._full_every = full_every
        self._check = check_seconds
        self._on_staged = on_staged
        self._clock = clock
        self._requested: set[str] = set()
        self._wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self._lock = asyncio.Lock()

    def request(self, store: str) -> None:
        """Stage a delta for ``store`` at once (after a stock import in this process)."""
        self._requested.add(store)
        self._wake.set()

    async def start(self) -> None:
        self._runner = asyncio.create_task(self._run(), name="feed-scheduler")

    async def stop(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner

    async def _run(self) -> None:
        while True:
            self._wake.clear()
            try:
                await self.tick()
            except Exception:
                logger.exception("feed: scheduling failed; again in %g s", self._check)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self._check):
                    await self._wake.wait()

    async def tick(self) -> list[StagedRun]:
        """Stage what is due for every store now."""
        runs: list[StagedRun] = []
        async with self._lock:
            for store in self.stores:
                run = await self._tick_store(store)
                if run is not None:
                    runs.append(run)
        if runs and self._on_staged is not None:
            self._on_staged()
        return runs

    async def stage_now(self, store: str, *, full: bool) -> StagedRun | None:
        """Stage ``store`` now (a delta or a full resend) whatever the times say."""
        async with self._lock:
            run = await self._tick_store(store, force_full=full, force_delta=True)
        if run is not None and self._on_staged is not None:
            self._on_staged()
        return run

    async def _tick_store(self, store: str, *, force_full: bool = False, force_delta: bool = False) -> StagedRun | None:
        now = queue.utc(self._clock())
        async with self._engine.connect() as conn:
            row = (await conn.execute(select(feed_stores).where(feed_stores.c.store == store))).one_or_none()
        try:
            mark = await self.reader.stock_mark(store)
            last_full = queue.utc(row.last_full_at) if row is not None and row.last_full_at is not None else None
            last_delta = queue.utc(row.last_delta_at) if row is not None and row.last_delta_at is not None else None
            full = force_full or last_full is None or now - last_full >= self._full_every
            requested = store in self._requested
            delta = (
                force_delta
                or requested
                or last_delta is None
                or now - last_delta >= self._interval
                or (row is not None and row.stock_mark != mark)
            )
            if not (full or delta):
                return None
            self._requested.discard(store)
            lines = await self.reader.lines(store)
            report = await queue.stage(
                self._engine, store, {line.sku: line.values() for line in lines}, full=full, now=now
            )
        except FeedSourceError as exc:
            await self._remember(store, row is not None, now, error=str(exc))
            return None
        except Exception as exc:
            logger.exception("feed: store %s: the stock could not be read", store)
            await self._remember(store, row is not None, now, error=f"{type(exc).__name__}: {exc}"[:500])
            return None
        await self._remember(store, row is not None, now, mark=mark, full=full)
        logger.info(
            "feed: store %s: %s staged %d record(s) (%d new, %d unchanged)",
            store,
            "full resend" if full else "delta",
            report.staged,
            report.inserted,
            report.unchanged,
        )
        return StagedRun(store, full, report)

    async def _remember(
        self,
        store: str,
        exists: bool,
        now: datetime,
        *,
        mark: str | None = None,
        full: bool = False,
        error: str | None = None,
    ) -> None:
        values: dict[str, object] = {"updated_at": now, "last_error": error}
        if error is None:
            values.update(last_delta_at=now, stock_mark=mark)
            if full:
                values["last_full_at"] = now
        async with self._engine.begin() as conn:
            if exists:
                await conn.execute(update(feed_stores).where(feed_stores.c.store == store).values(values))
            else:
                await conn.execute(insert(feed_stores).values(store=store, **values))
