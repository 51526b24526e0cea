"""The counter PCs' view of the feed and the pause key. Device token, bound to the store.

- ``GET /stores/{store}/feed``: the store's feed state (:class:`~.status.StoreFeedState`) for the
  diagnostics dialog
- ``GET /stores/{store}/pause``: whether the store takes Kuper orders (:class:`~.pause.PauseState`)
- ``POST /stores/{store}/pause`` ``{"minutes": 15|30|60|null, "operator"?}``: pause (``null``: until
  resumed); ``POST /stores/{store}/resume`` ``{"operator"?}``. 422 ``kuper_refused`` / 503
  ``kuper_unavailable`` / 400 ``bad_duration`` with a Russian message when it did not happen.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, HTTPException

from pharmacy_desk.api.feed import PauseRequest, PauseState, ResumeRequest, StoreFeedState
from pharmacy_desk.api.orders import Problem
from pharmacy_desk.relay.feed.pause import PauseRefused, PauseService
from pharmacy_desk.relay.feed.status import store_state
from pharmacy_desk.relay.http.deps import AUTH_RESPONSES, DeviceDep, StateDep, StoreDep
from pharmacy_desk.relay.state import RelayState

router = APIRouter(tags=["Counter PCs"])

PAUSE_RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    422: {"model": Problem, "description": "Kuper refused the status change (Russian message)"},
    503: {"model": Problem, "description": "Kuper could not be reached; nothing changed"},
}


def _pauses(state: RelayState) -> PauseService:
    runtime = getattr(state, "feed", None)
    if runtime is None:
        raise HTTPException(503, detail={"code": "kuper_unavailable", "message": "Связь с Купером не настроена"})
    pauses: PauseService = runtime.pauses
    return pauses


def _refused(exc: PauseRefused) -> HTTPException:
    return HTTPException(exc.status_code, detail={"code": exc.code, "message": exc.message_ru})


@router.get("/stores/{store}/feed", response_model=StoreFeedState, responses=AUTH_RESPONSES)
async def get_feed(device: DeviceDep, config: StoreDep, state: StateDep) -> StoreFeedState:
    """The store's stock and price feed to Kuper: last sent, queued, failures."""
    return await store_state(state.engine, state.config, config.key)


@router.get("/stores/{store}/pause", response_model=PauseState, responses=AUTH_RESPONSES)
async def get_pause(device: DeviceDep, config: StoreDep, state: StateDep) -> PauseState:
    return await _pauses(state).get(config.key)


@router.post("/stores/{store}/pause", response_model=PauseState, responses=PAUSE_RESPONSES)
async def pause_store(
    device: DeviceDep, config: StoreDep, state: StateDep, body: Annotated[PauseRequest, Body()]
) -> PauseState:
    """Stop Kuper orders for 15/30/60 minutes or until resumed (Kuper first; every PC is told)."""
    try:
        return await _pauses(state).pause(config.key, body.minutes, device=device.name, operator=body.operator)
    except PauseRefused as exc:
        raise _refused(exc) from None


@router.post("/stores/{store}/resume", response_model=PauseState, responses=PAUSE_RESPONSES)
async def resume_store(
    device: DeviceDep, config: StoreDep, state: StateDep, body: Annotated[ResumeRequest | None, Body()] = None
) -> PauseState:
    operator = body.operator if body is not None else None
    try:
        return await _pauses(state).resume(config.key, device=device.name, operator=operator)
    except PauseRefused as exc:
        raise _refused(exc) from None
