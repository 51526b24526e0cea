"""A thin Server-Sent Events response for the store streams: frames encoded once, written as they are.

:class:`EventStream` is a Starlette response (FastAPI passes it through) that holds one subscription of
the process's fan-out (:mod:`pharmacy_desk.relay.stream.fanout`) for as long as the client is
connected. The feed encodes every event once for all streams; the response writes the bytes of the
events after its cursor in one ``http.response.body`` message per wake-up.

Why not sse-starlette's ``EventSourceResponse`` (which wrote these streams before): per stream it runs
a task group of four tasks (the body, the pings, the server's exit, the client's disconnect), and per
message takes an anyio lock and opens a cancel scope for its send time-out. Profiled with py-spy on the
fan-out of one event to 5,000 streams in one process, that was about a sixth of the process's time,
and its per-message objects kept the garbage collector busy (see :mod:`pharmacy_desk.relay.server_gc`).
Here a stream is its response coroutine plus one idle task waiting for the client's disconnect; an
event costs one write per stream, done by the feed's reader straight to the connection while the
stream's task sleeps (:mod:`.server_write`; uvicorn's httptools protocol), or one wake-up and one
``send`` of the stream's task where that path is not there.

What it keeps of sse-starlette's behaviour:

- headers: ``text/event-stream; charset=utf-8``, ``Cache-Control: no-store``, ``Connection:
  keep-alive``, ``X-Accel-Buffering: no`` (nginx must not buffer);
- heartbeats: a comment ``: ping - <UTC time>`` every ``ping`` seconds (one timer per process for all
  the streams, :class:`_HeartbeatRing`, not a task per stream);
- the client's disconnect (``http.disconnect`` from ``receive``) ends the stream at once;
- the server's shutdown ends the streams (sse-starlette's ``AppStatus.should_exit``, which its uvicorn
  hook sets on SIGTERM/SIGINT, or the uvicorn server's ``should_exit`` found through the signal
  handler), looked at every :data:`EXIT_CHECK_SECONDS` by one task per process while streams are open.

Not kept: ``HEAD`` (the route is registered for ``GET`` only, as FastAPI does, so ``HEAD`` gets 405).

Frames use ``\\r\\n`` line ends, like sse-starlette's encoder (:func:`~.stream.fanout.encode`).
"""

from __future__ import annotations

import asyncio
import contextlib
import signal
import time
from collections.abc import Awaitable, Callable, Mapping
from datetime import UTC, datetime
from typing import Any, ClassVar

from sse_starlette.sse import AppStatus
from starlette.background import BackgroundTask
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from pharmacy_desk.relay.http.server_write import ChunkWriter, direct_writer
from pharmacy_desk.relay.stream.fanout import Fanout, StoreFeed, Subscription

EXIT_CHECK_SECONDS = 0.5
MEDIA_TYPE = "text/event-stream"

Opening = Callable[[StoreFeed, Subscription], Awaitable[bytes]]
"""Sets the subscription's cursor and returns the stream's first frames (``ready`` / ``resync``, or none)."""


def ping_frame() -> bytes:
    """``: ping - <UTC time>``; made once per second for all the streams pinged in it."""
    global _ping
    second = int(time.time())
    if _ping[0] != second:
        _ping = (second, f": ping - {datetime.fromtimestamp(second, UTC)}\r\n\r\n".encode())
    return _ping[1]


_ping: tuple[int, bytes] = (-1, b"")


class EventStream(Response):
    """``GET /stores/{store}/events`` as it goes out; see the module docstring."""

    media_type = MEDIA_TYPE

    def __init__(
        self,
        fanout: Fanout,
        store: str,
        device_id: str,
        opening: Opening,
        *,
        ping: float,
        status_code: int = 200,  # FastAPI's OpenAPI reads the default from here
        headers: Mapping[str, str] | None = None,
        background: BackgroundTask | None = None,
    ) -> None:
        self.fanout = fanout
        self.store = store
        self.device_id = device_id
        self.opening = opening
        self.ping = ping
        self.status_code = status_code
        self.background = background
        merged = {"Cache-Control": "no-store", **(headers or {}), "Connection": "keep-alive", "X-Accel-Buffering": "no"}
        self.init_headers(merged)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status_code, "headers": self.raw_headers})
        await self._stream(receive, send, direct_writer(scope))
        await send({"type": "http.response.body", "body": b"", "more_body": False})
        if self.background is not None:
            await self.background()

    async def _stream(self, receive: Receive, send: Send, writer: ChunkWriter | None) -> None:
        loop = asyncio.get_running_loop()
        with self.fanout.subscribe(self.store, self.device_id) as (feed, sub):
            sub.writer = writer  # the feed's reader writes to it only while this task waits in take()
            disconnect = asyncio.create_task(_wait_for_disconnect(receive, sub), name="sse-disconnect")
            timer = _Heartbeat(loop, sub, self.ping)
            _open_streams.add(sub)
            _watch_exit(loop)
            try:
                first = await self.opening(feed, sub)
                if first:
                    await send({"type": "http.response.body", "body": first, "more_body": True})
                while True:
                    batch = await feed.take(sub)
                    if batch is None:  # the client left, the device was revoked, or the relay stops
                        return
                    body = b""
                    if batch:
                        sub.cursor = batch[-1].id
                        body = batch[0].wire if len(batch) == 1 else b"".join(event.wire for event in batch)
                    if sub.ping:
                        sub.ping = False
                        body += ping_frame()
                    await send({"type": "http.response.body", "body": body, "more_body": True})
            finally:
                _open_streams.discard(sub)
                timer.cancel()
                disconnect.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await disconnect


HEARTBEAT_TICK_SECONDS = 1.0
"""The heartbeats of a process's streams are given in ticks of about this length (one timer per tick)."""


class _Heartbeat:
    """One stream's place in its process's :class:`_HeartbeatRing`: a ping due every ``seconds``."""

    def __init__(self, loop: asyncio.AbstractEventLoop, sub: Subscription, seconds: float) -> None:
        self._ring = _HeartbeatRing.of(loop, seconds) if seconds > 0 else None
        self._sub = sub
        if self._ring is not None:
            self._ring.add(sub)

    def cancel(self) -> None:
        if self._ring is not None:
            self._ring.discard(self._sub)
            self._ring = None


class _HeartbeatRing:
    """The heartbeats of every stream of a process with the same interval, on one timer.

    A timer per stream costs the event loop one wake-up per ping: with 5,000 idle streams and a ping
    every 15 s, 333 wake-ups a second, each a loop iteration of its own. Here the interval is cut into
    slots of about :data:`HEARTBEAT_TICK_SECONDS`; a stream joins the slot that comes round last, and
    each tick marks the ping due for the streams of one slot and wakes them together. Every stream is
    pinged once per interval (its first ping may come up to one tick early); the timer stops when the
    last stream leaves."""

    _rings: ClassVar[dict[tuple[asyncio.AbstractEventLoop, float], _HeartbeatRing]] = {}

    def __init__(self, loop: asyncio.AbstractEventLoop, seconds: float) -> None:
        self._loop = loop
        self._key = (loop, seconds)
        count = max(1, round(seconds / HEARTBEAT_TICK_SECONDS))
        self._tick = seconds / count
        self._slots: list[set[Subscription]] = [set() for _ in range(count)]
        self._next = 0  # the slot the next tick pings
        self._where: dict[Subscription, set[Subscription]] = {}
        self._handle: asyncio.TimerHandle | None = None

    @classmethod
    def of(cls, loop: asyncio.AbstractEventLoop, seconds: float) -> _HeartbeatRing:
        ring = cls._rings.get((loop, seconds))
        if ring is None:
            ring = cls._rings[(loop, seconds)] = cls(loop, seconds)
        return ring

    def add(self, sub: Subscription) -> None:
        # the slot just pinged comes round again last: a full interval away, less what is left of this tick
        slot = self._slots[self._next - 1]
        slot.add(sub)
        self._where[sub] = slot
        if self._handle is None:
            self._handle = self._loop.call_later(self._tick, self._fire)

    def discard(self, sub: Subscription) -> None:
        slot = self._where.pop(sub, None)
        if slot is not None:
            slot.discard(sub)
        if not self._where:
            self._close()

    def _fire(self) -> None:
        slot = self._slots[self._next]
        self._next = (self._next + 1) % len(self._slots)
        for sub in slot:
            sub.ping = True
            sub.wake.set()
        self._handle = self._loop.call_later(self._tick, self._fire)

    def _close(self) -> None:
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None
        if self._rings.get(self._key) is self:
            del self._rings[self._key]


async def _wait_for_disconnect(receive: Receive, sub: Subscription) -> None:
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            sub.ended = True
            sub.wake.set()
            return


# --- the server's shutdown ---------------------------------------------------------------------------

_open_streams: set[Subscription] = set()
_exit_watchers: dict[asyncio.AbstractEventLoop, asyncio.Task[None]] = {}


def _uvicorn_exiting() -> bool:
    """sse-starlette's hook saw SIGTERM/SIGINT, or the uvicorn server behind the SIGTERM handler exits."""
    if AppStatus.should_exit:
        return True
    handler: Any = signal.getsignal(signal.SIGTERM)
    server = getattr(handler, "__self__", None)
    return bool(getattr(server, "should_exit", False))


def _watch_exit(loop: asyncio.AbstractEventLoop) -> None:
    task = _exit_watchers.get(loop)
    if task is None or task.done():
        _exit_watchers[loop] = loop.create_task(_exit_watch(loop), name="sse-exit-watch")


async def _exit_watch(loop: asyncio.AbstractEventLoop) -> None:
    try:
        while _open_streams:
            if _uvicorn_exiting():
                for sub in list(_open_streams):
                    sub.ended = True
                    sub.wake.set()
                return
            await asyncio.sleep(EXIT_CHECK_SECONDS)
    finally:
        if _exit_watchers.get(loop) is asyncio.current_task(loop):  # also when closed with its loop
            del _exit_watchers[loop]
