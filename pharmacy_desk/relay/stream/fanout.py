"""Store events fanned out in memory to every stream of this relay process: one reader per store.

Every open SSE stream (:mod:`.api_stream`) is a :class:`Subscription` of its store's
:class:`StoreFeed`. The feed holds a window of the store's latest events, read from
``store_events`` once per process and encoded as SSE bytes once, and each stream takes the slice
after its own cursor (and writes it with :class:`~pharmacy_desk.relay.http.sse.EventStream`). A feed's
reader task reads the table only when something says there is news:

- **PostgreSQL, listening** (:class:`~.listener.PgListener` up): a ``NOTIFY`` (store, last id) from
  any relay process's writing transaction. One read per store per event burst, whatever the number
  of streams; an idle stream costs no query at all (its heartbeat only). This process's
  own commits (:meth:`Fanout.committed`) need no read of their own: their ``NOTIFY`` comes.
- **PostgreSQL, polling** (the LISTEN connection is down): this process's commits wake the reader at
  once, and each store with open streams is read every ``stream_poll_seconds`` for the other
  processes' writes, until the connection is back (then every feed catches up once).
- **SQLite** (one relay process): the in-process wake-ups, plus the same per-store poll (a write
  from another process, e.g. a tool, still arrives).

Delivery: after a read that brought new events, the reader goes over the feed's streams once. A
stream whose task waits in :meth:`StoreFeed.take` and whose response can be written to directly (a
:class:`StreamWriter`, :mod:`pharmacy_desk.relay.http.server_write`) gets the events after its cursor
written there and then, its task left asleep; every other stream's task is woken to write them itself
(a heartbeat due, flow control holding the connection, a server without the direct path). A stream
already at the feed's latest id is not woken at all. :attr:`Fanout.writes` counts both ways.

Resuming (``Last-Event-ID``): a stream whose cursor is in the window replays from memory; one below it
asks the feed to extend the window back: the requests of all the streams that arrive together are
served by one read (a reconnect storm after a restart is a few queries, not one per PC). A stream more
than :data:`MAX_BACKFILL` events behind pages through the table by itself (a PC that was off for days).

Revoked devices: on PostgreSQL the ``pharmacy_desk_devices`` notification ends the device's streams at
once in every process; on SQLite (and on PostgreSQL while polling, and once after reconnecting) one
query every :data:`REVOCATION_SWEEP_SECONDS` checks the devices of all open streams of the process.

Memory: a feed keeps the last :data:`WINDOW` events (up to twice that before it is trimmed, and never
what a connected stream has not been sent yet, up to :data:`MAX_BACKFILL`), encoded once; a feed
whose last stream left is dropped after :data:`LINGER_SECONDS`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import Counter
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine
from sse_starlette import ServerSentEvent

from pharmacy_desk.relay.storage.schema import devices, store_events
from pharmacy_desk.relay.storage.store_log import last_event_id
from pharmacy_desk.relay.stream.listener import ListenState

log = logging.getLogger("pharmacy_desk.relay.stream.fanout")

PAGE = 500
"""Events per read of the table, and at most this many per send to one stream."""
WINDOW = 100
"""Events a feed keeps for resuming streams (up to twice that, and what a connected stream still needs)."""
MAX_BACKFILL = 10_000
"""A stream further behind the window than this pages through the table by itself."""
LINGER_SECONDS = 60.0
"""A feed whose last stream left is forgotten after this long."""
REVOCATION_SWEEP_SECONDS = 30.0
"""How often revocations are checked by a query (SQLite; PostgreSQL while polling)."""
READ_WAIT_SECONDS = 10.0
"""A stream that needs a read of the table waits this long for it (the database is away: it fails)."""


@dataclass(frozen=True, slots=True)
class StoredEvent:
    id: int
    wire: bytes  # the SSE frame, encoded once for every stream


def encode(event_id: int, kind: str, payload: str) -> StoredEvent:
    return StoredEvent(event_id, ServerSentEvent(data=payload, event=kind, id=str(event_id)).encode())


class StreamWriter(Protocol):
    """Writes a body chunk to a stream's connection synchronously (the reader's direct delivery)."""

    def writable(self) -> bool: ...

    def write(self, body: bytes) -> None: ...


@dataclass(eq=False)
class Subscription:
    """One open stream: its device, its cursor (last event id sent) and its wake-up."""

    store: str
    device_id: str
    cursor: int = 0
    ended: bool = False
    ping: bool = False  # a heartbeat is due (set by the heartbeat ring of :mod:`pharmacy_desk.relay.http.sse`)
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    writer: StreamWriter | None = None  # set by the response once the reader may write to it directly
    parked: bool = False  # its task waits in StoreFeed.take (nothing of the stream's is being sent)


class StoreFeed:
    """One store's events in this process: the window, the streams, the reader task."""

    def __init__(self, fanout: Fanout, store: str) -> None:
        self.fanout = fanout
        self.store = store
        self.subs: set[Subscription] = set()
        self.events: list[StoredEvent] = []  # contiguous: ids lo+1 .. hi
        self.lo = 0
        self.hi = 0
        self.ready = False  # lo/hi known (read at the first subscription)
        self.announced = 0  # the highest id a notification told of
        self._dirty = asyncio.Event()
        self._has_subs = asyncio.Event()
        self._passes = 0  # reader passes started
        self._passes_done = 0  # the number of the last pass that completed
        self._pass_done = asyncio.Event()
        self._back_to: int | None = None  # the lowest cursor a stream wants below lo
        self._holes = False  # a backfill found ids missing: streams behind the window read by themselves
        self._task: asyncio.Task[None] | None = None
        self._forget: asyncio.TimerHandle | None = None

    # --- streams ------------------------------------------------------------------------------

    def add(self, sub: Subscription) -> None:
        self.subs.add(sub)
        self._has_subs.set()
        if self._forget is not None:
            self._forget.cancel()
            self._forget = None
        if not self.ready or self.announced > self.hi:
            self._dirty.set()  # the first stream: read the window's start (or catch up on news)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._run(), name=f"feed-{self.store}")

    def remove(self, sub: Subscription) -> None:
        self.subs.discard(sub)
        if not self.subs:
            self._has_subs.clear()
        if not self.subs and self._forget is None:
            self._forget = asyncio.get_running_loop().call_later(LINGER_SECONDS, self._forget_window)

    def _forget_window(self) -> None:
        self._forget = None
        if not self.subs:
            self.fanout._drop(self)
            if self._task is not None:
                self._task.cancel()

    def poke(self) -> None:
        """Read the table at the reader's next turn."""
        self._dirty.set()

    def announce(self, last_id: int) -> None:
        """A notification: events up to ``last_id`` exist."""
        self.announced = max(self.announced, last_id)
        if not self.ready or last_id > self.hi:
            self._dirty.set()

    def end_device(self, device_id: str) -> int:
        ended = 0
        for sub in self.subs:
            if sub.device_id == device_id and not sub.ended:
                sub.ended = True
                sub.wake.set()
                ended += 1
        return ended

    def is_current(self) -> bool:
        """Whether ``hi`` is the store's latest id as far as this process can know without a read."""
        return (
            self.ready
            and bool(self.subs)
            and not self._dirty.is_set()
            and self.announced <= self.hi
            and self.fanout.mode is ListenState.LISTENING
        )

    async def latest(self) -> int:
        """The store's latest event id: from the window when it is current, else after one (shared) read.

        Current: read, and no news since (a notification, this process's commit). While polling, other
        processes' commits are not heard of: read.
        """
        current = self.ready and not self._dirty.is_set() and self.announced <= self.hi
        if not current or self.fanout.mode is ListenState.POLLING:
            await self._next_pass()
        return self.hi

    async def confirm_above(self, event_id: int) -> bool:
        """Whether the store has an event ``event_id`` (read again when the window is behind it)."""
        if event_id > self.hi:
            await self._next_pass()
        return event_id <= self.hi

    async def take(self, sub: Subscription) -> list[StoredEvent] | None:
        """The events after ``sub.cursor`` (at most :data:`PAGE`), waiting for them; None once it ended;
        an empty list when a heartbeat is due (``sub.ping``) and there is nothing to send."""
        while True:
            sub.wake.clear()
            if sub.ended:
                return None
            if self.ready and sub.cursor < self.hi:
                if sub.cursor >= self.lo:
                    start = sub.cursor - self.lo
                    return self.events[start : start + PAGE]
                if self._holes or self.lo - sub.cursor > MAX_BACKFILL:
                    return await self._read_directly(sub)
                self._back_to = sub.cursor if self._back_to is None else min(self._back_to, sub.cursor)
                self._dirty.set()
            if sub.ping:
                return []
            sub.parked = True
            try:
                await sub.wake.wait()
            finally:
                sub.parked = False

    async def _next_pass(self) -> None:
        """Until a reader pass that starts after now has completed."""
        target = self._passes + 1
        self._dirty.set()
        async with asyncio.timeout(READ_WAIT_SECONDS):
            while self._passes_done < target:
                self._pass_done.clear()
                await self._pass_done.wait()

    # --- the reader ---------------------------------------------------------------------------

    async def _run(self) -> None:
        while True:
            if self.fanout.mode is ListenState.LISTENING:
                await self._dirty.wait()
                reason = "notify"
            else:
                reason = "wake"
                try:
                    async with asyncio.timeout(self.fanout.poll_seconds):
                        await self._dirty.wait()
                except TimeoutError:
                    reason = "poll"
            if not self.subs:  # nobody to read for: the news waits (dirty stays set) for the next stream
                await self._has_subs.wait()
                continue
            self._dirty.clear()
            self._passes += 1
            number = self._passes
            try:
                await self._read(reason)
            except Exception:
                log.exception("store %s: reading new events failed; again in 1 s", self.store)
                await asyncio.sleep(1.0)
                self._dirty.set()
                continue
            self._passes_done = number
            self._pass_done.set()
            self._deliver()

    def _deliver(self) -> None:
        """After a read: the new events written straight to the streams that wait and can take them, every
        other stream's task woken (see the module docstring). One loop over the streams, no await."""
        lo, hi, events = self.lo, self.hi, self.events
        direct = woken = held = 0
        for sub in tuple(self.subs):
            if sub.parked and not sub.ended and not sub.ping:
                if sub.cursor == hi:
                    continue  # nothing new for it: its task sleeps on
                writer = sub.writer
                if writer is not None and lo <= sub.cursor < hi:
                    if writer.writable():
                        start = sub.cursor - lo
                        batch = events[start : start + PAGE]
                        try:
                            writer.write(batch[0].wire if len(batch) == 1 else b"".join(e.wire for e in batch))
                        except Exception:  # the connection is closing under us: the task's own send finds out
                            log.debug("store %s: a direct write failed; the stream's task takes over", self.store)
                            sub.writer = None
                        else:
                            sub.cursor = batch[-1].id
                            direct += 1
                            if sub.cursor == hi:
                                continue
                    else:
                        held += 1  # the client is not reading (or left): its task's send waits for it
            sub.wake.set()  # its task takes (the rest of) the new events, or sees why it ends
            woken += 1
        writes = self.fanout.writes
        writes["direct"] += direct
        writes["woken"] += woken
        writes["held"] += held

    async def _read(self, reason: str) -> None:
        if not self.ready:
            async with self.fanout.engine.connect() as conn:
                self.lo = self.hi = await last_event_id(conn, self.store)
            self.events = []
            self.ready = True
            self.fanout.reads["init"] += 1
        if self._back_to is not None:
            back_to, self._back_to = self._back_to, None
            await self._backfill(back_to)
        while True:
            rows = await self._select(self.hi, None)
            self.fanout.reads[reason] += 1
            if not rows:
                break
            if rows[0].id != self.hi + 1:  # ids jumped (the table was restored under us): start again there
                log.warning("store %s: event ids jumped from %d to %d", self.store, self.hi, rows[0].id)
                self.events, self.lo = [], rows[0].id - 1
            self.events.extend(rows)
            self.hi = rows[-1].id
            if len(rows) < PAGE:
                break
        self._trim()

    def _trim(self) -> None:
        if len(self.events) <= 2 * WINDOW:
            return
        cut = len(self.events) - WINDOW
        needed = min((sub.cursor for sub in self.subs if not sub.ended), default=self.hi)
        if len(self.events) <= MAX_BACKFILL + 2 * WINDOW:
            cut = min(cut, max(0, needed - self.lo))  # keep what a connected stream has not been sent yet
        if cut > 0:
            del self.events[:cut]
            self.lo += cut

    async def _backfill(self, back_to: int) -> None:
        back_to = max(back_to, self.lo - MAX_BACKFILL, 0)
        if back_to >= self.lo:  # an earlier pass extended the window far enough already
            return
        older: list[StoredEvent] = []
        after = back_to
        while after < self.lo:
            rows = await self._select(after, self.lo)
            self.fanout.reads["backfill"] += 1
            if not rows:
                break
            older.extend(rows)
            after = rows[-1].id
        if older and older[0].id == back_to + 1 and older[-1].id == self.lo and len(older) == self.lo - back_to:
            self.events[:0] = older
            self.lo = back_to
        else:  # a hole in the table (a restore): the streams below it read by themselves and see the gap
            self.fanout.reads["backfill_incomplete"] += 1
            self._holes = True

    async def _read_directly(self, sub: Subscription) -> list[StoredEvent]:
        self.fanout.reads["direct"] += 1
        rows = await self._select(sub.cursor, self.lo)
        if not rows:  # nothing stored between the cursor and the window: skip to it (the PC sees the gap)
            sub.cursor = self.lo
            return self.events[:PAGE]
        return rows

    async def _select(self, after: int, upto: int | None) -> list[StoredEvent]:
        c = store_events.c
        stmt = select(c.event_id, c.kind, c.payload).where(c.store == self.store, c.event_id > after)
        if upto is not None:
            stmt = stmt.where(c.event_id <= upto)
        stmt = stmt.order_by(c.event_id).limit(PAGE)
        async with self.fanout.engine.connect() as conn:
            rows = (await conn.execute(stmt)).all()
        return [encode(int(row.event_id), row.kind, row.payload) for row in rows]

    async def stop(self) -> None:
        if self._forget is not None:
            self._forget.cancel()
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task


class Fanout:
    """The feeds of this process, fed by the listener (PostgreSQL) or in-process wake-ups (SQLite)."""

    def __init__(self, engine: AsyncEngine, *, poll_seconds: float) -> None:
        self.engine = engine
        self.poll_seconds = poll_seconds
        self.mode = ListenState.LOCAL if engine.dialect.name == "sqlite" else ListenState.POLLING
        self.feeds: dict[str, StoreFeed] = {}
        # table reads by cause: notify (a wake-up while listening), wake (in-process, not listening), poll, init,
        # backfill, direct (a stream far behind); counter: a connecting stream's latest id (store_counters)
        self.reads: Counter[str] = Counter()
        # deliveries to streams after a read: direct (written by the reader), woken (the stream's task woken),
        # held (of the woken: the connection could not take a write, flow control or a client gone)
        self.writes: Counter[str] = Counter()
        self.revocation_sweeps = 0
        self._listened = False
        self._counter_reads: dict[str, asyncio.Future[int]] = {}
        self._sweeper: asyncio.Task[None] | None = None
        self._tasks: set[asyncio.Task[object]] = set()

    def start(self) -> None:
        if self._sweeper is None:
            self._sweeper = asyncio.create_task(self._sweep_loop(), name="revocation-sweep")

    async def stop(self) -> None:
        """End every stream of this process and stop the readers."""
        sweeper, self._sweeper = self._sweeper, None
        for task in [*([sweeper] if sweeper is not None else []), *self._tasks]:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        for feed in list(self.feeds.values()):
            for sub in feed.subs:
                sub.ended = True
                sub.wake.set()
            await feed.stop()
        self.feeds.clear()

    # --- streams ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def subscribe(self, store: str, device_id: str) -> Iterator[tuple[StoreFeed, Subscription]]:
        """A stream of ``store`` for ``device_id`` while the block runs."""
        feed = self.feeds.get(store)
        if feed is None:
            feed = self.feeds[store] = StoreFeed(self, store)
        sub = Subscription(store, device_id)
        feed.add(sub)
        try:
            yield feed, sub
        finally:
            feed.remove(sub)

    async def latest(self, store: str) -> int:
        """The store's latest event id: the feed's when it is current (listening, nothing announced beyond
        it), else one read of the store's counter (a primary-key look-up), shared by the streams that ask
        while it runs."""
        feed = self.feeds.get(store)
        if feed is not None and feed.is_current():
            return feed.hi
        # Streams connecting together share one read: an id read a moment before a stream connected is
        # never too new, and what was written after it is sent to the stream live.
        reading = self._counter_reads.get(store)
        if reading is None:
            reading = self._counter_reads[store] = asyncio.ensure_future(self._read_counter(store))
            reading.add_done_callback(lambda _done: self._counter_reads.pop(store, None))
        return await asyncio.shield(reading)

    async def _read_counter(self, store: str) -> int:
        self.reads["counter"] += 1
        async with self.engine.connect() as conn:
            return await last_event_id(conn, store)

    def known(self, store: str) -> int:
        """The highest id of ``store`` this process has read (-1 when it has read none yet)."""
        feed = self.feeds.get(store)
        return feed.hi if feed is not None and feed.ready else -1

    def streams(self, store: str | None = None) -> int:
        """Open streams of this process (of ``store``)."""
        if store is not None:
            feed = self.feeds.get(store)
            return len(feed.subs) if feed is not None else 0
        return sum(len(feed.subs) for feed in self.feeds.values())

    def _drop(self, feed: StoreFeed) -> None:
        if self.feeds.get(feed.store) is feed and not feed.subs:
            del self.feeds[feed.store]

    # --- news ---------------------------------------------------------------------------------

    def committed(self, store: str) -> None:
        """This process committed events of ``store`` (when listening, their NOTIFY does the rest)."""
        if self.mode is ListenState.LISTENING:
            return
        feed = self.feeds.get(store)
        if feed is not None:
            feed.poke()

    def notified(self, store: str, last_id: int) -> None:
        """A ``pharmacy_desk_events`` notification."""
        feed = self.feeds.get(store)
        if feed is not None:
            feed.announce(last_id)

    def revoked(self, store: str, device_id: str) -> None:
        """A device was revoked: its streams end now."""
        feed = self.feeds.get(store)
        ended = feed.end_device(device_id) if feed is not None else 0
        if ended:
            log.info("device %s of %s revoked: %d stream(s) ended", device_id, store, ended)

    def listen_state(self, state: ListenState) -> None:
        """The listener's state changed, or it reconnected: every feed catches up once."""
        self.mode = state
        for feed in self.feeds.values():
            if feed.subs:
                feed.poke()  # also makes a reader waiting without a time-out see the new mode
            else:
                feed.ready = False  # notifications may have been missed: read afresh for the next stream
        if state is ListenState.LISTENING:
            if self._listened:  # reconnected: a revocation may have gone unheard
                self._spawn(self.sweep_revoked())
            self._listened = True

    def _spawn(self, work: Coroutine[object, object, object]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- revocations without notifications ---------------------------------------------------

    async def _sweep_loop(self) -> None:
        while True:
            await asyncio.sleep(REVOCATION_SWEEP_SECONDS)
            if self.mode is not ListenState.LISTENING and self.streams():
                try:
                    await self.sweep_revoked()
                except Exception:
                    log.exception("revocation check failed")

    async def sweep_revoked(self) -> int:
        """End the streams of revoked (or deleted) devices: one query per 500 devices with open streams."""
        self.revocation_sweeps += 1
        open_devices = {(sub.store, sub.device_id) for feed in self.feeds.values() for sub in feed.subs}
        ids = sorted({device for _, device in open_devices})
        gone: set[str] = set()
        for start in range(0, len(ids), 500):
            chunk = ids[start : start + 500]
            stmt = select(devices.c.id, devices.c.revoked_at).where(devices.c.id.in_(chunk))
            async with self.engine.connect() as conn:
                active = {str(row.id) for row in await conn.execute(stmt) if row.revoked_at is None}
            gone.update(set(chunk) - active)
        for store, device in open_devices:
            if device in gone:
                self.revoked(store, device)
        return len(gone)
