"""``GET /stores/{store}/events``: the store's event log as Server-Sent Events.

The SSE ``id`` of each event is its durable per-store id (``store_events.event_id``). Resuming:

- ``Last-Event-ID: N`` (header, or ``?last_event_id=N``) → every stored event with an id above N, in
  order, then the live ones;
- no id → one ``ready`` event (``id`` = the store's latest id, ``data`` = ``{"last_event_id": id}``):
  load the orders now, every change after it will come;
- an id above the store's latest (the relay's database was replaced) → one ``resync`` event
  (``id`` = the latest id): reload the orders, then the live events follow.

Live events come from this process's fan-out (:mod:`pharmacy_desk.relay.stream.fanout`): one reader per
store and process reads each new event once (woken by PostgreSQL's ``NOTIFY`` from any relay process, or
in-process on SQLite) and every stream of the store takes it from memory; a replay after
``Last-Event-ID`` is served by the same shared reader. An idle stream runs no query: comment pings every
``heartbeat_seconds`` let both sides notice a dead link. The response is :class:`~.sse.EventStream` (the
frames are encoded once per event for all streams). A revoked device's stream ends at once on
PostgreSQL (the revocation's ``NOTIFY``), within ``fanout.REVOCATION_SWEEP_SECONDS`` on SQLite.
"""

from __future__ import annotations

import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from sse_starlette import ServerSentEvent

from pharmacy_desk.relay.http.auth import store_device
from pharmacy_desk.relay.http.sse import EventStream, Opening
from pharmacy_desk.relay.state import RelayState, relay_state
from pharmacy_desk.relay.storage.devices import Device
from pharmacy_desk.relay.stream.fanout import StoreFeed, Subscription

router = APIRouter(tags=["Counter PCs"])


def _opening(resume_from: int | None, latest: int | None) -> Opening:
    """``latest``: the store's id at connect time, when it matters (no resume point, or one beyond what
    this process knows); None when the stream resumes from an id the feed already holds."""

    async def opening(feed: StoreFeed, sub: Subscription) -> bytes:
        if resume_from is None:
            assert latest is not None
            sub.cursor = latest
            return ServerSentEvent(data=json.dumps({"last_event_id": latest}), event="ready", id=str(latest)).encode()
        if latest is not None and resume_from > latest and not await feed.confirm_above(resume_from):
            sub.cursor = latest  # the id as of connecting: what was written since then follows
            data = {"last_event_id": latest, "message": "Журнал событий начат заново: загрузите заказы снова"}
            return ServerSentEvent(data=json.dumps(data, ensure_ascii=False), event="resync", id=str(latest)).encode()
        sub.cursor = resume_from
        return b""

    return opening


_MAX_EVENT_ID = 2**63 - 1


def _resume_point(header: str | None, query: int | None) -> int | None:
    if header is not None and header.strip().isdigit() and len(header.strip()) <= 30:
        return min(int(header.strip()), _MAX_EVENT_ID)  # past the latest id: a resync
    return query


@router.get(
    "/stores/{store}/events",
    response_class=EventStream,
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
) -> EventStream:
    """The store's events from the given id on, then live."""
    resume_from = _resume_point(last_event_id_header, last_event_id)
    assert state.fanout is not None, "the app's lifespan starts the fan-out"
    latest = None  # a reconnect storm resuming from ids the feed holds costs no query here
    if resume_from is None or resume_from > state.fanout.known(store):
        latest = await state.fanout.latest(store)  # before the headers go out: the state at connect time
    return EventStream(
        state.fanout,
        store,
        device.id,
        _opening(resume_from, latest),
        ping=state.config.heartbeat_seconds,
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
