"""The feed's reader writes new events straight to waiting streams (:mod:`pharmacy_desk.relay.http.server_write`).

Against the real relay on uvicorn (httptools, as the relay's CLI serves it; h11 for the fallback): the
events arrive as before, the reader wrote them itself, and where it cannot (a heartbeat due, a client that
does not read, another server protocol) the stream's task writes them, in order, with nothing lost or
sent twice. The reader's choices one by one are checked with a writer that records.
"""

from __future__ import annotations

import asyncio
import re
import socket
from pathlib import Path
from typing import Any

import pytest
from httpx_sse import aconnect_sse

from pharmacy_desk.relay.http.server_write import SERVER_SEND, direct_writer
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.store_log import append_event
from pharmacy_desk.relay.stream.fanout import PAGE, Fanout, StoreFeed, Subscription, encode
from tests.relay.relay_support import STORE, Relay, RelayFactory, webhook

READ_TIMEOUT = 10.0
QUIET = 600.0  # no heartbeat, no poll within a test


def writes(relay: Relay) -> dict[str, int]:
    fanout = relay.state.fanout
    assert fanout is not None
    return dict(fanout.writes)


def grew(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    return {key: after.get(key, 0) - before.get(key, 0) for key in ("direct", "woken", "held")}


async def add_events(relay: Relay, count: int, *, size: int = 40) -> None:
    """``count`` alerts written through the relay's engine, then the fan-out told (as the relay's writers do)."""
    async with relay.state.engine.begin() as conn:
        for i in range(count):
            await append_event(conn, STORE, "alert", {"kind": "anomaly", "message": f"{i} " + "ж" * size})
    fanout = relay.state.fanout
    assert fanout is not None
    fanout.committed(STORE)


async def live_events(relay: Relay, headers: dict[str, str], count: int) -> list[tuple[str, str]]:
    """(event, id) of the first ``count`` events after ``ready`` on a stream opened now."""
    got: list[tuple[str, str]] = []
    async with aconnect_sse(relay.client, "GET", f"/stores/{STORE}/events", headers=headers) as source:
        events = source.aiter_sse()
        async with asyncio.timeout(READ_TIMEOUT):
            async for event in events:
                if event.event == "ready":
                    break
        return await _take(events, got, count)


async def _take(events: Any, got: list[tuple[str, str]], count: int) -> list[tuple[str, str]]:
    async with asyncio.timeout(READ_TIMEOUT):
        async for event in events:
            if event.event == "message" and not event.data:
                continue  # a heartbeat
            got.append((event.event, event.id))
            if len(got) == count:
                break
    return got


# --- the real relay -------------------------------------------------------------------------------


async def _two_streams_one_webhook(relay: Relay) -> tuple[list[list[tuple[str, str]]], dict[str, int]]:
    pcs = [await relay.device(name=f"Касса {i}") for i in (1, 2)]
    fanout = relay.state.fanout
    assert fanout is not None
    tasks = [asyncio.create_task(live_events(relay, pc, 2)) for pc in pcs]
    async with asyncio.timeout(READ_TIMEOUT):
        while fanout.streams(STORE) < 2 or not all(sub.parked for sub in fanout.feeds[STORE].subs):
            await asyncio.sleep(0.01)
    before = writes(relay)
    response = await relay.post_webhook(webhook("order_created_delivery"))
    assert response.status_code == 200
    received = await asyncio.gather(*tasks)
    return received, grew(before, writes(relay))


async def test_new_events_are_written_to_waiting_streams_by_the_reader(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(heartbeat_seconds=QUIET, stream_poll_seconds=QUIET)
    received, counted = await _two_streams_one_webhook(relay)
    assert received == [[("order", "1"), ("alert", "2")]] * 2
    # each stream got the webhook's events from the reader (one pass or two); no task was woken for them
    assert counted["direct"] >= 2 and counted["woken"] == 0 and counted["held"] == 0, counted


async def test_on_uvicorns_h11_protocol_the_streams_tasks_write_the_same_events(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(http="h11", heartbeat_seconds=QUIET, stream_poll_seconds=QUIET)
    received, counted = await _two_streams_one_webhook(relay)
    assert received == [[("order", "1"), ("alert", "2")]] * 2
    assert counted["direct"] == 0 and counted["woken"] >= 2, counted


async def test_heartbeats_between_direct_writes_lose_no_event_and_repeat_none(relay_factory: RelayFactory) -> None:
    # pings every 50 ms wake the task (it writes what is new then); the reader writes the rest
    relay = await relay_factory(heartbeat_seconds=0.05, stream_poll_seconds=0.05)
    pc = await relay.device()
    total = 240
    pings = 0
    ids: list[int] = []
    async with aconnect_sse(relay.client, "GET", f"/stores/{STORE}/events", headers=pc) as source:
        events = source.aiter_sse()
        async with asyncio.timeout(READ_TIMEOUT):
            async for event in events:
                if event.event == "ready":
                    start = int(event.id)
                    break
        before = writes(relay)

        async def writer() -> None:
            for _ in range(total // 8):
                await add_events(relay, 8)
                await asyncio.sleep(0.013)

        writing = asyncio.create_task(writer())
        async with asyncio.timeout(READ_TIMEOUT * 2):
            async for event in events:
                if event.event == "message" and not event.data:
                    pings += 1
                    continue
                ids.append(int(event.id))
                if len(ids) == total:
                    break
        await writing
    assert ids == list(range(start + 1, start + total + 1))
    counted = grew(before, writes(relay))
    assert counted["direct"] >= 1 and pings >= 1, (counted, pings)


def _small_window_socket(base_url: str) -> socket.socket:
    host, port = base_url.removeprefix("http://").split(":")
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connecting: a small window
    sock.connect((host, int(port)))
    sock.setblocking(False)
    return sock


async def test_a_client_that_stops_reading_gets_every_event_in_order_once_it_reads_again(
    relay_factory: RelayFactory,
) -> None:
    relay = await relay_factory(heartbeat_seconds=QUIET, stream_poll_seconds=QUIET)
    pc = await relay.device()
    reader, writer = await asyncio.open_connection(sock=_small_window_socket(relay.base_url))
    request = f"GET /stores/{STORE}/events HTTP/1.1\r\nHost: relay\r\nAuthorization: {pc['Authorization']}\r\n\r\n"
    writer.write(request.encode())
    seen = b""
    async with asyncio.timeout(READ_TIMEOUT):
        while b"event: ready" not in seen:
            seen += await reader.read(65536)
    start = int(re.findall(rb"id: (\d+)\r\n", seen)[-1])
    before = writes(relay)
    # the client reads nothing while the relay writes: the kernel's buffers fill, then the transport's,
    # and uvicorn's flow control pauses the connection; from then on the reader leaves it to the task
    added = 0
    async with asyncio.timeout(READ_TIMEOUT * 2):
        while grew(before, writes(relay))["held"] == 0:
            await add_events(relay, 20, size=2000)
            added += 20
            await asyncio.sleep(0.02)
    counted = grew(before, writes(relay))
    assert counted["direct"] >= 1 and counted["woken"] >= 1, counted
    await add_events(relay, 5)
    added += 5
    data = b""
    last = f"id: {start + added}\r\n".encode()
    async with asyncio.timeout(READ_TIMEOUT * 2):
        while last not in data[-20000:]:
            data += await reader.read(1 << 20)
    ids = [int(i) for i in re.findall(rb"\r\nid: (\d+)\r\n", seen + data)]
    assert [i for i in ids if i > start] == list(range(start + 1, start + added + 1))
    writer.close()
    await writer.wait_closed()


def test_a_send_that_is_not_uvicorns_httptools_has_no_direct_writer() -> None:
    """httpx's ASGI transport, h11, another server: the responses write through ``send`` (and work)."""

    async def plain_send(message: Any) -> None:
        raise AssertionError("not called")

    assert direct_writer({"type": "http", SERVER_SEND: plain_send}) is None
    assert direct_writer({"type": "http", SERVER_SEND: RecordingWriter().write}) is None  # a bound method
    assert direct_writer({"type": "http"}) is None


# --- the reader's choices, one stream at a time -----------------------------------------------------


class RecordingWriter:
    def __init__(self, *, writable: bool = True, fails: bool = False) -> None:
        self.open = writable
        self.fails = fails
        self.bodies: list[bytes] = []

    def writable(self) -> bool:
        return self.open

    def write(self, body: bytes) -> None:
        if self.fails:
            raise RuntimeError("unable to perform operation on <TCPTransport closed=True>")
        self.bodies.append(body)


@pytest.fixture
def feed(tmp_path: Path) -> StoreFeed:
    """A feed holding events 1 .. PAGE + 10 (its engine is never connected: the reader's loop reads nothing)."""
    fanout = Fanout(create_engine(f"sqlite+aiosqlite:///{tmp_path / 'relay.db'}"), poll_seconds=QUIET)
    feed = StoreFeed(fanout, STORE)
    feed.ready = True
    feed.events = [encode(i, "alert", f'{{"n": {i}}}') for i in range(1, PAGE + 11)]
    feed.lo, feed.hi = 0, PAGE + 10
    return feed


def stream_of(feed: StoreFeed, cursor: int, writer: RecordingWriter | None, *, parked: bool = True) -> Subscription:
    sub = Subscription(STORE, "device", cursor=cursor, writer=writer, parked=parked)
    feed.subs.add(sub)
    return sub


def test_a_waiting_stream_gets_what_is_after_its_cursor_in_one_write(feed: StoreFeed) -> None:
    out = RecordingWriter()
    sub = stream_of(feed, feed.hi - 2, out)
    feed._deliver()
    assert out.bodies == [feed.events[-2].wire + feed.events[-1].wire]
    assert sub.cursor == feed.hi and not sub.wake.is_set()
    assert feed.fanout.writes == {"direct": 1, "woken": 0, "held": 0}


def test_a_stream_more_than_a_page_behind_gets_a_page_and_its_task_the_rest(feed: StoreFeed) -> None:
    out = RecordingWriter()
    sub = stream_of(feed, 0, out)
    feed._deliver()
    assert out.bodies == [b"".join(event.wire for event in feed.events[:PAGE])]
    assert sub.cursor == PAGE and sub.wake.is_set()


@pytest.mark.parametrize(
    ("case", "held"),
    [
        ("not writable", 1),
        ("no writer", 0),
        ("not waiting", 0),
        ("heartbeat due", 0),
        ("ended", 0),
        ("below the window", 0),
    ],
)
def test_the_task_is_woken_when_the_reader_may_not_write(feed: StoreFeed, case: str, held: int) -> None:
    out = RecordingWriter(writable=case != "not writable")
    sub = stream_of(feed, feed.hi - 1, None if case == "no writer" else out, parked=case != "not waiting")
    sub.ping = case == "heartbeat due"
    sub.ended = case == "ended"
    if case == "below the window":
        feed.lo, feed.events = 5, feed.events[5:]
        sub.cursor = 2
    feed._deliver()
    assert out.bodies == [] and sub.wake.is_set()
    assert sub.cursor == (2 if case == "below the window" else feed.hi - 1)  # the task sends from its cursor
    assert feed.fanout.writes == {"direct": 0, "woken": 1, "held": held}


def test_a_waiting_stream_with_nothing_new_is_left_asleep(feed: StoreFeed) -> None:
    out = RecordingWriter()
    sub = stream_of(feed, feed.hi, out)
    feed._deliver()
    assert out.bodies == [] and not sub.wake.is_set()
    assert feed.fanout.writes == {"direct": 0, "woken": 0, "held": 0}


def test_a_write_that_fails_leaves_the_event_to_the_streams_task_and_the_others_are_written(feed: StoreFeed) -> None:
    broken, fine = RecordingWriter(fails=True), RecordingWriter()
    lost = stream_of(feed, feed.hi - 1, broken)
    other = stream_of(feed, feed.hi - 1, fine)
    feed._deliver()  # does not raise: the feed's reader goes on
    assert lost.cursor == feed.hi - 1 and lost.wake.is_set() and lost.writer is None  # its task sends it
    assert fine.bodies == [feed.events[-1].wire] and other.cursor == feed.hi
    assert feed.fanout.writes == {"direct": 1, "woken": 1, "held": 0}
