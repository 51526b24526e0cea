"""The counter PCs' API: orders of their store, staff actions, notification retries (device token)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Path, Query
from fastapi.responses import JSONResponse

from pharmacy_desk.api.orders import (
    ActionAccepted,
    ActionRequest,
    Conflict,
    OrderDetail,
    OrderList,
    OrderSummary,
    OutboxRecord,
    Problem,
    Refused,
    WebhookRecord,
)
from pharmacy_desk.domain import OrderState
from pharmacy_desk.relay.counter.acknowledgements import acknowledged_by
from pharmacy_desk.relay.counter.actions import ActionService
from pharmacy_desk.relay.http.deps import AUTH_RESPONSES, DeviceDep, StateDep, StoreDep
from pharmacy_desk.relay.storage.history import order_history, store_webhooks
from pharmacy_desk.relay.storage.orders import get_order, list_orders

router = APIRouter(tags=["Counter PCs"])

MAX_ID = 2**63 - 1  # ids are 64-bit in the database: a larger one is a 400, not a database error


@router.get("/stores/{store}/orders", response_model=OrderList, responses=AUTH_RESPONSES)
async def get_orders(
    device: DeviceDep,
    store_config: StoreDep,
    state: StateDep,
    states: Annotated[list[OrderState] | None, Query(alias="state", description="Only these states")] = None,
    include_closed: Annotated[bool, Query(description="Also shipped and canceled orders")] = False,
) -> OrderList:
    """The store's open orders (oldest first), or those in the given ``state``s."""
    async with state.engine.connect() as conn:
        found = await list_orders(
            conn, store_config.key, states=frozenset(states) if states else None, open_only=not include_closed
        )
        acks = await acknowledged_by(conn, store_config.key, found)
    return OrderList(orders=[OrderSummary.of(order, acknowledged_by=acks.get(order.number)) for order in found])


@router.get("/stores/{store}/orders/{number}", response_model=OrderDetail, responses=AUTH_RESPONSES)
async def get_order_detail(number: str, device: DeviceDep, store_config: StoreDep, state: StateDep) -> OrderDetail:
    """The full snapshot and what happened to the order (webhooks, staff actions, notifications)."""
    async with state.engine.connect() as conn:
        stored = await get_order(conn, store_config.key, number=number)
        if stored is None:
            raise HTTPException(404, detail={"code": "order_not_found", "message": f"Заказ {number} не найден"})
        history = await order_history(conn, store_config.key, stored.id, stored.order.kuper_id)
        acks = await acknowledged_by(conn, store_config.key, [stored.order])
    summary = OrderSummary.of(stored.order, acknowledged_by=acks.get(number))
    return OrderDetail(order=stored.order, summary=summary, history=history)


@router.post(
    "/stores/{store}/orders/{number}/actions",
    response_model=ActionAccepted,
    responses={
        **AUTH_RESPONSES,
        400: {"model": Problem, "description": "The request does not fit the schema"},
        409: {"model": Conflict, "description": "expected_version is stale: the current order"},
        422: {"model": Refused, "description": "Refused by the order's rules (code, Russian message, tries left)"},
        429: {
            "model": Problem,
            "description": "verify_pickup_code past the PC's or the store's attempt budget (see Retry-After)",
            "headers": {"Retry-After": {"description": "seconds", "schema": {"type": "integer"}}},
        },
    },
)
async def post_action(
    number: str, body: ActionRequest, device: DeviceDep, store_config: StoreDep, state: StateDep
) -> JSONResponse:
    """A staff action, decided by the domain; a retried ``idempotency_key`` gets the stored answer."""
    answer = await ActionService(state).perform(store_config, device, number, body)
    return JSONResponse(answer.body, status_code=answer.status_code, headers=answer.headers)


@router.post(
    "/stores/{store}/outbox/{outbox_id}/retry",
    response_model=OutboxRecord,
    responses={**AUTH_RESPONSES, 409: {"model": Problem, "description": "Only a failed notification can be retried"}},
)
async def retry_outbox(
    outbox_id: Annotated[int, Path(ge=1, le=MAX_ID)], device: DeviceDep, store_config: StoreDep, state: StateDep
) -> JSONResponse:
    """Send a failed notification again (back to pending, due now)."""
    answer = await ActionService(state).retry_notification(store_config.key, outbox_id)
    return JSONResponse(answer.body, status_code=answer.status_code)


@router.get("/stores/{store}/webhooks", response_model=list[WebhookRecord], responses=AUTH_RESPONSES)
async def get_webhooks(
    device: DeviceDep,
    store_config: StoreDep,
    state: StateDep,
    status: Annotated[str | None, Query(max_length=32, description="e.g. unknown_order, anomaly, invalid")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[WebhookRecord]:
    """The store's latest Kuper webhooks, newest first, with what became of them."""
    async with state.engine.connect() as conn:
        return await store_webhooks(conn, store_config.key, status=status, limit=limit)
