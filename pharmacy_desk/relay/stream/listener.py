"""The relay process's one ``LISTEN`` connection to PostgreSQL: wake-ups written by any relay process.

The writers' transactions ``NOTIFY`` (triggers of migration ``0007_stream_notify``):

- ``pharmacy_desk_events``, payload ``<store>:<last event id>``: new stream events of a store;
- ``pharmacy_desk_devices``, payload ``<store>:<device id>``: a device was revoked;
- ``pharmacy_desk_outbox``, payload ``<store>``: outbox rows to send (migration ``0009``): wakes this
  process's outbox worker (:mod:`pharmacy_desk.relay.outbox.worker`), which otherwise sleeps until its
  next due row or its slow safety poll.

:class:`PgListener` holds one dedicated asyncpg connection (not one of the engine's pool: it stays
open for the life of the process) built from the engine's URL by SQLAlchemy's own asyncpg dialect,
so ``?ssl=require`` and the like mean the same here. It hands each notification to its callbacks and
tells every change of its state (:class:`ListenState`):

- ``listening``: the connection is up; nothing polls;
- ``polling``: the connection is down (PostgreSQL restarted, the backend was terminated, the network
  is away, or it never came up): the streams fall back to one slow poll per store
  (:mod:`.fanout`) while it reconnects with jittered back-off (0.5 s doubling up to 30 s). Logged as
  a warning when it goes down and once when it is back.

A connection that died without a word (a network cut: no FIN, no error) is found by a ``SELECT 1``
every :data:`CHECK_SECONDS` (one transaction in 15 s: nothing next to a poll).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from enum import StrEnum
from typing import Any

import asyncpg  # no stubs: [[tool.mypy.overrides]] in pyproject.toml
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("pharmacy_desk.relay.stream.listener")

EVENTS_CHANNEL = "pharmacy_desk_events"
DEVICES_CHANNEL = "pharmacy_desk_devices"
OUTBOX_CHANNEL = "pharmacy_desk_outbox"
CHECK_SECONDS = 15.0
"""How often an idle ``LISTEN`` connection is asked ``SELECT 1`` (finds a silently dead link)."""
CONNECT_TIMEOUT = 10.0
RETRY_FIRST = 0.5
RETRY_CAP = 30.0

_SQLALCHEMY_ONLY = ("prepared_statement_cache_size", "prepared_statement_name_func", "async_creator_fn")


class ListenState(StrEnum):
    """How this process learns of new events (shown in ``/health`` as ``events``)."""

    LOCAL = "local"  # SQLite: in-process wake-ups (and one poll per store)
    LISTENING = "listening"  # PostgreSQL: the LISTEN connection is up
    POLLING = "polling"  # PostgreSQL: the LISTEN connection is down, one poll per store until it is back


EventCallback = Callable[[str, int], None]
"""``on_event(store, last_event_id)``."""
RevokedCallback = Callable[[str, str], None]
"""``on_revoked(store, device_id)``."""
StateCallback = Callable[[ListenState], None]
OutboxCallback = Callable[[str], None]
"""``on_outbox(store)``: outbox rows of ``store`` were written (or put back to pending)."""


def connect_arguments(engine: AsyncEngine) -> dict[str, Any]:
    """``asyncpg.connect`` keyword arguments for the engine's database (as its dialect reads the URL)."""
    _, options = engine.dialect.create_connect_args(engine.url)
    kwargs = {key: value for key, value in options.items() if key not in _SQLALCHEMY_ONLY}
    kwargs.setdefault("timeout", CONNECT_TIMEOUT)
    return kwargs


def split_payload(payload: str) -> tuple[str, str] | None:
    """``"<store>:<rest>"`` → ``(store, rest)``; None for anything else (logged, never raised)."""
    store, sep, rest = payload.rpartition(":")
    if not sep or not store or not rest:
        log.warning("notification with an unexpected payload ignored: %r", payload[:200])
        return None
    return store, rest


class PgListener:
    """One ``LISTEN`` connection, reconnected until :meth:`stop`; see the module docstring."""

    def __init__(
        self,
        engine: AsyncEngine,
        *,
        on_event: EventCallback,
        on_revoked: RevokedCallback,
        on_state: StateCallback,
        on_outbox: OutboxCallback | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._connect_kwargs = connect_arguments(engine)
        self._on_event = on_event
        self._on_revoked = on_revoked
        self._on_state = on_state
        self.on_outbox = on_outbox  # settable later (the outbox worker starts after the listener)
        self._rng = rng or random.Random()
        self._task: asyncio.Task[None] | None = None
        self._conn: Any = None  # asyncpg.Connection
        self.state = ListenState.POLLING
        self.server_pid: int | None = None  # the LISTEN backend's pid (pg_terminate_backend in tests)
        self.connections = 0  # how many times it connected (1 = never lost)
        self.last_error: str | None = None
        self.retry_first = RETRY_FIRST  # seconds before the first reconnect (doubling, jittered)

    def start(self) -> None:
        if self._task is None:
            self._task = asyncio.create_task(self._run(), name="pg-listener")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._close()

    async def wait_listening(self, timeout: float = 10.0) -> None:
        """Until the connection is up (start-up waits for it a moment; tests too)."""
        async with asyncio.timeout(timeout):
            while self.state is not ListenState.LISTENING:
                await asyncio.sleep(0.01)

    # --- the loop -------------------------------------------------------------------------------

    async def _run(self) -> None:
        failures = 0
        while True:
            lost = asyncio.Event()
            try:
                await self._connect(lost)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                self._went_down(f"{type(exc).__name__}: {exc}")
            else:
                failures = 0
                self._set_state(ListenState.LISTENING)
                if self.connections > 1:
                    log.warning("LISTEN connection back (backend %s): notifications again", self.server_pid)
                else:
                    log.info("listening for stream events (backend %s)", self.server_pid)
                reason = await self._watch(lost)
                self._went_down(reason)
            await self._close()
            delay = min(RETRY_CAP, self.retry_first * 2.0 ** min(failures, 16))
            failures += 1
            await asyncio.sleep(delay * (0.5 + 0.5 * self._rng.random()))

    async def _connect(self, lost: asyncio.Event) -> None:
        conn = await asyncpg.connect(**self._connect_kwargs)
        self._conn = conn
        conn.add_termination_listener(lambda _conn: lost.set())
        await conn.add_listener(EVENTS_CHANNEL, self._event)
        await conn.add_listener(DEVICES_CHANNEL, self._revoked)
        await conn.add_listener(OUTBOX_CHANNEL, self._outbox)
        self.server_pid = conn.get_server_pid()
        self.connections += 1

    async def _watch(self, lost: asyncio.Event) -> str:
        """Until the connection is lost; returns why."""
        conn = self._conn
        assert conn is not None
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(CHECK_SECONDS):
                    await lost.wait()
                    return "the connection was closed"
            try:
                await conn.fetchval("SELECT 1", timeout=CONNECT_TIMEOUT)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError, TimeoutError) as exc:
                return f"{type(exc).__name__}: {exc}"

    def _went_down(self, reason: str) -> None:
        self.last_error = reason
        if self.state is not ListenState.POLLING:
            log.warning("LISTEN connection lost (%s): streams poll the database per store until it is back", reason)
        self._set_state(ListenState.POLLING)

    def _set_state(self, state: ListenState) -> None:
        changed = state is not self.state
        self.state = state
        if changed or state is ListenState.LISTENING:  # every (re)connect: catch up on what was missed
            try:
                self._on_state(state)
            except Exception:
                log.exception("listener state callback failed")

    async def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            try:
                async with asyncio.timeout(2.0):
                    await conn.close()
            except Exception:
                conn.terminate()

    # --- notifications (asyncpg calls these synchronously, in the loop) -------------------------

    def _event(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        parts = split_payload(payload)
        if parts is None or not parts[1].isdigit():
            return
        self._on_event(parts[0], int(parts[1]))

    def _outbox(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        if self.on_outbox is not None:
            try:
                self.on_outbox(payload)
            except Exception:
                log.exception("outbox wake-up failed")

    def _revoked(self, _conn: object, _pid: int, _channel: str, payload: str) -> None:
        parts = split_payload(payload)
        if parts is not None:
            self._on_revoked(*parts)
