"""Sends due ``feed_items`` rows to Kuper: batched, paced, retried, one request per row at a time.

A pass claims a batch of one kind (stock, then price, alternating) — at most ``max_records``
records from at most ``max_stores`` stores — and sends it as one ``PUT``; up to ``concurrency``
requests are in flight. Every request takes a slot of the shared
:class:`~pharmacy_desk.kuper.ratelimit.RequestPacer` (≤ ``feed.rate_per_second`` for the relay), and
a 429 pauses the pacer for the ``Retry-After``. What Kuper answered goes to the rows
(:mod:`.queue`): sent, retrying with back-off (never sooner than ``Retry-After``), or failed with
Kuper's answer kept. Between passes the worker sleeps until the earliest unsent row is due
(:func:`.queue.next_due`: a retry's back-off, a lease running out), woken early by
:meth:`FeedWorker.notify` (this process staged records) and at the latest after ``poll_interval`` (the
safety poll, 30 s: records staged by another process, e.g. ``stock import``, are found by then). An idle
feed costs one look per ``poll_interval``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.kuper.content_wire import PriceRecord, StockRecord
from pharmacy_desk.kuper.results import SendOutcome, SendResult
from pharmacy_desk.relay.feed import queue
from pharmacy_desk.relay.feed.queue import Claimed, FeedKind
from pharmacy_desk.relay.outbox.worker import ExponentialBackoff, utc_now

logger = logging.getLogger("pharmacy_desk.relay.feed")


class ContentSender(Protocol):
    """What the worker needs of :class:`~pharmacy_desk.kuper.content.ContentClient`."""

    async def put_stocks(self, records: Sequence[StockRecord], /) -> SendResult: ...

    async def put_prices(self, records: Sequence[PriceRecord], /) -> SendResult: ...


SAFETY_POLL_SECONDS = 30.0
_MIN_SLEEP = 0.05  # seconds: a row due "now" that another process holds is not looked at in a busy loop


class FeedWorker:
    """Drains ``feed_items`` for the stores in ``outlets`` (``{store: kuper_outlet_id}``)."""

    def __init__(
        self,
        engine: AsyncEngine,
        client: ContentSender,
        outlets: dict[str, str],
        *,
        max_records: int = 1000,
        max_stores: int = 10,
        concurrency: int = 4,
        poll_interval: float = SAFETY_POLL_SECONDS,
        backoff: Callable[[int, float | None], float] | None = None,
        clock: Callable[[], datetime] = utc_now,
        send_timeout: float = 120.0,
    ) -> None:
        self._engine = engine
        self._client = client
        self.outlets = dict(outlets)
        self._max_records = max_records
        self._max_stores = max_stores
        self._concurrency = concurrency
        self._poll = poll_interval
        self._backoff = backoff if backoff is not None else ExponentialBackoff(base=2.0, cap=300.0)
        self._clock = clock
        self._send_timeout = send_timeout
        self._lock_rows = engine.dialect.name == "postgresql"
        self._wake = asyncio.Event()
        self._slots = asyncio.Semaphore(concurrency)
        self._tasks: set[asyncio.Task[None]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self.requests = 0
        self.last_result: SendResult | None = None

    @property
    def running(self) -> bool:
        return self._runner is not None and not self._runner.done()

    def notify(self) -> None:
        self._wake.set()

    async def start(self) -> None:
        if self.running:
            raise RuntimeError("the feed worker is already running")
        if not self._lock_rows:  # one relay process on SQLite: what was being sent is sent again
            recovered = await queue.recover(self._engine, now=self._clock())
            if recovered:
                logger.info("feed: %d record(s) left mid-send by the last run go out again", recovered)
        self._stopping = False
        self._wake.set()
        self._runner = asyncio.create_task(self._run(), name="feed-worker")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        runner, self._runner = self._runner, None
        if runner is not None:
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await runner
        for task in list(self._tasks):
            task.cancel()
        if self._tasks:
            await asyncio.gather(*self._tasks, return_exceptions=True)

    async def run_once(self) -> int:
        """Send everything due now (tests, benchmark, CLI); returns the requests made."""
        before = self.requests
        while await self._dispatch():
            pass
        if self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
        return self.requests - before

    async def drain(self) -> int:
        """Keep sending until nothing is due (waits out retries that come due within the pass)."""
        before = self.requests
        while await self.run_once():
            pass
        return self.requests - before

    # --- loop ---------------------------------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                while await self._dispatch():
                    pass
            except Exception:
                logger.exception("feed: could not look for due records; again in %g s", self._poll)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(await self._sleep_for()):
                    await self._wake.wait()

    async def _sleep_for(self) -> float:
        """Seconds until the earliest unsent row is due, within the safety poll."""
        if self._wake.is_set():
            return 0.0
        try:
            due = await queue.next_due(self._engine, sorted(self.outlets))
        except Exception:
            logger.exception("feed: could not read when the next record is due; again in %g s", self._poll)
            return self._poll
        if due is None:
            return self._poll
        return min(self._poll, max(_MIN_SLEEP, (due - self._clock()).total_seconds()))

    async def _dispatch(self) -> bool:
        """Claim one batch per kind while slots are free; True when something was started."""
        started = False
        for kind in (FeedKind.STOCK, FeedKind.PRICE):
            if self._stopping:
                return False
            await self._slots.acquire()
            try:
                batch = await queue.claim(
                    self._engine,
                    kind,
                    sorted(self.outlets),
                    now=self._clock(),
                    max_records=self._max_records,
                    max_stores=self._max_stores,
                    lock_rows=self._lock_rows,
                )
            except BaseException:
                self._slots.release()
                raise
            if not batch:
                self._slots.release()
                continue
            task = asyncio.create_task(self._send(kind, batch), name=f"feed-{kind.value}")
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
            started = True
        return started

    async def _send(self, kind: FeedKind, batch: list[Claimed]) -> None:
        try:
            result = await self._request(kind, batch)
            self.requests += 1
            self.last_result = result
            await self._record(batch, result)
        except Exception:
            logger.exception("feed: recording a %s batch failed; the rows go out again after their lease", kind)
        finally:
            self._slots.release()
            self._wake.set()

    async def _request(self, kind: FeedKind, batch: list[Claimed]) -> SendResult:
        try:
            if kind is FeedKind.STOCK:
                stocks = [StockRecord.model_validate(c.record(self.outlets[c.store])) for c in batch]
                call: Any = self._client.put_stocks(stocks)
            else:
                prices = [PriceRecord.model_validate(c.record(self.outlets[c.store])) for c in batch]
                call = self._client.put_prices(prices)
        except (ValidationError, KeyError, ValueError) as exc:
            return SendResult(SendOutcome.FAILED, f"a stored record is not valid for Kuper: {exc}")
        try:
            async with asyncio.timeout(self._send_timeout):
                result: SendResult = await call
                return result
        except TimeoutError:
            return SendResult(SendOutcome.RETRY, f"Kuper did not answer within {self._send_timeout:g} s")

    async def _record(self, batch: list[Claimed], result: SendResult) -> None:
        now = self._clock()
        async with self._engine.begin() as conn:
            if result.outcome in (SendOutcome.DONE, SendOutcome.DUPLICATE):
                await queue.record_sent(conn, batch, status_code=result.status_code or 200, now=now)
            elif result.outcome is SendOutcome.FAILED:
                error = result.response_body or result.message
                await queue.record_failed(conn, batch, error=error, status_code=result.status_code, now=now)
            else:
                attempts = max(c.attempts for c in batch) + 1
                delay = max(0.0, float(self._backoff(attempts, result.retry_after)))
                await queue.record_retry(
                    conn,
                    batch,
                    error=result.message,
                    status_code=result.status_code,
                    next_attempt_at=now + timedelta(seconds=delay),
                )
        kind = batch[0].kind.value
        stores = len({c.store for c in batch})
        if result.outcome in (SendOutcome.DONE, SendOutcome.DUPLICATE):
            logger.info("feed: %d %s record(s) of %d store(s) sent", len(batch), kind, stores)
        elif result.outcome is SendOutcome.FAILED:
            logger.error("feed: Kuper refused %d %s record(s): %s", len(batch), kind, result.message[:500])
        else:
            logger.warning("feed: %d %s record(s) to retry: %s", len(batch), kind, result.message[:500])
