"""Stream fan-out across relay processes: LISTEN/NOTIFY, the polling fallback, revocations, reconnect storms.

Two relays started by ``relay_factory`` on the same database are two relay processes as far as the
streams go: each has its own engine, fan-out and (PostgreSQL) LISTEN connection. A large
``stream_poll_seconds`` makes "arrived" mean "arrived by a notification": a poll would come too late
for the read time-out.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from httpx_sse import ServerSentEvent, aconnect_sse
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.devices import add_device, revoke_device
from pharmacy_desk.relay.storage.store_log import append_event
from pharmacy_desk.relay.stream import fanout as fanout_module
from pharmacy_desk.relay.stream.listener import ListenState, split_payload
from tests.relay.relay_support import STORE, Relay, RelayFactory, webhook

READ_TIMEOUT = 8.0
NO_POLL = 60.0  # the fallback poll never comes within a test


def is_postgres(relay: Relay) -> bool:
    return relay.config.database_url.startswith("postgresql")


def needs_postgres(relay: Relay) -> None:
    if not is_postgres(relay):
        pytest.skip("several relay processes share a PostgreSQL database only")


@asynccontextmanager
async def stream(
    relay: Relay, headers: dict[str, str], *, last_id: int | None = None, client: httpx.AsyncClient | None = None
) -> AsyncIterator[AsyncIterator[ServerSentEvent]]:
    sent = dict(headers)
    if last_id is not None:
        sent["Last-Event-ID"] = str(last_id)
    async with aconnect_sse(client or relay.client, "GET", f"/stores/{STORE}/events", headers=sent) as source:
        assert source.response.status_code == 200
        yield source.aiter_sse()


async def next_events(events: AsyncIterator[ServerSentEvent], count: int) -> list[ServerSentEvent]:
    received: list[ServerSentEvent] = []
    async with asyncio.timeout(READ_TIMEOUT):
        async for event in events:
            if event.event == "message" and not event.data:
                continue  # a heartbeat comment
            received.append(event)
            if len(received) == count:
                break
    return received


async def write_elsewhere(engine: AsyncEngine, count: int = 1) -> None:
    """Events written by a process that is neither relay (a third one, or a tool)."""
    async with engine.begin() as conn:
        for i in range(count):
            await append_event(conn, STORE, "alert", {"kind": "anomaly", "message": f"снаружи {i}"})


async def wait_for(predicate: Any, what: str, timeout: float = READ_TIMEOUT) -> None:
    async with asyncio.timeout(timeout):
        while not predicate():
            await asyncio.sleep(0.02)


async def health_events(relay: Relay) -> str:
    body: dict[str, Any] = (await relay.client.get("/health")).json()
    return str(body["events"])


# --- across processes ------------------------------------------------------------------------------


async def test_an_event_written_through_one_process_reaches_a_stream_on_another_without_a_poll(
    relay_factory: RelayFactory,
) -> None:
    a = await relay_factory(stream_poll_seconds=NO_POLL)
    needs_postgres(a)
    b = await relay_factory(stream_poll_seconds=NO_POLL)
    assert await health_events(a) == await health_events(b) == "listening"
    pc = await b.device()
    async with stream(b, pc) as events:
        assert [e.event for e in await next_events(events, 1)] == ["ready"]
        response = await a.post_webhook(webhook("order_created_delivery"))
        assert response.status_code == 200
        live = await next_events(events, 2)
    assert [(e.event, e.id) for e in live] == [("order", "1"), ("alert", "2")]
    assert live[0].json()["order"]["number"] == response.json()["number"]
    fan = b.state.fanout
    assert fan is not None and fan.reads["poll"] == 0 and fan.reads["notify"] >= 1


async def test_idle_streams_run_no_query(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(stream_poll_seconds=0.2, heartbeat_seconds=0.2)
    needs_postgres(relay)
    pc = await relay.device()
    fan = relay.state.fanout
    assert fan is not None
    async with stream(relay, pc) as first, stream(relay, pc) as second:
        await next_events(first, 1)
        await next_events(second, 1)
        await wait_for(lambda: fan.reads["init"] == 1 and fan.reads["notify"] == 1, "the feed's first read")
        before = sum(fan.reads.values())
        await asyncio.sleep(1.0)  # five poll intervals, five heartbeats: no poll while listening
        assert sum(fan.reads.values()) == before
        await write_elsewhere(relay.state.engine)
        assert [e.id for e in await next_events(first, 1)] == ["1"]
        assert [e.id for e in await next_events(second, 1)] == ["1"]
    assert sum(fan.reads.values()) - before == 1  # one read of the table for both streams


async def test_a_killed_listen_connection_falls_back_to_polling_then_recovers(
    relay_factory: RelayFactory, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="pharmacy_desk.relay.stream.listener")
    relay = await relay_factory(stream_poll_seconds=0.3)
    needs_postgres(relay)
    listener, fan = relay.state.listener, relay.state.fanout
    assert listener is not None and fan is not None and listener.server_pid is not None
    listener.retry_first = 6.0  # 3 to 6 s: long enough to see the fallback at work on a busy machine
    other = create_engine(relay.config.database_url)
    pc = await relay.device()
    try:
        async with stream(relay, pc) as events:
            await next_events(events, 1)
            async with other.connect() as conn:
                killed = (
                    await conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": listener.server_pid})
                ).scalar_one()
            assert killed is True
            await wait_for(lambda: listener.state is ListenState.POLLING, "the listener noticing")
            assert await health_events(relay) == "polling"
            assert "LISTEN connection lost" in caplog.text

            await write_elsewhere(other, 2)  # nobody notifies this process now: the poll finds them
            assert [e.id for e in await next_events(events, 2)] == ["1", "2"]
            assert fan.reads["poll"] >= 1

            await wait_for(lambda: listener.state is ListenState.LISTENING, "the listener coming back", timeout=20)
            assert await health_events(relay) == "listening"
            assert listener.connections == 2
            assert "LISTEN connection back" in caplog.text
            notified = fan.reads["notify"]
            await write_elsewhere(other)
            assert [e.id for e in await next_events(events, 1)] == ["3"]
            assert fan.reads["notify"] > notified
    finally:
        await other.dispose()


async def test_a_revoked_devices_streams_end_at_once_on_every_process(relay_factory: RelayFactory) -> None:
    a = await relay_factory(stream_poll_seconds=NO_POLL)
    needs_postgres(a)
    b = await relay_factory(stream_poll_seconds=NO_POLL)
    device, token = await add_device(a.state.engine, STORE, "Касса 1")
    pc = {"Authorization": f"Bearer {token}"}
    other_pc = await a.device(name="Касса 2")
    cli = create_engine(a.config.database_url)  # `pharmacy-desk-relay device revoke` runs in a process of its own
    try:
        async with stream(a, pc) as on_a, stream(b, pc) as on_b, stream(b, other_pc) as still_open:
            for events in (on_a, on_b, still_open):
                await next_events(events, 1)
            await revoke_device(cli, device.id)
            for events in (on_a, on_b):  # each ends (well before any revocation sweep would come)
                assert await next_events(events, 1) == []
            await write_elsewhere(cli)
            assert [e.id for e in await next_events(still_open, 1)] == ["1"]
        assert (await b.client.get(f"/stores/{STORE}/events", headers=pc)).status_code == 401
    finally:
        await cli.dispose()


async def test_without_notifications_a_revocation_is_found_by_one_sweep_per_process(
    relay_factory: RelayFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout_module, "REVOCATION_SWEEP_SECONDS", 0.2)
    relay = await relay_factory()
    fan = relay.state.fanout
    assert fan is not None
    if is_postgres(relay):
        fan.listen_state(ListenState.POLLING)  # as while the LISTEN connection is down
    device, token = await add_device(relay.state.engine, STORE, "Касса 1")
    pc = {"Authorization": f"Bearer {token}"}
    cli = create_engine(relay.config.database_url)
    try:
        async with stream(relay, pc) as first, stream(relay, pc) as second:
            await next_events(first, 1)
            await next_events(second, 1)
            sweeps = fan.revocation_sweeps
            await revoke_device(cli, device.id)
            assert await next_events(first, 1) == []
            assert await next_events(second, 1) == []
            assert fan.revocation_sweeps - sweeps <= 2  # one query for both streams (two if a sweep was under way)
    finally:
        await cli.dispose()


# --- reconnect storms ------------------------------------------------------------------------------

STORM = 500
STORED = 120


async def test_500_streams_reconnecting_at_once_get_exactly_what_they_missed(relay_factory: RelayFactory) -> None:
    first = await relay_factory(stream_poll_seconds=NO_POLL)
    relays = [first, await relay_factory(stream_poll_seconds=NO_POLL)] if is_postgres(first) else [first]
    writer = create_engine(first.config.database_url)
    try:
        await write_elsewhere(writer, STORED)  # written while the PCs were away (the relays just restarted)
    finally:
        await writer.dispose()
    devices = [await first.device(name=f"Касса {i}") for i in range(5)]
    rng = random.Random(17)
    resume = [rng.randint(0, STORED) for _ in range(STORM)]
    resume[:3] = [0, STORED, STORED - 1]
    connected = asyncio.Event()
    opened = 0
    limits = httpx.Limits(max_connections=STORM + 10, max_keepalive_connections=0)
    clients = [httpx.AsyncClient(base_url=r.base_url, timeout=30, limits=limits, verify=False) for r in relays]

    async def pc(i: int) -> list[int]:
        nonlocal opened
        relay = relays[i % len(relays)]
        client = clients[i % len(relays)]
        ids: list[int] = []
        async with stream(relay, devices[i % len(devices)], last_id=resume[i], client=client) as events:
            missed = STORED - resume[i]
            if missed:
                ids += [int(e.id) for e in await next_events(events, missed)]
            opened += 1
            if opened == STORM:
                connected.set()
            ids += [int(e.id) for e in await next_events(events, 1)]  # then the live one
        return ids

    async def one_live_event() -> None:
        async with asyncio.timeout(60):
            await connected.wait()
        response = await first.post_webhook(webhook("order_created_pickup"))  # its order event is the next id
        assert response.status_code == 200

    try:
        async with asyncio.timeout(90):
            *results, _ = await asyncio.gather(*(pc(i) for i in range(STORM)), one_live_event())
    finally:
        for client in clients:
            await client.aclose()
    for i, ids in enumerate(results):
        assert ids == list(range(resume[i] + 1, STORED + 2)), f"PC {i} resumed after {resume[i]}"
    for relay in relays:
        fan = relay.state.fanout
        assert fan is not None
        table_reads = sum(n for cause, n in fan.reads.items() if cause != "counter")
        assert fan.reads["direct"] == 0
        assert fan.reads["counter"] < STORM // 10  # shared, or answered by the feed
        assert table_reads < STORM // 10, f"{table_reads} reads of the event table for {STORM} streams: {fan.reads}"
        print(relay.config.database_url.split(":")[0], dict(fan.reads))


# --- small parts -----------------------------------------------------------------------------------


def test_notification_payloads() -> None:
    assert split_payload("apteka-12:41") == ("apteka-12", "41")
    assert split_payload("a:b:c") == ("a:b", "c")
    assert split_payload("no separator") is None
    assert split_payload(":5") is None and split_payload("store:") is None


async def test_a_stream_far_behind_the_window_reads_by_itself(
    relay_factory: RelayFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fanout_module, "MAX_BACKFILL", 10)
    monkeypatch.setattr(fanout_module, "WINDOW", 5)
    monkeypatch.setattr(fanout_module, "PAGE", 7)
    relay = await relay_factory()
    pc = await relay.device()
    await write_elsewhere(relay.state.engine, 40)
    async with stream(relay, pc) as near:  # the feed starts at 40
        assert [e.event for e in await next_events(near, 1)] == ["ready"]
        async with stream(relay, pc, last_id=2) as far, stream(relay, pc, last_id=33) as close:
            assert [int(e.id) for e in await next_events(far, 38)] == list(range(3, 41))
            assert [int(e.id) for e in await next_events(close, 7)] == list(range(34, 41))
    fan = relay.state.fanout
    assert fan is not None and fan.reads["direct"] >= 1 and fan.reads["backfill"] >= 1
