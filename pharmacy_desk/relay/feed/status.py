"""What the feed looks like for a store: counts by status, times, the latest failure; one SKU's rows.

Used by ``pharmacy-desk-relay feed status``, ``check`` and the desk's diagnostics
(``GET /stores/{store}/feed``).
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.api.feed import StoreFeedState
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed.queue import FeedStatus, utc
from pharmacy_desk.relay.storage.schema import feed_items, feed_stores


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class SkuFeedRow(_Model):
    sku: str
    kind: str
    value: str
    sent_value: str | None
    status: str
    version: int
    sent_version: int
    attempts: int
    last_status_code: int | None
    last_error: str | None
    staged_at: datetime
    sent_at: datetime | None


async def store_state(engine: AsyncEngine, config: RelayConfig, store: str) -> StoreFeedState:
    store_config = config.store(store)
    enabled = bool(store_config and store_config.feed and store_config.kuper_outlet_id)
    outlet = store_config.kuper_outlet_id if store_config else None
    async with engine.connect() as conn:
        grouped = select(feed_items.c.status, func.count()).where(feed_items.c.store == store)
        counts: dict[str, int] = {
            status: int(n) for status, n in (await conn.execute(grouped.group_by(feed_items.c.status))).all()
        }
        last_sent = (
            await conn.execute(select(func.max(feed_items.c.sent_at)).where(feed_items.c.store == store))
        ).scalar_one_or_none()
        error = (
            await conn.execute(
                select(feed_items.c.last_error)
                .where(
                    feed_items.c.store == store,
                    feed_items.c.status.in_((FeedStatus.RETRYING.value, FeedStatus.FAILED.value)),
                    feed_items.c.last_error.is_not(None),
                )
                .order_by(feed_items.c.next_attempt_at.desc())
                .limit(1)
            )
        ).scalar_one_or_none()
        times = (await conn.execute(select(feed_stores).where(feed_stores.c.store == store))).one_or_none()
    return StoreFeedState(
        store=store,
        enabled=enabled,
        outlet_id=outlet,
        pending=counts.get(FeedStatus.PENDING.value, 0) + counts.get(FeedStatus.SENDING.value, 0),
        retrying=counts.get(FeedStatus.RETRYING.value, 0),
        failed=counts.get(FeedStatus.FAILED.value, 0),
        sent=counts.get(FeedStatus.SENT.value, 0),
        last_delta_at=utc(times.last_delta_at) if times is not None and times.last_delta_at else None,
        last_full_at=utc(times.last_full_at) if times is not None and times.last_full_at else None,
        last_sent_at=utc(last_sent) if last_sent is not None else None,
        source_error=times.last_error if times is not None else None,
        kuper_error=error,
    )


async def sku_rows(engine: AsyncEngine, store: str, sku: str) -> list[SkuFeedRow]:
    stmt = select(feed_items).where(feed_items.c.store == store, feed_items.c.sku == sku).order_by(feed_items.c.kind)
    async with engine.connect() as conn:
        rows = (await conn.execute(stmt)).all()
    return [
        SkuFeedRow(
            sku=r.sku,
            kind=r.kind,
            value=r.value,
            sent_value=r.sent_value,
            status=r.status,
            version=r.version,
            sent_version=r.sent_version,
            attempts=r.attempts,
            last_status_code=r.last_status_code,
            last_error=r.last_error,
            staged_at=utc(r.staged_at),
            sent_at=utc(r.sent_at) if r.sent_at is not None else None,
        )
        for r in rows
    ]
