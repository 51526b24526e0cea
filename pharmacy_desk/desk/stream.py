"""The store's event stream (SSE) with resume: reconnects forever, never loses or repeats an event.

httpx-sse reads one connection; this module makes it a stream that survives the relay restarting,
the Wi-Fi dropping and a half-dead TCP connection:

- **reconnect** with exponential back-off and full jitter (:data:`RECONNECT_BACKOFF`: the n-th attempt
  after a random 0 … min(30, 2^n) s), so the PCs of a chain that all lost the relay at once (a restart)
  come back spread over seconds instead of in the same instant;
- **resume**: every request after the first sends ``Last-Event-ID`` with the last event *handled*
  (the id only moves after the handler returned), and the relay replays what came after it;
- **snapshot** (``on_snapshot``) when the relay says ``ready`` (first connection: load the orders now)
  or ``resync`` (it no longer knows our id), and when the ids jump (a gap: events were lost). A
  snapshot that fails (relay gone again) is a failed connection: the id stays, the next one retries;
- **dead connections**: the relay pings every ``heartbeat_seconds`` (15 s); the read time-out
  (``idle_timeout``, default 45 s) ends a connection that has been silent longer;
- **status** for the status bar (``on_status``): connecting → connected → reconnecting → offline
  (after ``offline_after`` failed attempts in a row) → connected…; ``auth_failed`` (401/403: token
  revoked or of another store) stops the stream, retrying would not help.

Ids are the relay's durable per-store sequence (gap-free, see ``relay/store_log.py``), so a duplicate
(id ≤ last) is skipped and a jump (id > last + 1) means a gap.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
import json
import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Literal

import httpx
from httpx_sse import ServerSentEvent, SSEError, aconnect_sse

from pharmacy_desk.desk.backoff import Backoff
from pharmacy_desk.desk.relay_client import MSG_OTHER_STORE, MSG_TOKEN_INVALID, RelayClient, RelayError

log = logging.getLogger("pharmacy_desk.desk.stream")

SnapshotReason = Literal["ready", "resync", "gap"]

RECONNECT_BACKOFF = Backoff(initial=1.0, factor=2.0, cap=30.0, jitter=1.0)
"""The stream's default: full jitter (a delay anywhere in 0 … the attempt's base), the AWS
"exponential back-off and jitter" choice that spreads clients who failed together best."""
STOP_RETRY_SECONDS = 1.0
"""How long :meth:`EventStream.stop` waits for the stream to end before it cancels it once more."""


class ConnectionState(StrEnum):
    CONNECTING = "connecting"
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"
    OFFLINE = "offline"
    AUTH_FAILED = "auth_failed"
    STOPPED = "stopped"


_STATE_RU: dict[ConnectionState, str] = {
    ConnectionState.CONNECTING: "Подключение к серверу…",
    ConnectionState.CONNECTED: "На связи",
    ConnectionState.RECONNECTING: "Связь прервалась, переподключение…",
    ConnectionState.OFFLINE: "Нет связи с сервером: действия сохраняются и уйдут, когда связь вернётся",
    ConnectionState.AUTH_FAILED: MSG_TOKEN_INVALID,
    ConnectionState.STOPPED: "Отключено",
}


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    state: ConnectionState
    message: str  # Russian, for the status bar
    failures: int = 0  # failed attempts in a row
    retry_in: float | None = None  # seconds until the next attempt
    last_event_id: int | None = None
    detail: str | None = None  # why the last attempt failed (English, for the log / a tooltip)


@dataclass(frozen=True, slots=True)
class StreamEvent:
    """One stored event of the store: ``kind`` is ``order``, ``alert``, ``notification``..."""

    id: int
    kind: str
    data: dict[str, Any]


class _Retry(Exception):
    """This connection is over; try again after the back-off."""


class EventCursor:
    """Where the stream stands: the last event id handled, and what a new id means."""

    def __init__(self, last_id: int | None = None) -> None:
        self.last_id = last_id

    def classify(self, event_id: int) -> Literal["next", "duplicate", "gap"]:
        if self.last_id is None or event_id == self.last_id + 1:
            return "next"
        if event_id <= self.last_id:
            return "duplicate"
        return "gap"


class EventStream:
    """Follow ``client.store``'s events until :meth:`stop`; see the module docstring."""

    def __init__(
        self,
        client: RelayClient,
        *,
        on_event: Callable[[StreamEvent], Awaitable[None]],
        on_snapshot: Callable[[SnapshotReason], Awaitable[None]],
        on_status: Callable[[ConnectionStatus], None],
        idle_timeout: float = 45.0,
        backoff: Backoff | None = None,
        offline_after: int = 3,
        last_event_id: int | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.client = client
        self.on_event = on_event
        self.on_snapshot = on_snapshot
        self.on_status = on_status
        self.idle_timeout = idle_timeout
        self.backoff = backoff or dataclasses.replace(RECONNECT_BACKOFF, rng=random.Random())
        self.offline_after = offline_after
        self.cursor = EventCursor(last_event_id)
        self._sleep = sleep
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._status = ConnectionStatus(ConnectionState.STOPPED, _STATE_RU[ConnectionState.STOPPED])
        self.connections = 0  # successful connections so far (for tests and the log)

    @property
    def status(self) -> ConnectionStatus:
        return self._status

    @property
    def last_event_id(self) -> int | None:
        return self.cursor.last_id

    def start(self) -> asyncio.Task[None]:
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self.run(), name=f"event-stream-{self.client.store}")
        return self._task

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            # A cancellation can be lost inside the HTTP stack (a read's own time-out ending at the same
            # moment swallows it) and the stream would read on for ever: cancel again until it ends.
            for attempt in itertools.count():
                if task.done():
                    break
                if attempt:
                    log.warning("event stream: running %.0f s after its stop; cancelling again", STOP_RETRY_SECONDS)
                task.cancel()
                await asyncio.wait({task}, timeout=STOP_RETRY_SECONDS)
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._set(ConnectionState.STOPPED)

    def _set(self, state: ConnectionState, **extra: Any) -> None:
        message = extra.pop("message", None) or _STATE_RU[state]
        self._status = ConnectionStatus(state, message, last_event_id=self.cursor.last_id, **extra)
        try:
            self.on_status(self._status)
        except Exception:
            log.exception("connection status listener failed")

    async def run(self) -> None:
        failures = 0
        self._set(ConnectionState.CONNECTING)
        while True:
            try:
                await self._connect_once()
                detail = "the relay closed the stream"
            except _StopStream:
                return
            except (httpx.TransportError, SSEError, _Retry, RelayError) as exc:
                detail = f"{type(exc).__name__}: {exc}"
            except Exception as exc:  # a handler bug: log it, do not spin without a pause
                log.exception("event stream failed")
                detail = f"{type(exc).__name__}: {exc}"
            if self._status.state is ConnectionState.CONNECTED:
                failures = 0
            delay = self.backoff.delay(failures)
            failures += 1
            state = ConnectionState.OFFLINE if failures >= self.offline_after else ConnectionState.RECONNECTING
            log.info("event stream: %s; next attempt in %.1f s", detail, delay)
            self._set(state, failures=failures, retry_in=delay, detail=detail)
            await self._nap(delay)

    def poke(self) -> None:
        """The relay answered something else (an action, the offline queue): reconnect now, not after the
        back-off, so «На связи» shows as soon as the relay is back."""
        if self._status.state is not ConnectionState.CONNECTED:
            self._wake.set()

    async def _nap(self, delay: float) -> None:
        """The back-off's sleep, cut short by :meth:`poke`."""
        self._wake.clear()
        nap = asyncio.ensure_future(self._sleep(delay))
        woken = asyncio.ensure_future(self._wake.wait())
        try:
            await asyncio.wait({nap, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (nap, woken):
                if not task.done():
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task

    async def _connect_once(self) -> None:
        headers = {} if self.cursor.last_id is None else {"Last-Event-ID": str(self.cursor.last_id)}
        timeout = httpx.Timeout(self.client.timeout, connect=min(5.0, self.client.timeout), read=self.idle_timeout)
        path = self.client.store_path("/events")
        async with aconnect_sse(self.client.http, "GET", path, headers=headers, timeout=timeout) as source:
            status = source.response.status_code
            if status in (401, 403):
                message = MSG_TOKEN_INVALID if status == 401 else MSG_OTHER_STORE
                self._set(ConnectionState.AUTH_FAILED, message=message, detail=f"HTTP {status}")
                raise _StopStream
            if status != 200:
                raise _Retry(f"HTTP {status}")
            self.connections += 1
            self._set(ConnectionState.CONNECTED)
            # aclosing: a cancelled stream closes its iterator here, not later at garbage collection.
            async with contextlib.aclosing(source.aiter_sse()) as events:
                async for sse in events:
                    await self._handle(sse)

    async def _handle(self, sse: ServerSentEvent) -> None:
        kind = sse.event or "message"
        try:
            event_id = int(sse.id) if sse.id else None
        except ValueError:
            event_id = None
        if kind in ("ready", "resync"):
            await self.on_snapshot("ready" if kind == "ready" else "resync")
            if event_id is not None:
                self.cursor.last_id = event_id
            return
        if event_id is None:
            log.warning("event %r without an id ignored", kind)
            return
        position = self.cursor.classify(event_id)
        if position == "duplicate":
            return
        if position == "gap":
            log.warning("event ids jumped from %s to %d: reloading the orders", self.cursor.last_id, event_id)
            await self.on_snapshot("gap")
        try:
            data = json.loads(sse.data) if sse.data else {}
        except json.JSONDecodeError:
            log.warning("event %d (%s) is not JSON: skipped", event_id, kind)
            data = None
        if isinstance(data, dict):
            try:
                await self.on_event(StreamEvent(event_id, kind, data))
            except Exception:
                log.exception("handling event %d (%s) failed", event_id, kind)
        self.cursor.last_id = event_id


class _StopStream(Exception):
    """Authentication failed: the stream stops (the status says why)."""
