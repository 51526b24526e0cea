"""The ``feed_items`` table: the latest stock / price per store + SKU, until Kuper has it.

One row per ``(store, sku, kind)`` (``kind``: ``stock`` or ``price``). ``value`` is the newest value
(the record's JSON without the offer and outlet ids), ``version`` counts the times it was staged,
``sent_version`` / ``sent_value`` are what Kuper last accepted.

States (``status``)::

    pending ──claim──▶ sending ──200──▶ sent            (newer version staged meanwhile: pending)
       ▲                  ├──429/5xx/network──▶ retrying ──due──▶ claimed again (with the newest value)
       └──stage (new value / full resend)     └──400/404/422──▶ failed (until a newer value or the full resend)

- **Latest wins:** staging overwrites ``value`` and bumps ``version``; a row is claimed with the
  value it has *then*, so a retry always carries the newest value, never a superseded one.
- **Never older after newer:** a row is in at most one request at a time (``sending`` is skipped by
  the claim; staging a new value keeps it ``sending``; the answer turns it ``pending`` again when a
  newer version arrived while it was out). Requests therefore reach Kuper in version order per SKU.
- **Nothing lost:** staging commits before anything is sent; a row is ``sent`` only after Kuper's
  200. A relay that dies mid-send leaves the row ``sending`` with a lease (``next_attempt_at`` =
  claim time + :data:`LEASE`): :func:`recover` (at start, single process) or the lease's end puts it
  back in the queue. On PostgreSQL the claim skips rows another relay process has locked.

Timestamps are UTC.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import and_, bindparam, case, func, insert, or_, select, tuple_, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pharmacy_desk.relay.storage.schema import feed_items

LEASE = timedelta(minutes=3)
"""How long a claimed row stays with its sender before another pass may take it."""


class FeedKind(StrEnum):
    STOCK = "stock"
    PRICE = "price"


class FeedStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    RETRYING = "retrying"
    SENT = "sent"
    FAILED = "failed"


def utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True, slots=True)
class StageReport:
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def staged(self) -> int:
        return self.inserted + self.updated


@dataclass(frozen=True, slots=True)
class Claimed:
    """A row taken for one request: its key, the version and value it carries."""

    store: str
    sku: str
    kind: FeedKind
    version: int
    value: str
    attempts: int

    def record(self, outlet_id: str) -> dict[str, Any]:
        data: dict[str, Any] = {"offer_id": self.sku, "outlet_id": outlet_id}
        data.update(json.loads(self.value))
        return data


_ZERO_STOCK = json.dumps({"stock": "0"}, separators=(",", ":"))


async def stage(
    engine: AsyncEngine,
    store: str,
    wanted: Mapping[str, Mapping[str, str]],
    *,
    full: bool = False,
    now: datetime,
) -> StageReport:
    """Make ``feed_items`` hold ``wanted`` (``{sku: {kind: value}}``) for ``store``, in one transaction.

    Rows whose value changed (or every row, ``full``) are staged again; a SKU that left the stock
    gets stock 0 (its price row is kept as it is).
    """
    now = utc(now)
    async with engine.begin() as conn:
        current = {
            (row.sku, row.kind): row.value
            for row in (
                await conn.execute(
                    select(feed_items.c.sku, feed_items.c.kind, feed_items.c.value).where(feed_items.c.store == store)
                )
            ).all()
        }
        desired: dict[tuple[str, str], str] = {}
        for sku, values in wanted.items():
            for kind, value in values.items():
                desired[(sku, FeedKind(kind).value)] = value
        for sku, kind in current:
            if kind == FeedKind.STOCK and (sku, kind) not in desired:
                desired[(sku, kind)] = _ZERO_STOCK
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        unchanged = 0
        for (sku, kind), value in desired.items():
            old = current.get((sku, kind))
            if old is None:
                inserts.append(
                    {
                        "store": store,
                        "sku": sku,
                        "kind": kind,
                        "value": value,
                        "version": 1,
                        "sent_version": 0,
                        "status": FeedStatus.PENDING.value,
                        "attempts": 0,
                        "next_attempt_at": now,
                        "staged_at": now,
                    }
                )
            elif old != value or full:
                updates.append({"b_store": store, "b_sku": sku, "b_kind": kind, "b_value": value})
            else:
                unchanged += 1
        if inserts:
            await conn.execute(insert(feed_items), inserts)
        if updates:
            await conn.execute(_restage(now), updates)
    return StageReport(len(inserts), len(updates), unchanged)


def _restage(now: datetime) -> Any:
    keep = or_(feed_items.c.status == FeedStatus.SENDING.value, feed_items.c.status == FeedStatus.RETRYING.value)
    return (
        update(feed_items)
        .where(
            feed_items.c.store == bindparam("b_store"),
            feed_items.c.sku == bindparam("b_sku"),
            feed_items.c.kind == bindparam("b_kind"),
        )
        .values(
            value=bindparam("b_value"),
            version=feed_items.c.version + 1,
            status=case((keep, feed_items.c.status), else_=FeedStatus.PENDING.value),
            next_attempt_at=case((keep, feed_items.c.next_attempt_at), else_=now),
            staged_at=now,
        )
        .execution_options(synchronize_session=False)
    )


async def recover(engine: AsyncEngine, *, now: datetime) -> int:
    """Rows left ``sending`` by a relay that stopped mid-send go back to the queue (single process)."""
    stmt = (
        update(feed_items)
        .where(feed_items.c.status == FeedStatus.SENDING.value)
        .values(status=FeedStatus.PENDING.value, next_attempt_at=utc(now))
    )
    async with engine.begin() as conn:
        return int((await conn.execute(stmt)).rowcount or 0)


async def claim(
    engine: AsyncEngine,
    kind: FeedKind,
    stores: Sequence[str],
    *,
    now: datetime,
    max_records: int,
    max_stores: int,
    lock_rows: bool,
) -> list[Claimed]:
    """Take up to ``max_records`` due rows of ``kind`` from at most ``max_stores`` of ``stores``.

    Pending rows first, then retrying ones, then rows whose lease ran out; each look walks
    ``ix_feed_items_due`` in order (no sort, no scan of the rows already sent).
    """
    if not stores:
        return []
    now = utc(now)
    wanted = list(stores)
    async with engine.begin() as conn:
        rows: list[Any] = []
        for status in (FeedStatus.PENDING, FeedStatus.RETRYING, FeedStatus.SENDING):
            if len(rows) >= max_records:
                break
            stmt = (
                select(
                    feed_items.c.store,
                    feed_items.c.sku,
                    feed_items.c.version,
                    feed_items.c.value,
                    feed_items.c.attempts,
                )
                .where(
                    feed_items.c.kind == kind.value,
                    feed_items.c.status == status.value,
                    feed_items.c.next_attempt_at <= now,
                    feed_items.c.store.in_(wanted),
                )
                .order_by(feed_items.c.next_attempt_at, feed_items.c.store, feed_items.c.sku)
                .limit(max_records - len(rows))
            )
            if lock_rows:
                stmt = stmt.with_for_update(skip_locked=True)
            rows.extend((await conn.execute(stmt)).all())
        taken: list[Claimed] = []
        seen: set[str] = set()
        for row in rows:
            if row.store not in seen and len(seen) >= max_stores:
                continue
            seen.add(row.store)
            taken.append(Claimed(row.store, row.sku, kind, int(row.version), row.value, int(row.attempts)))
        if taken:
            keys = [(c.store, c.sku) for c in taken]
            await conn.execute(
                update(feed_items)
                .where(feed_items.c.kind == kind.value, tuple_(feed_items.c.store, feed_items.c.sku).in_(keys))
                .values(status=FeedStatus.SENDING.value, next_attempt_at=now + LEASE)
                .execution_options(synchronize_session=False)
            )
    return taken


async def next_due(engine: AsyncEngine, stores: Sequence[str]) -> datetime | None:
    """When the earliest unsent row of ``stores`` may be claimed (a pending, retrying or leased one), or
    None when nothing is left to send: the worker sleeps until then (one look, one transaction)."""
    if not stores:
        return None
    stmt = select(func.min(feed_items.c.next_attempt_at)).where(
        feed_items.c.status.in_([s.value for s in (FeedStatus.PENDING, FeedStatus.RETRYING, FeedStatus.SENDING)]),
        feed_items.c.store.in_(list(stores)),
    )
    async with engine.connect() as conn:
        found = (await conn.execute(stmt)).scalar_one_or_none()
    return utc(found) if found is not None else None


def _key_where() -> Any:
    return and_(
        feed_items.c.store == bindparam("b_store"),
        feed_items.c.sku == bindparam("b_sku"),
        feed_items.c.kind == bindparam("b_kind"),
        feed_items.c.status == FeedStatus.SENDING.value,
    )


def _params(rows: Iterable[Claimed]) -> list[dict[str, Any]]:
    return [
        {"b_store": c.store, "b_sku": c.sku, "b_kind": c.kind.value, "b_version": c.version, "b_value": c.value}
        for c in rows
    ]


async def record_sent(conn: AsyncConnection, rows: Sequence[Claimed], *, status_code: int, now: datetime) -> None:
    """Kuper accepted these rows (the version each carried)."""
    now = utc(now)
    newer = feed_items.c.version != bindparam("b_version")
    stmt = (
        update(feed_items)
        .where(_key_where())
        .values(
            sent_version=bindparam("b_version"),
            sent_value=bindparam("b_value"),
            sent_at=now,
            attempts=0,
            last_error=None,
            last_status_code=status_code,
            status=case((newer, FeedStatus.PENDING.value), else_=FeedStatus.SENT.value),
            next_attempt_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    await conn.execute(stmt, _params(rows))


async def record_retry(
    conn: AsyncConnection,
    rows: Sequence[Claimed],
    *,
    error: str,
    status_code: int | None,
    next_attempt_at: datetime,
) -> None:
    stmt = (
        update(feed_items)
        .where(_key_where())
        .values(
            status=FeedStatus.RETRYING.value,
            attempts=feed_items.c.attempts + 1,
            next_attempt_at=utc(next_attempt_at),
            last_error=error,
            last_status_code=status_code,
        )
        .execution_options(synchronize_session=False)
    )
    await conn.execute(stmt, _params(rows))


async def record_failed(
    conn: AsyncConnection, rows: Sequence[Claimed], *, error: str, status_code: int | None, now: datetime
) -> None:
    """Kuper refused the request for good: failed until a newer value (or the full resend) is staged."""
    newer = feed_items.c.version != bindparam("b_version")
    stmt = (
        update(feed_items)
        .where(_key_where())
        .values(
            status=case((newer, FeedStatus.PENDING.value), else_=FeedStatus.FAILED.value),
            attempts=feed_items.c.attempts + 1,
            next_attempt_at=utc(now),
            last_error=error,
            last_status_code=status_code,
        )
        .execution_options(synchronize_session=False)
    )
    await conn.execute(stmt, _params(rows))
