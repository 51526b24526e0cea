"""Test helpers for the outbox: a stub Kuper served by uvicorn on loopback, a controllable clock,
database set-up (SQLite file / temporary PostgreSQL database) and row factories.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import socket
import uuid
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs

from sqlalchemy import insert, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.notifications import (
    AssembledNotification,
    CanceledNotification,
    InWorkNotification,
    Notification,
    PickupCodeCreatedNotification,
)
from pharmacy_desk.relay.storage.schema import orders, outbox, store_events
from tests.support import LoopbackServer

STORE = "apteka-12"
SEQ_EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
"""A notification's ``timestamp`` is ``SEQ_EPOCH + seq seconds``: the stub reads its sequence from it."""

PG_URL = os.environ.get("PHARMACY_DESK_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


# --- clock ---------------------------------------------------------------------------------------


class FakeClock:
    """A clock that only moves when told to; it starts a minute ahead, so rows inserted now are due."""

    def __init__(self, start: datetime | None = None) -> None:
        self.now = start or datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=1)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += timedelta(seconds=seconds)


# --- stub Kuper ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Answer:
    """What the stub answers to one notification."""

    status: int = 200
    body: str = "{}"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to hold the answer (cut short when the stub shuts down)


@dataclass
class Arrival:
    """One notification request as the stub saw it (in arrival order)."""

    order_uuid: str
    event_type: str
    seq: int
    token: str
    status: int = 0


Responder = Callable[[Arrival], Answer]


class StubKuper:
    """Kuper's notification and token endpoints; the test switches the answers."""

    def __init__(self) -> None:
        self.responder: Responder = lambda _arrival: Answer(200)
        self.arrivals: list[Arrival] = []
        self.tokens_issued = 0
        self.rejected_tokens: set[str] = set()
        self.reject_every_token = False
        self.in_flight = 0
        self.max_in_flight = 0
        self.release = asyncio.Event()
        self.url = ""
        self.app = Starlette(
            routes=[
                Route(names.TOKEN_PATH, self._token, methods=["POST"]),
                Route(names.NOTIFICATIONS_PATH, self._notification, methods=["POST"]),
            ]
        )

    def answer(self, status: int, body: str = "{}", **headers: str) -> None:
        """Answer every notification with ``status`` from now on."""
        self.always(Answer(status, body, dict(headers)))

    def always(self, answer: Answer) -> None:
        """Answer every notification with ``answer`` from now on."""
        self.responder = lambda _arrival: answer

    def of(self, order_uuid: str) -> list[Arrival]:
        return [arrival for arrival in self.arrivals if arrival.order_uuid == order_uuid]

    async def _token(self, request: Request) -> Response:
        form = parse_qs((await request.body()).decode())
        assert form[names.TOKEN_GRANT_TYPE] == [names.TOKEN_GRANT_CLIENT_CREDENTIALS]
        self.tokens_issued += 1
        return JSONResponse({"access_token": f"tok-{self.tokens_issued}", "token_type": "bearer", "expires_in": 3600})

    async def _notification(self, request: Request) -> Response:
        body = await request.json()
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        stamp = datetime.fromisoformat(body["timestamp"])
        arrival = Arrival(
            order_uuid=body["payload"]["orderUUID"],
            event_type=body["event_type"],
            seq=int((stamp - SEQ_EPOCH).total_seconds()),
            token=token,
        )
        self.arrivals.append(arrival)
        if self.reject_every_token or token in self.rejected_tokens:
            arrival.status = 401
            return Response(status_code=401)
        answer = self.responder(arrival)
        arrival.status = answer.status
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            if answer.delay:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(answer.delay):
                        await self.release.wait()
        finally:
            self.in_flight -= 1
        return Response(answer.body, status_code=answer.status, headers=answer.headers, media_type="application/json")


class StubServer:
    """Serves a :class:`StubKuper` with uvicorn on 127.0.0.1, a free port (``async with``: the stub)."""

    def __init__(self, stub: StubKuper) -> None:
        self.stub = stub
        self._server = LoopbackServer(stub.app, lifespan="off", log_level="warning", http="h11")

    async def __aenter__(self) -> StubKuper:
        self.stub.url = await self._server.start()
        return self.stub

    async def __aexit__(self, *exc_info: object) -> None:
        self.stub.release.set()  # answers still held come back now
        await self._server.stop()


# --- PostgreSQL ------------------------------------------------------------------------------------


def pg_reachable(url: str = PG_URL) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def _run_in_thread(coro_factory: Callable[[], Coroutine[Any, Any, None]]) -> None:
    """Run admin SQL on a private event loop (fixtures outside the test's loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        pool.submit(lambda: asyncio.run(coro_factory())).result()


def create_temp_database(url: str = PG_URL) -> str:
    """Create a uniquely named database on ``url``'s server; returns its SQLAlchemy URL."""
    parsed = make_url(url)
    name = f"pd_outbox_{os.getpid()}_{uuid.uuid4().hex[:10]}"

    _run_in_thread(lambda: _admin(url, f'CREATE DATABASE "{name}"'))
    return parsed.set(database=name).render_as_string(hide_password=False)


def drop_temp_database(temp_url: str, server_url: str = PG_URL) -> None:
    name = make_url(temp_url).database
    assert name and name.startswith("pd_outbox_")

    _run_in_thread(lambda: _admin(server_url, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


# --- rows ------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRef:
    id: int
    kuper_id: str
    number: str
    store: str


async def add_order(engine: AsyncEngine, index: int, *, store: str = STORE) -> OrderRef:
    now = datetime.now(UTC)
    kuper_id = f"apteka-slug:{uuid.uuid4()}"
    number = f"A-{index:05d}"
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(orders)
            .values(
                store=store,
                kuper_id=kuper_id,
                number=number,
                flow="pickup",
                state="collecting",
                is_open=True,
                version=1,
                snapshot="{}",
                created_at=now,
                updated_at=now,
            )
            .returning(orders.c.id)
        )
        order_id = int(result.scalar_one())
    return OrderRef(order_id, kuper_id, number, store)


def notification_for(order: OrderRef, seq: int) -> Notification:
    """A valid notification of ``order`` carrying ``seq`` in its timestamp (kinds vary with seq)."""
    stamp = SEQ_EPOCH + timedelta(seconds=seq)
    match seq % 4:
        case 0:
            return InWorkNotification.build(order.kuper_id, order.number, timestamp=stamp)
        case 1:
            return AssembledNotification.build(order.kuper_id, order.number, timestamp=stamp)
        case 2:
            return PickupCodeCreatedNotification.build(order.kuper_id, order.number, f"{1000 + seq}", timestamp=stamp)
        case _:
            return CanceledNotification.build(
                order.kuper_id, order.number, "customer_request", "Клиент передумал", timestamp=stamp
            )


async def add_notification(
    engine: AsyncEngine,
    order: OrderRef,
    seq: int,
    *,
    due: datetime | None = None,
    body: str | None = None,
) -> int:
    """Insert a pending outbox row for ``order`` (Core, as the API would); returns its id."""
    now = datetime.now(UTC)
    notification = notification_for(order, seq)
    async with engine.begin() as conn:
        result = await conn.execute(
            insert(outbox)
            .values(
                store=order.store,
                order_id=order.id,
                event_type=notification.event_type.value,
                body=body if body is not None else notification.to_json().decode(),
                status="pending",
                attempts=0,
                next_attempt_at=(due or now).astimezone(UTC),
                created_at=now,
            )
            .returning(outbox.c.id)
        )
        return int(result.scalar_one())


async def outbox_row(engine: AsyncEngine, outbox_id: int) -> Any:
    async with engine.connect() as conn:
        return (await conn.execute(select(outbox).where(outbox.c.id == outbox_id))).one()


async def statuses(engine: AsyncEngine) -> dict[int, str]:
    async with engine.connect() as conn:
        return {row.id: row.status for row in await conn.execute(select(outbox.c.id, outbox.c.status))}


async def notification_events(engine: AsyncEngine, outbox_id: int | None = None) -> list[dict[str, Any]]:
    """The ``notification`` events of the store log, oldest first (optionally of one row)."""
    async with engine.connect() as conn:
        rows = await conn.execute(
            select(store_events.c.payload, store_events.c.order_id)
            .where(store_events.c.kind == "notification")
            .order_by(store_events.c.store, store_events.c.event_id)
        )
        events = []
        for payload, order_id in rows:
            data = json.loads(payload)
            assert data["order_id"] == order_id
            events.append(data)
    return [event for event in events if outbox_id is None or event["outbox_id"] == outbox_id]
