"""What happened to an order, for the staff: its webhooks, staff actions and notifications to Kuper."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.api.orders import ActionRecord, OrderHistory, OutboxRecord, WebhookRecord
from pharmacy_desk.relay.storage.devices import device_names
from pharmacy_desk.relay.storage.schema import actions, outbox, webhooks
from pharmacy_desk.relay.timeutil import as_utc


def outbox_record(m: Any) -> OutboxRecord:
    return OutboxRecord(
        id=m["id"],
        event_type=m["event_type"],
        status=m["status"],
        attempts=m["attempts"],
        next_attempt_at=as_utc(m["next_attempt_at"]),
        last_status_code=m["last_status_code"],
        last_error=m["last_error"],
        created_at=as_utc(m["created_at"]),
        sent_at=as_utc(m["sent_at"]) if m["sent_at"] is not None else None,
    )


def webhook_record(m: Any) -> WebhookRecord:
    return WebhookRecord(
        id=m["id"],
        received_at=as_utc(m["received_at"]),
        event_type=m["event_type"],
        order_uuid=m["order_uuid"],
        status=m["status"],
        note=m["note"],
    )


_WEBHOOK_COLUMNS = (
    webhooks.c.id,
    webhooks.c.received_at,
    webhooks.c.event_type,
    webhooks.c.order_uuid,
    webhooks.c.status,
    webhooks.c.note,
)


async def store_webhooks(
    conn: AsyncConnection, store: str, *, status: str | None = None, limit: int = 100
) -> list[WebhookRecord]:
    """The store's latest webhooks, newest first (``status`` e.g. ``unknown_order`` to see problems)."""
    stmt = select(*_WEBHOOK_COLUMNS).where(webhooks.c.store == store).order_by(webhooks.c.id.desc()).limit(limit)
    if status is not None:
        stmt = stmt.where(webhooks.c.status == status)
    return [webhook_record(row._mapping) for row in await conn.execute(stmt)]


async def order_history(conn: AsyncConnection, store: str, order_id: int, kuper_id: str) -> OrderHistory:
    hooks = await conn.execute(
        select(*_WEBHOOK_COLUMNS)
        .where(webhooks.c.store == store, webhooks.c.order_uuid == kuper_id)
        .order_by(webhooks.c.id)
    )
    done = (await conn.execute(select(actions).where(actions.c.order_id == order_id).order_by(actions.c.id))).all()
    names = await device_names(conn, {row.device_id for row in done})
    sent = await conn.execute(select(outbox).where(outbox.c.order_id == order_id).order_by(outbox.c.id))
    return OrderHistory(
        webhooks=[webhook_record(row._mapping) for row in hooks],
        actions=[
            ActionRecord(
                id=row.id,
                kind=row.kind,
                device_id=row.device_id,
                device_name=names.get(row.device_id),
                operator=row.operator,
                status_code=row.status_code,
                answer=json.loads(row.response),
                created_at=as_utc(row.created_at),
            )
            for row in done
        ],
        notifications=[outbox_record(row._mapping) for row in sent],
    )
