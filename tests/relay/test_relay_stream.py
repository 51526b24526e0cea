"""The store's event stream (SSE) against the real server: resume, live events, resync, heartbeat."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from httpx_sse import ServerSentEvent, aconnect_sse
from sse_starlette.sse import AppStatus

from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.store_log import append_event
from tests.relay.relay_support import OTHER_STORE, SEVEN_TOKEN, STORE, Relay, RelayFactory, new_uuid, webhook
from tests.support import eventually

READ_TIMEOUT = 5.0


async def read_events(
    relay: Relay,
    headers: dict[str, str],
    count: int,
    *,
    last_id: str | None = None,
    query: str = "",
    while_open: Any = None,
) -> list[ServerSentEvent]:
    """Connect, optionally run ``while_open()`` once connected, read ``count`` events, disconnect."""
    sent = dict(headers)
    if last_id is not None:
        sent["Last-Event-ID"] = last_id
    received: list[ServerSentEvent] = []
    async with asyncio.timeout(READ_TIMEOUT):
        async with aconnect_sse(relay.client, "GET", f"/stores/{STORE}/events{query}", headers=sent) as source:
            assert source.response.status_code == 200
            if while_open is not None:
                await while_open()
            async for event in source.aiter_sse():
                received.append(event)
                if len(received) == count:
                    break
    return received


async def stored_ids(relay: Relay, store: str = STORE) -> list[str]:
    return [str(e["event_id"]) for e in await relay.events(store)]


async def test_fresh_connection_gets_ready_then_live_events(relay: Relay) -> None:
    pc = await relay.device()
    await relay.create_order()  # events 1 (order) and 2 (alert: new order)

    async def new_order() -> None:
        await relay.create_order()

    events = await read_events(relay, pc, 3, while_open=new_order)
    assert [(e.event, e.id) for e in events] == [("ready", "2"), ("order", "3"), ("alert", "4")]
    assert events[0].json() == {"last_event_id": 2}
    assert events[1].json()["order"]["number"] == "A12-000002"
    assert events[2].json()["kind"] == "new_order" and events[2].json()["number"] == "A12-000002"


async def test_reconnect_with_last_event_id_gets_exactly_what_was_missed(relay: Relay) -> None:
    pc = await relay.device()
    number = await relay.create_order()
    seen = await read_events(relay, pc, 1)
    last = seen[-1].id
    # While the PC is away: a new order, an assembly start (order + notification), a Kuper event.
    uid = new_uuid()
    await relay.create_order("delivery", uid)
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.post_webhook(webhook("courier_assigned", uid))
    missed = [i for i in await stored_ids(relay) if int(i) > int(last)]
    assert len(missed) == 5

    async def one_more() -> None:
        await relay.post_webhook(webhook("courier_arrived", uid))

    events = await read_events(relay, pc, len(missed) + 2, last_id=last, while_open=one_more)
    assert [e.id for e in events[: len(missed)]] == missed
    assert [e.event for e in events[: len(missed)]] == ["order", "alert", "order", "notification", "order"]
    live = events[len(missed) :]
    assert [e.event for e in live] == ["order", "alert"]
    assert [int(e.id) for e in live] == [int(missed[-1]) + 1, int(missed[-1]) + 2]


async def test_resume_point_from_the_query_string(relay: Relay) -> None:
    pc = await relay.device()
    await relay.create_order()
    await relay.create_order()
    events = await read_events(relay, pc, 2, query="?last_event_id=2")
    assert [e.id for e in events] == ["3", "4"]
    from_start = await read_events(relay, pc, 4, last_id="0")
    assert [e.id for e in from_start] == ["1", "2", "3", "4"]


async def test_an_id_from_the_future_gets_one_resync(relay: Relay) -> None:
    pc = await relay.device()
    await relay.create_order()

    async def new_order() -> None:
        await relay.create_order()

    events = await read_events(relay, pc, 3, last_id="999", while_open=new_order)
    assert [(e.event, e.id) for e in events] == [("resync", "2"), ("order", "3"), ("alert", "4")]
    assert events[0].json()["last_event_id"] == 2


async def test_other_stores_events_are_not_streamed(relay: Relay) -> None:
    pc = await relay.device()

    async def both_stores() -> None:
        seven = {"Client-Token": SEVEN_TOKEN}
        await relay.post_webhook(webhook("order_created_pickup", new_uuid()), store=OTHER_STORE, headers=seven)
        await relay.create_order()

    events = await read_events(relay, pc, 3, while_open=both_stores)
    assert [e.event for e in events] == ["ready", "order", "alert"]
    assert events[1].json()["order"]["store"] == STORE


async def test_events_written_by_another_relay_process_arrive_by_polling(relay: Relay) -> None:
    pc = await relay.device()
    other_process = create_engine(relay.config.database_url)

    async def write_elsewhere() -> None:
        async with other_process.begin() as conn:
            await append_event(conn, STORE, "alert", {"kind": "anomaly", "message": "из другого процесса"})

    try:
        events = await read_events(relay, pc, 2, while_open=write_elsewhere)
    finally:
        await other_process.dispose()
    assert [(e.event, e.id) for e in events] == [("ready", "0"), ("alert", "1")]


async def test_heartbeat_comments_are_sent(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(heartbeat_seconds=0.2)
    pc = await relay.device()
    pings: list[str] = []
    async with asyncio.timeout(READ_TIMEOUT):
        async with relay.client.stream("GET", f"/stores/{STORE}/events", headers=pc) as response:
            assert response.headers["content-type"].startswith("text/event-stream")
            async for line in response.aiter_lines():
                if line.startswith(":"):
                    pings.append(line)
                    if len(pings) == 2:
                        break
    assert all("ping" in p for p in pings)


async def test_the_stream_headers_and_its_frames_as_written(relay: Relay) -> None:
    pc = await relay.device()
    async with asyncio.timeout(READ_TIMEOUT):
        async with relay.client.stream("GET", f"/stores/{STORE}/events", headers=pc) as response:
            assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
            assert response.headers["cache-control"] == "no-store"
            assert response.headers["x-accel-buffering"] == "no"
            first = await anext(response.aiter_raw())
    assert first == b'id: 0\r\nevent: ready\r\ndata: {"last_event_id": 0}\r\n\r\n'


async def test_a_client_that_leaves_ends_its_stream_on_the_relay(relay: Relay) -> None:
    pc = await relay.device()
    fanout = relay.state.fanout
    assert fanout is not None
    assert [e.event for e in await read_events(relay, pc, 1)] == ["ready"]  # then the client disconnects
    await eventually(lambda: fanout.streams(STORE) == 0, timeout=READ_TIMEOUT, what="the stream to end")


async def test_the_servers_shutdown_signal_ends_open_streams(relay: Relay, monkeypatch: pytest.MonkeyPatch) -> None:
    pc = await relay.device()
    lines: list[str] = []
    async with asyncio.timeout(READ_TIMEOUT):
        async with relay.client.stream("GET", f"/stores/{STORE}/events", headers=pc) as response:
            async for line in response.aiter_lines():
                lines.append(line)
                if line.startswith("id: "):
                    monkeypatch.setattr(AppStatus, "should_exit", True)  # what uvicorn's SIGTERM sets
    assert "event: ready" in lines  # and the response ended by itself: the loop above returned
    assert relay.state.fanout is not None and relay.state.fanout.streams(STORE) == 0


async def test_stream_needs_a_device_of_the_store(relay: Relay) -> None:
    assert (await relay.client.get(f"/stores/{STORE}/events")).status_code == 401
    other = await relay.device(OTHER_STORE)
    assert (await relay.client.get(f"/stores/{STORE}/events", headers=other)).status_code == 403
