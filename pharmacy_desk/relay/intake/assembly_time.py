"""``expectedAssemblyTime`` for the answer to ``order.created``: when this order should be assembled.

``now + median assembly time × orders not yet ready (this one included)``, bounded by
``kuper.assembly_floor_minutes`` and ``kuper.assembly_ceiling_minutes`` (both on the whole wait).

- **assembly time** of an order: from its ``order.in_work`` notification to its
  ``order.ready_for_delivery`` (the outbox rows' ``created_at``: when the pharmacist pressed the keys);
  the median of the store's last ``kuper.assembly_sample`` such orders, ``kuper.assembly_default_minutes``
  while fewer than ``kuper.assembly_min_samples`` are measured. The median is cached per store for
  :data:`MEDIAN_TTL` seconds (an order.created costs it one query a minute, not one each);
- **the queue**: the store's orders not yet ready (new, accepted, collecting, assembled), the new one
  included (it is inserted first): one bounded ``COUNT`` in the intake transaction (it stops where the
  ceiling would apply anyway).
"""

from __future__ import annotations

import math
import statistics
import time
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.domain import OrderState
from pharmacy_desk.domain.states import NotificationType
from pharmacy_desk.relay.config import KuperConfig
from pharmacy_desk.relay.storage.schema import orders, outbox
from pharmacy_desk.relay.timeutil import as_utc

MEDIAN_TTL = 60.0
_NOT_READY = (OrderState.NEW, OrderState.ACCEPTED, OrderState.COLLECTING, OrderState.ASSEMBLED)
_cache: dict[tuple[int, str], tuple[float, float | None]] = {}


async def measured_minutes(conn: AsyncConnection, store: str, sample: int) -> list[float]:
    """Assembly times (minutes) of the store's last ``sample`` orders that went from in_work to ready."""
    kinds = (NotificationType.IN_WORK.value, NotificationType.READY_FOR_DELIVERY.value)
    rows = await conn.execute(
        select(outbox.c.order_id, outbox.c.event_type, func.min(outbox.c.created_at).label("at"))
        .where(outbox.c.store == store, outbox.c.event_type.in_(kinds))
        .group_by(outbox.c.order_id, outbox.c.event_type)
        .order_by(outbox.c.order_id.desc())
        .limit(sample * 2 + 2)
    )
    started: dict[int, datetime] = {}
    ready: dict[int, datetime] = {}
    for row in rows:
        (started if row.event_type == kinds[0] else ready)[int(row.order_id)] = as_utc(row.at)
    spans = [
        (ready[order] - started[order]).total_seconds() / 60
        for order in sorted(set(started) & set(ready), reverse=True)
        if ready[order] >= started[order]
    ]
    return spans[:sample]


async def _median(conn: AsyncConnection, settings: KuperConfig, store: str) -> float:
    key = (id(conn.engine.sync_engine), store)
    cached = _cache.get(key)
    if cached is not None and time.monotonic() - cached[0] < MEDIAN_TTL:
        median = cached[1]
    else:
        spans = await measured_minutes(conn, store, settings.assembly_sample)
        median = statistics.median(spans) if len(spans) >= settings.assembly_min_samples else None
        _cache[key] = (time.monotonic(), median)
    return median if median is not None else settings.assembly_default_minutes


async def expected_assembly_time(conn: AsyncConnection, settings: KuperConfig, store: str, now: datetime) -> datetime:
    """When the order just created should be assembled (see the module's docstring)."""
    per_order = await _median(conn, settings, store)
    # Past this many orders the ceiling applies anyway: count no further (a bounded look-up).
    cap = math.ceil(settings.assembly_ceiling_minutes / per_order) + 1
    not_ready = (
        select(orders.c.id)
        .where(
            orders.c.store == store,
            orders.c.is_open.is_(True),
            orders.c.state.in_([state.value for state in _NOT_READY]),
        )
        .limit(cap)
        .subquery()
    )
    queue = (await conn.execute(select(func.count()).select_from(not_ready))).scalar_one()
    minutes = per_order * max(int(queue), 1)
    minutes = min(max(minutes, settings.assembly_floor_minutes), settings.assembly_ceiling_minutes)
    return (now + timedelta(minutes=minutes)).replace(microsecond=0)


def forget_cache() -> None:
    """Drop the cached medians (tests)."""
    _cache.clear()
