"""Stock effects that failed, retried until the stock source has the order's current state.

A failed effect (the source was down, slow, refused, answered garbage) leaves one ``stock_retries``
row per order. The loop does not replay the failed call: every source call is idempotent per order
and the source's own states make a late call harmless (a reserve after a release reserves nothing, an
adjust after a commit changes nothing), so it applies what the order's *current* snapshot needs:

==============================  ==========================================================
the order                       call
==============================  ==========================================================
canceled                        ``release``
goods left (``handed_over``)    ``commit(handed_over)``
open                            ``adjust(composition)`` (reserves when the source never saw it)
==============================  ==========================================================

Success deletes the row (unless the order changed meanwhile: then once more, at once) and hands the
result to ``on_success`` (clear the order's error flag; decide on a reservation that was never made).
Failure counts the attempt and waits longer: ``stock_retry_seconds`` × 2ⁿ, at most 10 minutes.

The loop sleeps until the earliest ``next_attempt_at`` (read once per pass), woken early by
:meth:`StockRetries.kick` (a failure remembered in this process, an order changed during a retry), with
a safety look every :data:`SAFETY_POLL_SECONDS` (another process's row after that process died).
Several relay processes: one of them retries an order (``exclusive``), the others skip it; a due row
that was skipped is looked at again after :data:`BUSY_PAUSE`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.domain import Order, OrderState, StockEffect, StockEffectKind
from pharmacy_desk.inventory import OutOfStockPolicy, StockOutcome, StockSource, apply_effect
from pharmacy_desk.relay.storage.exclusive import STOCK_RETRIES, exclusive
from pharmacy_desk.relay.storage.orders import get_order, lock_store
from pharmacy_desk.relay.storage.schema import orders, stock_retries
from pharmacy_desk.relay.timeutil import as_utc, utcnow

log = logging.getLogger("pharmacy_desk.relay.stock")

MAX_DELAY_SECONDS = 600.0
RECONCILE_WINDOW = timedelta(days=2)
_STOCK_FLAGS = frozenset({"stock_short", "out_of_stock", "stock_unavailable"})
_BATCH = 50
SAFETY_POLL_SECONDS = 60.0
BUSY_PAUSE = 1.0


def wanted_effect(order: Order) -> StockEffect:
    """The one call that brings the stock source to the order's current state."""
    if order.state is OrderState.CANCELED:
        return StockEffect(kind=StockEffectKind.RELEASE)
    if order.handed_over is not None:
        return StockEffect(kind=StockEffectKind.COMMIT, lines=order.handed_over)
    return StockEffect(kind=StockEffectKind.ADJUST, lines=order.composition)


@dataclass(frozen=True)
class Retried:
    """A retry that succeeded: the order as it was read, the outcome, and whether a decision is due."""

    order: Order
    outcome: StockOutcome
    decide: bool
    after_failure: bool = False  # a call had failed before (the staff were told); False: a start-up reconcile


class StockRetries:
    def __init__(
        self,
        engine: AsyncEngine,
        source: StockSource,
        *,
        policy_for: Callable[[str], OutOfStockPolicy],
        on_success: Callable[[Retried], Awaitable[None]],
        first_delay: float,
    ) -> None:
        self._engine = engine
        self._source = source
        self._policy_for = policy_for
        self._on_success = on_success
        self.first_delay = first_delay
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    def _delay(self, attempts: int) -> timedelta:
        return timedelta(seconds=min(self.first_delay * 2 ** max(0, attempts - 1), MAX_DELAY_SECONDS))

    # --- rows --------------------------------------------------------------------------------

    async def remember(self, store: str, number: str, error: str, *, decide: bool) -> bool:
        """Keep a failed effect's order for retrying; True when the order had no failure pending.

        Wakes the loop, which then sleeps until the row is due."""
        first = await self._remember(store, number, error, decide=decide)
        self.kick()
        return first

    async def _remember(self, store: str, number: str, error: str, *, decide: bool) -> bool:
        now = utcnow()
        async with self._engine.begin() as conn:
            await lock_store(conn, store)
            stored = await get_order(conn, store, number=number)
            if stored is None:
                return False
            row = (
                await conn.execute(
                    select(stock_retries.c.attempts, stock_retries.c.decide).where(
                        stock_retries.c.order_id == stored.id
                    )
                )
            ).first()
            due = now + self._delay(1)
            if row is None:
                await conn.execute(
                    insert(stock_retries).values(
                        order_id=stored.id,
                        store=store,
                        number=number,
                        decide=decide,
                        attempts=1,
                        next_attempt_at=due,
                        last_error=error,
                        created_at=now,
                    )
                )
                return True
            await conn.execute(
                update(stock_retries)
                .where(stock_retries.c.order_id == stored.id)
                .values(decide=row.decide or decide, next_attempt_at=due, last_error=error)
            )
            return False

    async def pending(self) -> list[tuple[str, str, int, str | None]]:
        """(store, number, attempts, last error) of every order waiting for a retry."""
        async with self._engine.connect() as conn:
            rows = await conn.execute(
                select(
                    stock_retries.c.store, stock_retries.c.number, stock_retries.c.attempts, stock_retries.c.last_error
                ).order_by(stock_retries.c.order_id)
            )
            return [(r.store, r.number, r.attempts, r.last_error) for r in rows]

    async def reconcile_recent(self, stores: Iterable[str], *, since: timedelta = RECONCILE_WINDOW) -> int:
        """Queue every order of ``stores`` changed within ``since`` for one reconciling call.

        Run at start: an effect whose order change committed just before the relay died never ran
        (the change and the call to the stock source cannot share a transaction). Every call is
        idempotent and brings the source to the order's current state, so reconciling orders that
        were already right changes nothing. A ``new`` order with no stock flag yet gets its
        reservation decision too (its reserve may never have run).
        """
        names = list(stores)
        if not names:
            return 0
        now = utcnow()
        async with self._engine.connect() as conn:
            pending = select(stock_retries.c.order_id)
            rows = (
                await conn.execute(
                    select(orders.c.id, orders.c.store, orders.c.number, orders.c.snapshot).where(
                        orders.c.store.in_(names),
                        orders.c.updated_at >= now - since,
                        orders.c.id.not_in(pending),
                    )
                )
            ).all()
        queued = 0
        for row in rows:
            order = Order.model_validate_json(row.snapshot)
            decide = order.state is OrderState.NEW and not set(order.flags) & _STOCK_FLAGS
            try:
                async with self._engine.begin() as conn:
                    exists = (
                        await conn.execute(select(stock_retries.c.order_id).where(stock_retries.c.order_id == row.id))
                    ).first()
                    if exists is not None:
                        continue
                    await conn.execute(
                        insert(stock_retries).values(
                            order_id=row.id,
                            store=row.store,
                            number=row.number,
                            decide=decide,
                            attempts=0,
                            next_attempt_at=now,
                            last_error=None,
                            created_at=now,
                        )
                    )
            except IntegrityError:  # another relay process starting at the same moment queued it first
                continue
            queued += 1
        if queued:
            log.info("stock: %d recent orders queued to reconcile with the stock source", queued)
            self.kick()
        return queued

    # --- the loop ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._loop(), name="relay-stock-retries")

    def kick(self) -> None:
        self._wake.set()

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _loop(self) -> None:
        while True:
            self._wake.clear()
            wait = SAFETY_POLL_SECONDS
            try:
                await self.run_due()
                wait = await self._until_next()
            except Exception:
                wait = min(self.first_delay, 5.0)
                log.exception("stock retries failed; trying again in %g s", wait)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _until_next(self) -> float:
        """Seconds until the earliest retry is due (at most the safety poll)."""
        async with self._engine.connect() as conn:
            due = (
                await conn.execute(
                    select(stock_retries.c.next_attempt_at).order_by(stock_retries.c.next_attempt_at).limit(1)
                )
            ).scalar_one_or_none()
        if due is None:
            return SAFETY_POLL_SECONDS
        delay = (as_utc(due) - utcnow()).total_seconds()
        if delay <= 0:  # due and still there: another process is retrying it (or it failed again just now)
            return BUSY_PAUSE
        return min(SAFETY_POLL_SECONDS, delay)

    async def run_due(self, now: datetime | None = None) -> int:
        """Retry every order whose retry is due; how many succeeded."""
        moment = now or utcnow()
        async with self._engine.connect() as conn:
            rows = (
                await conn.execute(
                    select(stock_retries)
                    .where(stock_retries.c.next_attempt_at <= moment)
                    .order_by(stock_retries.c.next_attempt_at)
                    .limit(_BATCH)
                )
            ).all()
        done = 0
        for row in rows:
            failed = row.last_error is not None or row.attempts > 0
            done += await self._retry(row.order_id, row.store, row.number, row.attempts, row.decide, failed)
        return done

    async def _retry(
        self, order_id: int, store: str, number: str, attempts: int, decide: bool, failed: bool = False
    ) -> int:
        # several relay processes on one PostgreSQL: one of them retries an order, the others skip it
        async with exclusive(self._engine, STOCK_RETRIES, order_id) as mine:
            if not mine:
                return 0
            async with self._engine.connect() as conn:
                untouched = (
                    await conn.execute(
                        select(stock_retries.c.decide).where(
                            stock_retries.c.order_id == order_id, stock_retries.c.attempts == attempts
                        )
                    )
                ).first()
            if untouched is None:  # another process retried it meanwhile (done, or failed once more)
                return 0
            return await self._retry_alone(order_id, store, number, attempts, bool(untouched.decide), failed)

    async def _retry_alone(
        self, order_id: int, store: str, number: str, attempts: int, decide: bool, failed: bool = False
    ) -> int:
        async with self._engine.connect() as conn:
            stored = await get_order(conn, store, number=number)
        if stored is None:
            async with self._engine.begin() as conn:
                await conn.execute(delete(stock_retries).where(stock_retries.c.order_id == order_id))
            return 0
        order = stored.order
        outcome = await apply_effect(self._source, store, order, wanted_effect(order), self._policy_for(store))
        now = utcnow()
        async with self._engine.begin() as conn:
            if outcome.failed:
                log.info("stock retry %d for %s/%s failed: %s", attempts, store, number, outcome.error)
                await conn.execute(
                    update(stock_retries)
                    .where(stock_retries.c.order_id == order_id)
                    .values(
                        attempts=attempts + 1, next_attempt_at=now + self._delay(attempts + 1), last_error=outcome.error
                    )
                )
                return 0
            version = (await conn.execute(select(orders.c.version).where(orders.c.id == order_id))).scalar_one()
            if version != order.version:  # changed meanwhile: bring the source to the newest state too
                await conn.execute(
                    update(stock_retries)
                    .where(stock_retries.c.order_id == order_id)
                    .values(next_attempt_at=now, decide=False)  # decided below, once
                )
                self.kick()
            else:
                await conn.execute(delete(stock_retries).where(stock_retries.c.order_id == order_id))
        log.info("stock retry for %s/%s succeeded (%s)", store, number, outcome.kind)
        await self._on_success(Retried(order=order, outcome=outcome, decide=decide, after_failure=failed))
        return 1
