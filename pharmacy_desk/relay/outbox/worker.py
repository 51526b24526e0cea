"""The durable outbox sender: notifications to Kuper, FIFO per order, retried until Kuper has them.

Staff actions write a row to ``outbox`` in the same transaction as the order change (status
``pending``, ``next_attempt_at`` = now); :class:`OutboxWorker` sends the rows to Kuper through
:class:`~pharmacy_desk.kuper.client.KuperClient` and records what Kuper answered.

State machine of one row (``outbox.status``)::

    pending ──200/202──────────────────────────────▶ done
       │  └──429/5xx/time-out/network/401 twice──▶ retrying ──(due again)──▶ sent again ─▶ …
       └──400/404/422 (Kuper's error body kept)──▶ failed ──reset_for_retry (staff)──▶ pending

- ``done``: Kuper answered 200, or 202 ("already processed": a duplicate counts as success).
  A row is marked done only *after* Kuper answered; if the relay dies mid-send the row is still
  pending and is sent again on restart (Kuper's 202 makes the repeat safe).
- ``retrying``: 408/425/429, 5xx, a time-out, a connection error, or Kuper refusing our credentials
  even after the client's one token refresh (``last_error`` then starts with "Kuper rejected our
  credentials"). ``attempts`` + 1, ``next_attempt_at`` = now + back-off. Retried **forever**.
- **422 / 405 first ask Kuper** (``GET /ofm/api/v1/shipments/{originalOrderId}/state``): Kuper answers
  422 to a repeat (our answer was lost, we sent again) and to an out-of-order notification, and 405 to
  one the store's integration type does not take. When Kuper's state is at or past what the
  notification announces (:func:`~pharmacy_desk.kuper.vocabulary.kuper_already_has`) the row is
  ``done`` ("Купер уже знает"), no staff alarm; otherwise ``failed`` with Kuper's error. A 405 that
  stays a failure also raises a store alert naming the per-store switch that turns the event off.
- ``failed``: 400/404/422 and any other answer the client classifies as final. ``last_error`` keeps
  Kuper's error body, ``last_status_code`` the status. Also a stored body that is not a notification
  we would send (no request is made; ``last_status_code`` is NULL). Never retried until a staff action
  calls :func:`reset_for_retry` (``failed`` → ``pending``, due now).

Every state change appends a ``notification`` event to the store's stream log in the same
transaction (:func:`pharmacy_desk.relay.storage.store_log.append_event`), then calls ``publish(store)``.

Order: FIFO per order (``outbox.id`` within ``order_id``), orders in parallel (``concurrency``, 8 by
default). A row is sent only when every earlier row of its order is ``done``: a pending, retrying or
failed row holds the rows after it (a failed one until a human retries it); other orders go on.

Back-off (:class:`ExponentialBackoff`, defaults): after the n-th attempt the delay is
``min(600, 5 · 2^(n-1))`` seconds times a random factor in ``(0.75, 1]`` (jitter), i.e. about
5 s, 10 s, 20 s, 40 s, 80 s, 160 s, 320 s, then 10 min for ever. A ``Retry-After`` from Kuper is
respected: the delay is never shorter than it (a ``Retry-After`` above 1 h is taken as 1 h).

Claiming (two relay processes): on PostgreSQL a row is claimed with ``SELECT … FOR UPDATE SKIP
LOCKED`` in a transaction that stays open while the row is being sent and commits its new state
with the store event; another process skips the locked row, and because the "earlier rows are done"
check sees the locked row as not done, it cannot jump ahead to the next row of that order. If the
process dies, PostgreSQL rolls the transaction back and the row is free at once (no lease to expire).
On SQLite (one relay process) rows are read and updated in short transactions (a write transaction
must never stay open during an HTTP call: it would block every other writer); the worker's in-memory
set of orders in flight keeps one order on one task, and the final update is a compare-and-set on
``(status, attempts)``.

Time-outs: the client has connect/read/write/pool time-outs; the worker also bounds every send with
``send_timeout`` (``asyncio.timeout``: Python 3.11's ``asyncio.wait_for`` can swallow a cancellation,
which would make :meth:`OutboxWorker.stop` hang). A send cut by it is retried like a 5xx.

Wake-ups: the worker sleeps until its next due row, read once per pass (the earliest
``next_attempt_at`` of a row it could send: not held by an earlier row of its order, not being sent by
this process, on PostgreSQL not locked by another process's send), and is woken early by

- :meth:`OutboxWorker.notify`: this process committed new outbox rows (or a staff retry);
- PostgreSQL: the ``pharmacy_desk_outbox`` notification (a trigger of migration ``0009``, sent at the
  commit of any process's transaction that inserts rows or puts one back to ``pending``), heard on the
  process's one ``LISTEN`` connection (:mod:`pharmacy_desk.relay.stream.listener`), which calls
  :meth:`OutboxWorker.notify`; after that connection was lost and is back, once more (a wake-up may
  have been missed);
- the end of a send in this process (the order's next row, a free slot).

A slow safety poll (``poll_interval``, 30 s) finds what a lost wake-up left behind (a notification
while the ``LISTEN`` connection was down, another process's retry after it died). Idle, the worker
costs one look every ``poll_interval``. A look that fails is repeated after at most
:data:`ERROR_PAUSE` seconds.

Timestamps are written in UTC (SQLite keeps no time zone: write ``datetime.now(UTC)``, never a local time).
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import Row, exists, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.orm import aliased

from pharmacy_desk.kuper.errors import NotificationFormatError
from pharmacy_desk.kuper.nested import AnyNotification, NestedNotification, parse_any_notification
from pharmacy_desk.kuper.results import SendOutcome, SendResult, describe_kuper_error
from pharmacy_desk.kuper.shipments import ShipmentState
from pharmacy_desk.kuper.vocabulary import kuper_already_has
from pharmacy_desk.relay.outbox.kuper_wire import switch_for
from pharmacy_desk.relay.storage.pickup_secret import sent_body
from pharmacy_desk.relay.storage.schema import orders, outbox
from pharmacy_desk.relay.storage.store_log import append_event
from pharmacy_desk.relay.stream import events as stream_events

logger = logging.getLogger("pharmacy_desk.relay.outbox.worker")

EVENT_KIND = "notification"
"""``store_events.kind`` of the events this module appends."""
SAFETY_POLL_SECONDS = 30.0
"""How often an idle worker looks for due rows without being woken (a wake-up may be lost)."""
ERROR_PAUSE = 5.0
"""Seconds before the next look after a look failed (the database is away)."""
MIN_WAIT = 0.01
"""The shortest sleep between two passes (a row that became due while the pass read)."""
CREDENTIALS_ERROR = "Kuper rejected our credentials"
"""How ``last_error`` starts when Kuper refused our token even after a refresh."""


class OutboxStatus(StrEnum):
    """``outbox.status``."""

    PENDING = "pending"
    RETRYING = "retrying"
    DONE = "done"
    FAILED = "failed"


_SENDABLE = (OutboxStatus.PENDING.value, OutboxStatus.RETRYING.value)


class NotificationSender(Protocol):
    """What the worker needs from :class:`~pharmacy_desk.kuper.client.KuperClient`."""

    async def send_notification(self, notification: AnyNotification, /) -> SendResult: ...


class StateReader(Protocol):
    """Kuper's order state (the client has it; a sender without it skips the 422/405 check)."""

    async def shipment_state(self, order_id: str, /) -> tuple[ShipmentState | None, SendResult]: ...


_CHECKED_STATUSES = frozenset({405, 422})
KUPER_KNOWS = "Купер уже знает"
"""How the message of a 422/405 that Kuper's state shows as already known starts."""


Clock = Callable[[], datetime]
"""Returns the current time, time-zone aware."""
Backoff = Callable[[int, float | None], float]
"""``(attempts so far, Retry-After seconds or None) -> seconds until the next attempt``."""
Publish = Callable[[str], Awaitable[None] | None]
"""``publish(store)``: an in-process wake-up for the store's event stream (sync or async)."""


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def _utc(value: datetime) -> datetime:
    """An aware UTC datetime (SQLite gives back naive ones, which are UTC here)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class ExponentialBackoff:
    """``min(cap, base · 2^(attempts-1))`` seconds times a random factor in ``(1 - jitter, 1]``.

    With ``retry_after`` (Kuper's ``Retry-After``) the delay is at least ``min(retry_after,
    retry_after_cap)``. The delays grow strictly until the cap as long as ``jitter < 0.5``.
    """

    base: float = 5.0
    cap: float = 600.0
    jitter: float = 0.25
    retry_after_cap: float = 3600.0
    rng: random.Random = field(default_factory=random.Random, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.base <= 0 or self.cap < self.base:
            raise ValueError("back-off needs 0 < base <= cap")
        if not 0 <= self.jitter < 1:
            raise ValueError("back-off jitter must be in [0, 1)")

    def nominal(self, attempts: int) -> float:
        """The delay before jitter after ``attempts`` attempts (1 → ``base``)."""
        exponent = min(max(attempts, 1) - 1, 64)  # 2**64 · base is past any cap
        return float(min(self.cap, self.base * 2.0**exponent))

    def __call__(self, attempts: int, retry_after: float | None = None) -> float:
        delay = self.nominal(attempts)
        if self.jitter:
            delay *= 1.0 - self.jitter * self.rng.random()  # random() in [0, 1): factor in (1 - jitter, 1]
        if retry_after is not None and retry_after > 0:
            delay = max(delay, min(retry_after, self.retry_after_cap))
        return delay


# --- rows and events ---------------------------------------------------------------------------


def _event_payload(
    *,
    outbox_id: int,
    order_id: int,
    event_type: str,
    status: str,
    attempts: int,
    last_error: str | None,
    last_status_code: int | None,
    next_attempt_at: datetime,
) -> dict[str, Any]:
    return {
        "outbox_id": outbox_id,
        "order_id": order_id,
        "event_type": event_type,
        "status": status,
        "attempts": attempts,
        "last_error": last_error,
        "last_status_code": last_status_code,
        "next_attempt_at": _utc(next_attempt_at).isoformat(),
    }


async def enqueue_notification(
    conn: AsyncConnection,
    *,
    store: str,
    order_id: int,
    notification: AnyNotification,
    now: datetime | None = None,
) -> int:
    """Insert a pending outbox row (and its stream event) in the caller's transaction; returns its id.

    Call :meth:`OutboxWorker.notify` after the commit so it goes out at once.
    """
    when = _utc(now or utc_now())
    event_type = notification.event_type.value
    values = {
        "store": store,
        "order_id": order_id,
        "event_type": event_type,
        "body": notification.to_json().decode(),
        "status": OutboxStatus.PENDING.value,
        "attempts": 0,
        "next_attempt_at": when,
        "created_at": when,
    }
    outbox_id = int((await conn.execute(insert(outbox).values(values).returning(outbox.c.id))).scalar_one())
    payload = _event_payload(
        outbox_id=outbox_id,
        order_id=order_id,
        event_type=event_type,
        status=OutboxStatus.PENDING.value,
        attempts=0,
        last_error=None,
        last_status_code=None,
        next_attempt_at=when,
    )
    await append_event(conn, store, EVENT_KIND, payload, order_id=order_id)
    return outbox_id


async def reset_for_retry(conn: AsyncConnection, outbox_id: int, *, now: datetime | None = None) -> bool:
    """Put a ``failed`` row back to ``pending``, due now, in the caller's transaction (a staff action).

    Appends the store event; returns ``False`` (and changes nothing) when the row does not exist or
    is not ``failed``. ``attempts``, ``last_error`` and ``last_status_code`` are kept as history.
    After the commit, call :meth:`OutboxWorker.notify` (and the stream's publish) so it goes out at once.
    """
    when = _utc(now or utc_now())
    stmt = (
        update(outbox)
        .where(outbox.c.id == outbox_id, outbox.c.status == OutboxStatus.FAILED.value)
        .values(status=OutboxStatus.PENDING.value, next_attempt_at=when)
        .returning(
            outbox.c.store,
            outbox.c.order_id,
            outbox.c.event_type,
            outbox.c.attempts,
            outbox.c.last_error,
            outbox.c.last_status_code,
        )
    )
    row = (await conn.execute(stmt)).one_or_none()
    if row is None:
        return False
    payload = _event_payload(
        outbox_id=outbox_id,
        order_id=row.order_id,
        event_type=row.event_type,
        status=OutboxStatus.PENDING.value,
        attempts=row.attempts,
        last_error=row.last_error,
        last_status_code=row.last_status_code,
        next_attempt_at=when,
    )
    await append_event(conn, row.store, EVENT_KIND, payload, order_id=row.order_id)
    logger.info("outbox %d (order %d, %s): reset for retry by staff", outbox_id, row.order_id, row.event_type)
    return True


async def retry_failed(target: AsyncEngine | AsyncConnection, outbox_id: int, *, now: datetime | None = None) -> bool:
    """:func:`reset_for_retry` in its own transaction (an engine) or in the caller's (a connection)."""
    if isinstance(target, AsyncConnection):
        return await reset_for_retry(target, outbox_id, now=now)
    async with target.begin() as conn:
        return await reset_for_retry(conn, outbox_id, now=now)


def _earlier_not_done() -> Any:
    """``EXISTS`` an earlier row of the same order that is not done (the row must wait)."""
    earlier = aliased(outbox)
    return exists().where(
        earlier.c.order_id == outbox.c.order_id,
        earlier.c.id < outbox.c.id,
        earlier.c.status != OutboxStatus.DONE.value,
    )


@dataclass(frozen=True, slots=True)
class _Change:
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None
    last_error: str | None
    delay: float | None


# --- the worker ----------------------------------------------------------------------------------


async def _finish(tasks: set[asyncio.Task[Any]], grace: float) -> None:
    """Wait ``grace`` seconds for ``tasks``, then cancel them until they end (re-cancelling, since a
    cancellation can be swallowed by a library below)."""
    _, pending = await asyncio.wait(tasks, timeout=grace) if grace > 0 else (set(), set(tasks))
    rounds = 0
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=1.0)
        rounds += 1
        if pending and rounds >= 10:
            logger.error("outbox: %d task(s) did not end after cancellation; leaving them", len(pending))
            return


class OutboxWorker:
    """Sends due outbox rows to Kuper: FIFO per order, orders in parallel, retried until done.

    ``engine``: the relay's engine (:func:`pharmacy_desk.relay.storage.db.create_engine`);
    ``kuper_client``: a :class:`~pharmacy_desk.kuper.client.KuperClient` (anything with its
    ``send_notification``); ``publish(store)``: called after every committed state change;
    ``clock``/``backoff``: for tests; ``concurrency``: orders sent at the same time;
    ``poll_interval``: the safety poll, seconds between looks when nothing woke the worker and no row is
    due sooner (it sleeps until the next due row otherwise); ``send_timeout``: a guard
    around each ``send_notification`` call on top of the client's own HTTP time-outs (one call may
    fetch a token, post, refresh after a 401 and post again: keep it above 4× the client's time-out).
    """

    def __init__(
        self,
        engine: AsyncEngine,
        kuper_client: NotificationSender,
        *,
        publish: Publish | None = None,
        clock: Clock = utc_now,
        backoff: Backoff | None = None,
        concurrency: int = 8,
        poll_interval: float = SAFETY_POLL_SECONDS,
        send_timeout: float = 120.0,
        stop_grace: float = 5.0,
    ) -> None:
        if concurrency < 1:
            raise ValueError("concurrency must be at least 1")
        if poll_interval <= 0 or send_timeout <= 0:
            raise ValueError("poll_interval and send_timeout must be positive")
        self._engine = engine
        self._client = kuper_client
        self._publish_cb = publish
        self._clock = clock
        self._backoff: Backoff = backoff if backoff is not None else ExponentialBackoff()
        self._concurrency = concurrency
        self._poll_interval = poll_interval
        self._send_timeout = send_timeout
        self._stop_grace = stop_grace
        # PostgreSQL: hold a row lock while sending (two processes); SQLite: short transactions.
        self._lock_rows = engine.dialect.name == "postgresql"
        self._wake = asyncio.Event()
        self._inflight: set[int] = set()  # order ids being sent by this process
        self._tasks: set[asyncio.Task[int]] = set()
        self._runner: asyncio.Task[None] | None = None
        self._stopping = False
        self.passes = 0  # looks for due rows by the background loop (tests, /health)
        self.wakes = 0  # notify() calls

    # --- public API ---------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        """True between :meth:`start` and :meth:`stop`."""
        return self._runner is not None and not self._runner.done()

    def notify(self) -> None:
        """Wake the worker now (call after committing new outbox rows or a reset; the listener calls it too)."""
        self.wakes += 1
        self._wake.set()

    async def start(self) -> None:
        """Start sending in the background (rows left pending by a previous run go out first)."""
        if self.running:
            raise RuntimeError("the outbox worker is already running")
        self._wake.set()
        self._runner = asyncio.create_task(self._run(), name="outbox-worker")
        logger.info(
            "outbox worker started (concurrency %d, safety poll every %g s, %s)",
            self._concurrency,
            self._poll_interval,
            "row locks" if self._lock_rows else "single process",
        )

    async def stop(self) -> None:
        """Stop looking for rows; give sends in flight ``stop_grace`` seconds, then cancel them.

        A send cancelled mid-way leaves its row as it was (pending/retrying): it is sent again later.
        """
        runner, self._runner = self._runner, None
        self._stopping = True  # the loops exit at their next check, without being cancelled mid-query
        self._wake.set()
        try:
            if runner is not None:
                await _finish({runner}, self._stop_grace)
            if self._tasks:
                await _finish(set(self._tasks), self._stop_grace)
        finally:
            self._stopping = False
        if runner is not None:
            logger.info("outbox worker stopped")

    async def run_once(self) -> int:
        """Send what is due now (each row at most once, following each order's rows in order).

        Returns the number of send attempts. Rows that become due during the pass (a retry's
        next attempt) wait for the next pass.
        """
        due_by = self._now()
        attempted: set[int] = set()
        running: set[asyncio.Task[int]] = set()
        sent = 0
        try:
            while True:
                running |= (await self._dispatch(due_by, attempted))[0]
                if not running:
                    return sent
                finished, running = await asyncio.wait(running, return_when=asyncio.FIRST_COMPLETED)
                sent += sum(task.result() for task in finished if not task.cancelled())
        finally:
            if running:  # the caller was cancelled or a look-up failed: stop this pass's sends
                await _finish(running, 0.0)

    async def retry_failed(self, outbox_id: int) -> bool:
        """Staff action in its own transaction: :func:`reset_for_retry`, then publish and wake up."""
        async with self._engine.begin() as conn:
            store = (await conn.execute(select(outbox.c.store).where(outbox.c.id == outbox_id))).scalar_one_or_none()
            done = store is not None and await reset_for_retry(conn, outbox_id, now=self._now())
        if done and store is not None:
            await self._publish(store)
            self.notify()
        return done

    # --- scheduling ---------------------------------------------------------------------------

    def _now(self) -> datetime:
        return _utc(self._clock())

    async def _run(self) -> None:
        while not self._stopping:
            self._wake.clear()
            try:
                wait = await self._pass()
            except Exception:
                wait = min(self._poll_interval, ERROR_PAUSE)
                logger.exception("outbox: could not look for due notifications; again in %g s", wait)
            if self._stopping:
                break
            # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that
            # arrives just as the awaited event is set.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait):
                    await self._wake.wait()

    async def _pass(self) -> float:
        """Start what is due; the seconds until the next due row (at most the safety poll)."""
        self.passes += 1
        _, next_due = await self._dispatch(None, None, look_ahead=True)
        if next_due is None:
            return self._poll_interval
        delay = (_utc(next_due) - self._now()).total_seconds()
        # <= 0: it became due between the two reads; a row another process is sending is skipped by both
        return min(self._poll_interval, max(delay, MIN_WAIT))

    def _due_rows(self, when: datetime | None) -> Any:
        """Rows that could be sent (by ``when``): sendable, first of their order, not in flight here; on
        PostgreSQL not locked by a send elsewhere (``FOR KEY SHARE SKIP LOCKED``: readers never block
        each other, a claim's ``FOR UPDATE`` is skipped)."""
        conditions = [outbox.c.status.in_(_SENDABLE), ~_earlier_not_done()]
        if when is not None:
            conditions.append(outbox.c.next_attempt_at <= when)
        if self._inflight:
            conditions.append(outbox.c.order_id.notin_(sorted(self._inflight)))
        stmt = select(outbox.c.id, outbox.c.order_id, outbox.c.next_attempt_at).where(*conditions)
        stmt = stmt.order_by(outbox.c.next_attempt_at, outbox.c.id)
        if self._lock_rows:
            stmt = stmt.with_for_update(key_share=True, skip_locked=True, of=outbox)
        return stmt

    async def _dispatch(
        self, due_by: datetime | None, attempted: set[int] | None, *, look_ahead: bool = False
    ) -> tuple[set[asyncio.Task[int]], datetime | None]:
        """Start one task per due order, up to the free slots; ``due_by`` None = the clock's now.

        With ``look_ahead``, also the earliest ``next_attempt_at`` of a row not started (None: no row,
        or no free slot: the end of a send wakes the loop), read on the same connection.
        """
        free = self._concurrency - len(self._inflight)
        if free <= 0 or self._stopping:
            return set(), None
        when = due_by if due_by is not None else self._now()
        stmt = self._due_rows(when).limit(free)
        if attempted:
            stmt = stmt.where(outbox.c.id.notin_(sorted(attempted)))
        started: set[asyncio.Task[int]] = set()
        next_due: datetime | None = None
        async with self._engine.connect() as conn:
            heads = (await conn.execute(stmt)).all()
            await conn.commit()  # drop the key-share locks: this process's claims must not skip these rows
            for outbox_id, order_id, _due in heads:
                if order_id in self._inflight:
                    continue
                self._inflight.add(order_id)
                task = asyncio.create_task(
                    self._drain_order(order_id, outbox_id, due_by, attempted), name=f"outbox-order-{order_id}"
                )
                self._tasks.add(task)
                task.add_done_callback(self._tasks.discard)
                started.add(task)
            if look_ahead and len(heads) < free:
                row = (await conn.execute(self._due_rows(None).limit(1))).first()
                next_due = row.next_attempt_at if row is not None else None
        return started, next_due

    async def _drain_order(
        self, order_id: int, outbox_id: int, due_by: datetime | None, attempted: set[int] | None
    ) -> int:
        """Send the order's due rows one after the other while Kuper accepts them; returns attempts."""
        sent = 0
        try:
            next_id: int | None = outbox_id
            while next_id is not None:
                if attempted is not None:
                    if next_id in attempted:
                        break
                    attempted.add(next_id)
                status = await self._process(next_id, due_by if due_by is not None else self._now())
                if status is None:
                    break
                sent += 1
                if status != OutboxStatus.DONE or self._stopping:
                    break
                next_id = await self._next_row_of(order_id)
        except Exception:
            logger.exception("outbox: order %d: sending stopped by an error; will try again", order_id)
        finally:
            self._inflight.discard(order_id)
            self._wake.set()
        return sent

    async def _next_row_of(self, order_id: int) -> int | None:
        stmt = (
            select(outbox.c.id)
            .where(outbox.c.order_id == order_id, outbox.c.status != OutboxStatus.DONE.value)
            .order_by(outbox.c.id)
            .limit(1)
        )
        async with self._engine.connect() as conn:
            value = (await conn.execute(stmt)).scalar_one_or_none()
        return int(value) if value is not None else None

    # --- one row ------------------------------------------------------------------------------

    async def _process(self, outbox_id: int, due_by: datetime) -> str | None:
        """Claim, send and record one row; the new status, or None when it was not claimable."""
        if self._lock_rows:
            async with self._engine.connect() as conn, conn.begin():
                row = await self._claim(conn, outbox_id, due_by)
                if row is None:
                    return None
                result = await self._send(row)
                change = await self._record(conn, row, result)
        else:
            async with self._engine.begin() as conn:
                row = await self._claim(conn, outbox_id, due_by)
            if row is None:
                return None
            result = await self._send(row)
            async with self._engine.begin() as conn:
                change = await self._record(conn, row, result)
        if change is None:
            return None
        self._log(row, change, result)
        await self._publish(row.store)
        return change.status

    async def _claim(self, conn: AsyncConnection, outbox_id: int, due_by: datetime) -> Row[Any] | None:
        stmt = select(outbox).where(
            outbox.c.id == outbox_id,
            outbox.c.status.in_(_SENDABLE),
            outbox.c.next_attempt_at <= due_by,
            ~_earlier_not_done(),
        )
        if self._lock_rows:
            stmt = stmt.with_for_update(skip_locked=True, of=outbox)
        return (await conn.execute(stmt)).one_or_none()

    async def _send(self, row: Row[Any]) -> SendResult:
        try:
            notification = parse_any_notification(row.body)
        except NotificationFormatError as exc:
            return SendResult(SendOutcome.FAILED, f"the stored notification cannot be sent: {exc.message}")
        try:
            async with asyncio.timeout(self._send_timeout):  # the guard on top of the client's time-outs
                result = await self._client.send_notification(notification)
                if result.outcome is SendOutcome.FAILED and result.status_code in _CHECKED_STATUSES:
                    result = await self._check_state(row, notification, result)
                return result
        except TimeoutError:
            return SendResult(SendOutcome.RETRY, f"Kuper did not answer within {self._send_timeout:g} s")
        except Exception as exc:  # a bug below must not stop the outbox: retry and say so
            logger.exception("outbox %d: sending raised", row.id)
            return SendResult(SendOutcome.RETRY, f"sending failed unexpectedly ({type(exc).__name__})")

    async def _check_state(self, row: Row[Any], notification: AnyNotification, refused: SendResult) -> SendResult:
        """Kuper refused (422/405): done when its state shows it already knows, else the refusal stands."""
        reader = getattr(self._client, "shipment_state", None)
        if reader is None:
            return refused
        order_id = await self._kuper_order_id(row, notification)
        state, read = await reader(order_id)
        if state is None:
            logger.warning(
                "outbox %d: %d, and Kuper's state of %s is unknown: %s",
                row.id,
                refused.status_code,
                order_id,
                read.message,
            )
            return refused
        if kuper_already_has(notification.event_type, state.state):
            return SendResult(
                SendOutcome.DONE,
                f"{KUPER_KNOWS}: Kuper answered {refused.status_code}, its state is {state.state}",
                refused.status_code,
                refused.response_body,
            )
        body = refused.response_body or ""
        kuper_says = describe_kuper_error(body) or body or refused.message
        return SendResult(
            refused.outcome,
            f"{refused.message} (Kuper's state: {state.state})",
            refused.status_code,
            f"{kuper_says} (состояние у Купера: {state.state})",
        )

    async def _kuper_order_id(self, row: Row[Any], notification: AnyNotification) -> str:
        """The id Kuper's state endpoint takes: ``originalOrderId`` when known, else ``orderUUID``."""
        if isinstance(notification, NestedNotification) and notification.original_order_id:
            return notification.original_order_id
        async with self._engine.connect() as conn:
            original = (
                await conn.execute(select(orders.c.original_order_id).where(orders.c.id == row.order_id))
            ).scalar_one_or_none()
        return str(original) if original else notification.order_uuid

    def _change_for(self, row: Row[Any], result: SendResult) -> _Change:
        now = self._now()
        attempts = int(row.attempts) + 1
        if result.outcome in (SendOutcome.DONE, SendOutcome.DUPLICATE):
            return _Change(OutboxStatus.DONE, attempts, _utc(row.next_attempt_at), result.status_code, None, None)
        if result.outcome == SendOutcome.FAILED:
            error = result.response_body or result.message
            return _Change(OutboxStatus.FAILED, attempts, _utc(row.next_attempt_at), result.status_code, error, None)
        # RETRY, AUTH_FAILED, or an outcome this module does not know yet: never lose the row.
        error = result.message
        if result.outcome == SendOutcome.AUTH_FAILED:
            error = f"{CREDENTIALS_ERROR}: {result.message}"
        delay = max(0.0, float(self._backoff(attempts, result.retry_after)))
        return _Change(
            OutboxStatus.RETRYING, attempts, now + timedelta(seconds=delay), result.status_code, error, delay
        )

    async def _record(self, conn: AsyncConnection, row: Row[Any], result: SendResult) -> _Change | None:
        change = self._change_for(row, result)
        values: dict[str, Any] = {
            "status": change.status,
            "attempts": change.attempts,
            "next_attempt_at": change.next_attempt_at,
            "last_status_code": change.last_status_code,
            "last_error": change.last_error,
        }
        if change.status == OutboxStatus.DONE:
            values["sent_at"] = self._now()
            values["body"] = sent_body(row.event_type, row.body)  # Kuper has the pickup code: not kept here
        stmt = (
            update(outbox)
            .where(outbox.c.id == row.id, outbox.c.status == row.status, outbox.c.attempts == row.attempts)
            .values(values)
        )
        if (await conn.execute(stmt)).rowcount != 1:
            logger.warning("outbox %d: changed by someone else while being sent; Kuper's answer not recorded", row.id)
            return None
        payload = _event_payload(
            outbox_id=row.id,
            order_id=row.order_id,
            event_type=row.event_type,
            status=change.status,
            attempts=change.attempts,
            last_error=change.last_error,
            last_status_code=change.last_status_code,
            next_attempt_at=change.next_attempt_at,
        )
        await append_event(conn, row.store, EVENT_KIND, payload, order_id=row.order_id)
        if change.status == OutboxStatus.FAILED and result.status_code == 405:
            switch = switch_for(row.event_type)
            hint = f": выключите {switch} = false для этой аптеки" if switch else ""
            message = f"Купер не принимает {row.event_type} для этой аптеки (405, тип интеграции){hint}"
            await stream_events.anomaly(conn, row.store, message)
        return change

    def _log(self, row: Row[Any], change: _Change, result: SendResult) -> None:
        where = f"outbox {row.id} (order {row.order_id}, {row.event_type}, attempt {change.attempts})"
        if change.status == OutboxStatus.DONE:
            logger.info("%s: done (%s)", where, result.message)
        elif change.status == OutboxStatus.FAILED:
            logger.error("%s: failed, needs staff: %s", where, result.message[:1000])
        else:
            logger.warning("%s: retrying in %.3g s: %s", where, change.delay or 0.0, result.message[:1000])

    async def _publish(self, store: str) -> None:
        if self._publish_cb is None:
            return
        try:
            outcome = self._publish_cb(store)
            if inspect.isawaitable(outcome):
                await outcome
        except Exception:
            logger.exception("outbox: publish(%r) failed", store)
