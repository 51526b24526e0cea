"""``GET /stores/{store}/events``: the store's event log as Server-Sent Events.

The SSE ``id`` of each event is its durable per-store id (``store_events.event_id``). Resuming:

- ``Last-Event-ID: N`` (header, or ``?last_event_id=N``) → every stored event with an id above N, in
  order, then the live ones;
- no id → one ``ready`` event (``id`` = the store's latest id, ``data`` = ``{"last_event_id": id}``):
  load the orders now, every change after it will come;
- an id above the store's latest (the relay's database was replaced) → one ``resync`` event
  (``id`` = the latest id): reload the orders, then the live events follow.

Live events: this process wakes the stream when it commits (:class:`~pharmacy_desk.relay.stream.bus.StoreBus`);
the table is also polled every ``stream_poll_seconds`` so writes of other relay processes on the same
PostgreSQL arrive too. Comment pings every ``heartbeat_seconds`` let both sides notice a dead link.
A revoked device's stream ends at the next device check (every ``_DEVICE_CHECK_SECONDS``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from sqlalchemy import select
from sse_starlette import EventSourceResponse, ServerSentEvent

from pharmacy_desk.relay.http.auth import store_device
from pharmacy_desk.relay.state import RelayState, relay_state
from pharmacy_desk.relay.storage.devices import Device, is_active
from pharmacy_desk.relay.storage.schema import store_events
from pharmacy_desk.relay.storage.store_log import last_event_id

router = APIRouter(tags=["Counter PCs"])

_BATCH = 500
_DEVICE_CHECK_SECONDS = 30.0


async def _latest(state: RelayState, store: str) -> int:
    async with state.engine.connect() as conn:
        return await last_event_id(conn, store)


async def _after(state: RelayState, store: str, cursor: int) -> list[ServerSentEvent]:
    stmt = (
        select(store_events.c.event_id, store_events.c.kind, store_events.c.payload)
        .where(store_events.c.store == store, store_events.c.event_id > cursor)
        .order_by(store_events.c.event_id)
        .limit(_BATCH)
    )
    async with state.engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [ServerSentEvent(data=row.payload, event=row.kind, id=str(row.event_id)) for row in rows]


async def _events(
    state: RelayState, device: Device, store: str, resume_from: int | None, latest: int
) -> AsyncIterator[ServerSentEvent]:
    poll = state.config.stream_poll_seconds
    with state.bus.subscribe(store) as wake:
        if resume_from is None:
            cursor = latest
            yield ServerSentEvent(data=json.dumps({"last_event_id": latest}), event="ready", id=str(latest))
        elif resume_from > latest:
            cursor = latest
            data = {"last_event_id": latest, "message": "Журнал событий начат заново: загрузите заказы снова"}
            yield ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event="resync", id=str(latest))
        else:
            cursor = resume_from
        checked = time.monotonic()
        while True:
            wake.clear()
            batch = await _after(state, store, cursor)
            for event in batch:
                yield event
                cursor = int(event.id or cursor)
            if len(batch) == _BATCH:
                continue
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(wake.wait(), timeout=poll)
            if time.monotonic() - checked > _DEVICE_CHECK_SECONDS:
                checked = time.monotonic()
                if not await is_active(state.engine, device.id):
                    return


_MAX_EVENT_ID = 2**63 - 1


def _resume_point(header: str | None, query: int | None) -> int | None:
    if header is not None and header.strip().isdigit() and len(header.strip()) <= 30:
        return min(int(header.strip()), _MAX_EVENT_ID)  # past the latest id: a resync
    return query


@router.get(
    "/stores/{store}/events",
    response_class=EventSourceResponse,
    responses={
        200: {"content": {"text/event-stream": {}}, "description": "order, alert, notification, ready, resync events"},
        401: {"description": "No valid device token"},
        403: {"description": "The device belongs to another store"},
    },
)
async def stream_events(
    store: str,
    device: Annotated[Device, Depends(store_device)],
    state: Annotated[RelayState, Depends(relay_state)],
    last_event_id_header: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    last_event_id: Annotated[
        int | None, Query(ge=0, le=2**63 - 1, description="Used when the header cannot be set")
    ] = None,
) -> EventSourceResponse:
    """The store's events from the given id on, then live."""
    resume_from = _resume_point(last_event_id_header, last_event_id)
    latest = await _latest(state, store)  # before the headers go out: "ready" is the state at connect time
    return EventSourceResponse(
        _events(state, device, store, resume_from, latest),
        ping=state.config.heartbeat_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
