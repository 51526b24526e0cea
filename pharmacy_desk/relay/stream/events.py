"""The events a store's counter PCs receive, appended in the same transaction as the change.

Kinds (SSE ``event:`` field) and their ``data``:

- ``order``: ``{"order": OrderSummary}``: an order was created or changed (re-read it for details);
- ``alert``: ``{"number", "kind", "message", "lines"}``: something the staff must notice (new order,
  courier arrived, canceled during assembly: put back ``lines``, anomaly);
- ``notification``: ``{"outbox_id", "order_id", "event_type", "status", "attempts", "last_error",
  "last_status_code", "next_attempt_at"}``: a notification to Kuper changed state (same shape the
  outbox worker appends);
- ``acknowledged``: ``{"number", "by": {"device_id", "device_name", "operator"}}``: a PC acknowledged
  a new order (see ``acknowledgements``);
- ``ready`` / ``resync`` are written by the stream itself, never stored (see ``api_stream``).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.domain import Actor, Alert, AlertKind, Order, OrderState
from pharmacy_desk.relay.storage.schema import acknowledgements
from pharmacy_desk.relay.storage.store_log import append_event


async def order_changed(conn: AsyncConnection, order_id: int, order: Order) -> int:
    by = await _acknowledger(conn, order_id) if order.state is OrderState.NEW and order.version > 1 else None
    payload = {"order": OrderSummary.of(order, acknowledged_by=by).model_dump(mode="json")}
    return await append_event(conn, order.store, "order", payload, order_id=order_id)


async def _acknowledger(conn: AsyncConnection, order_id: int) -> Actor | None:
    """Who acknowledged a new order (asked only for a new order that changed: rare)."""
    ack = acknowledgements.c
    row = (
        await conn.execute(select(ack.device_id, ack.device_name, ack.operator).where(ack.order_id == order_id))
    ).first()
    return Actor(device_id=row.device_id, device_name=row.device_name, operator=row.operator) if row else None


async def alerts_raised(conn: AsyncConnection, order_id: int | None, order: Order, alerts: Iterable[Alert]) -> None:
    for alert in alerts:
        await alert_raised(conn, order.store, alert, number=order.number, order_id=order_id)


async def alert_raised(
    conn: AsyncConnection, store: str, alert: Alert, *, number: str | None = None, order_id: int | None = None
) -> int:
    payload: dict[str, Any] = {"number": number, **alert.model_dump(mode="json")}
    return await append_event(conn, store, "alert", payload, order_id=order_id)


async def anomaly(conn: AsyncConnection, store: str, message: str) -> int:
    return await alert_raised(conn, store, Alert(kind=AlertKind.ANOMALY, message=message))
