"""The event stream: resume with Last-Event-ID across a relay restart, resync, heartbeats, dead links."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, datetime
from pathlib import Path

import pytest
from httpx_sse import ServerSentEvent
from sqlalchemy import insert

from pharmacy_desk.desk import stream as stream_module
from pharmacy_desk.desk.backoff import Backoff
from pharmacy_desk.desk.relay_client import RelayClient
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus, EventCursor, EventStream, StreamEvent
from pharmacy_desk.relay.storage.devices import hash_token
from pharmacy_desk.relay.storage.schema import devices
from tests.desk.desk_support import STORE, RelayServer
from tests.support import eventually

FAST = Backoff(initial=0.05, cap=0.2)


class Recorder:
    def __init__(self) -> None:
        self.events: list[StreamEvent] = []
        self.snapshots: list[str] = []
        self.states: list[ConnectionStatus] = []
        self.gate = asyncio.Event()
        self.gate.set()

    async def on_event(self, event: StreamEvent) -> None:
        self.events.append(event)

    async def on_snapshot(self, reason: str) -> None:
        self.snapshots.append(reason)

    def on_status(self, status: ConnectionStatus) -> None:
        self.states.append(status)

    async def sleep(self, delay: float) -> None:
        await self.gate.wait()
        await asyncio.sleep(delay)

    def stream(self, client: RelayClient, **kwargs: object) -> EventStream:
        return EventStream(
            client,
            on_event=self.on_event,
            on_snapshot=self.on_snapshot,
            on_status=self.on_status,
            backoff=FAST,
            sleep=self.sleep,
            **kwargs,  # type: ignore[arg-type]
        )

    @property
    def state(self) -> ConnectionState | None:
        return self.states[-1].state if self.states else None


@contextlib.asynccontextmanager
async def following(stream: EventStream):  # type: ignore[no-untyped-def]
    stream.start()
    try:
        yield stream
    finally:
        await stream.stop()
        await stream.client.aclose()


async def test_resume_after_relay_restart_gets_exactly_the_missed_events(relay: RelayServer) -> None:
    await relay.create_order()  # events 1 (order), 2 (new-order alert)
    rec = Recorder()
    client = RelayClient(relay.base_url, STORE, await relay.device(), timeout=3)
    async with following(rec.stream(client, idle_timeout=3)) as stream:
        await eventually(lambda: rec.snapshots == ["ready"] and stream.last_event_id == 2)
        await relay.create_order()  # 3, 4: live
        await eventually(lambda: stream.last_event_id == 4)

        rec.gate.clear()  # the next reconnect waits until the missed events exist
        await relay.stop()
        await eventually(lambda: rec.state in (ConnectionState.RECONNECTING, ConnectionState.OFFLINE))
        await relay.start()  # same port, same database
        uuid = "retailer-slug:00000000-0000-0000-0000-0000000000c1"
        await relay.create_order(order_uuid=uuid)  # 5, 6
        await relay.event("order_canceled", uuid)  # 7
        rec.gate.set()

        await eventually(lambda: stream.last_event_id == 7)
        assert [e.id for e in rec.events] == [3, 4, 5, 6, 7]
        assert [e.kind for e in rec.events[2:]] == ["order", "alert", "order"]
        assert rec.events[-1].data["order"]["state"] == "canceled"
        assert rec.snapshots == ["ready"]  # resumed: no reload
        assert stream.connections == 2
        assert rec.state is ConnectionState.CONNECTED


async def test_a_replaced_relay_database_means_resync(relay: RelayServer, tmp_path: Path) -> None:
    await relay.create_order()
    token = await relay.device()
    rec = Recorder()
    async with following(rec.stream(RelayClient(relay.base_url, STORE, token, timeout=3))) as stream:
        await eventually(lambda: stream.last_event_id == 2)
        rec.gate.clear()
        await relay.stop()
        await eventually(lambda: rec.state in (ConnectionState.RECONNECTING, ConnectionState.OFFLINE))
        relay.database_url = f"sqlite+aiosqlite:///{tmp_path / 'fresh.sqlite3'}"
        await relay.start()
        async with relay.state.engine.begin() as conn:  # the same device in the new database
            await conn.execute(
                insert(devices).values(
                    id="dev-1", store=STORE, name="Касса 1", token_hash=hash_token(token), created_at=datetime.now(UTC)
                )
            )
        rec.gate.set()
        await eventually(lambda: rec.snapshots == ["ready", "resync"])
        assert stream.last_event_id == 0
        await relay.create_order()
        await eventually(lambda: stream.last_event_id == 2)
        assert [e.id for e in rec.events] == [1, 2]


async def test_heartbeats_keep_a_quiet_stream_open(tmp_path: Path) -> None:
    relay = RelayServer(f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}", heartbeat_seconds=0.2)
    await relay.start()
    try:
        rec = Recorder()
        client = RelayClient(relay.base_url, STORE, await relay.device(), timeout=3)
        async with following(rec.stream(client, idle_timeout=0.8)) as stream:
            await eventually(lambda: rec.state is ConnectionState.CONNECTED)
            await asyncio.sleep(1.6)  # two idle time-outs without a single event
            assert stream.connections == 1
            assert rec.state is ConnectionState.CONNECTED
    finally:
        await relay.stop()


async def test_a_silent_connection_is_noticed_and_replaced() -> None:
    accepted = 0

    async def black_hole(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal accepted
        accepted += 1
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n")
        await writer.drain()
        with contextlib.suppress(Exception):
            await reader.read()  # never answers again; ends when the client gives up
        writer.close()

    server = await asyncio.start_server(black_hole, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    rec = Recorder()
    try:
        async with following(
            rec.stream(RelayClient(f"http://127.0.0.1:{port}", STORE, "t", timeout=2), idle_timeout=0.3)
        ):
            await eventually(lambda: accepted >= 3, timeout=5)
            states = [s.state for s in rec.states]
            assert ConnectionState.CONNECTED in states and ConnectionState.RECONNECTING in states
            assert any("ReadTimeout" in (s.detail or "") for s in rec.states)
    finally:
        server.close()
        await server.wait_closed()


async def test_offline_after_repeated_failures_then_back(tmp_path: Path) -> None:
    relay = RelayServer(f"sqlite+aiosqlite:///{tmp_path / 'r.sqlite3'}")
    await relay.start()
    token = await relay.device()
    await relay.stop()
    rec = Recorder()
    try:
        async with following(rec.stream(RelayClient(relay.base_url, STORE, token, timeout=2), offline_after=3)):
            await eventually(lambda: rec.state is ConnectionState.OFFLINE)
            assert [s.state for s in rec.states][:3] == [
                ConnectionState.CONNECTING,
                ConnectionState.RECONNECTING,
                ConnectionState.RECONNECTING,
            ]
            assert "Нет связи" in rec.states[-1].message
            await relay.start()
            await eventually(lambda: rec.state is ConnectionState.CONNECTED)
    finally:
        await relay.stop()


async def test_a_bad_token_stops_the_stream(relay: RelayServer) -> None:
    rec = Recorder()
    stream = rec.stream(RelayClient(relay.base_url, STORE, "revoked", timeout=2))
    task = stream.start()
    await asyncio.wait_for(task, 5)
    assert rec.state is ConnectionState.AUTH_FAILED
    assert "Токен" in rec.states[-1].message
    await stream.client.aclose()


def test_cursor_tells_next_duplicate_and_gap() -> None:
    cursor = EventCursor()
    assert cursor.classify(17) == "next"
    cursor.last_id = 17
    assert cursor.classify(18) == "next"
    assert cursor.classify(17) == "duplicate"
    assert cursor.classify(3) == "duplicate"
    assert cursor.classify(20) == "gap"


async def test_gap_reloads_then_applies_and_duplicates_are_skipped() -> None:
    rec = Recorder()
    stream = rec.stream(RelayClient("http://127.0.0.1:9", STORE, "t"), last_event_id=5)
    for sse in (
        ServerSentEvent(event="order", data='{"n": 6}', id="6"),
        ServerSentEvent(event="order", data='{"n": 6}', id="6"),
        ServerSentEvent(event="alert", data='{"n": 9}', id="9"),
        ServerSentEvent(event="order", data="not json", id="10"),
        ServerSentEvent(event="order", data='{"n": 11}', id="11"),
    ):
        await stream._handle(sse)
    assert [e.id for e in rec.events] == [6, 9, 11]
    assert rec.snapshots == ["gap"]
    assert stream.last_event_id == 11
    await stream.client.aclose()


async def test_a_failed_snapshot_keeps_the_old_id() -> None:
    rec = Recorder()

    async def failing(reason: str) -> None:
        raise RuntimeError("relay gone")

    stream = rec.stream(RelayClient("http://127.0.0.1:9", STORE, "t"), last_event_id=5)
    stream.on_snapshot = failing
    with pytest.raises(RuntimeError):
        await stream._handle(ServerSentEvent(event="resync", data="{}", id="40"))
    assert stream.last_event_id == 5
    await stream.client.aclose()


async def test_stop_ends_a_stream_that_lost_its_first_cancellation(
    relay: RelayServer, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A cancellation swallowed below the stream (seen in CI: the app's stop waited for ever while the
    stream read on) is followed by another one: stop() returns, the stream is stopped."""
    monkeypatch.setattr(stream_module, "STOP_RETRY_SECONDS", 0.2)
    swallowed: list[int] = []
    rec = Recorder()
    busy = asyncio.Event()

    async def stubborn(event: StreamEvent) -> None:
        busy.set()
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            swallowed.append(event.id)  # the lost cancellation
            await asyncio.sleep(60)

    client = RelayClient(relay.base_url, STORE, await relay.device(), timeout=3)
    stream = rec.stream(client, idle_timeout=3)
    stream.on_event = stubborn
    stream.start()
    try:
        await eventually(lambda: rec.state is ConnectionState.CONNECTED)
        await relay.create_order()
        await asyncio.wait_for(busy.wait(), 8)
        async with asyncio.timeout(5):
            await stream.stop()
    finally:
        await client.aclose()
    assert swallowed == [1] and rec.state is ConnectionState.STOPPED
    assert "cancelling again" in caplog.text
