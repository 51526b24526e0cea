"""Counter PCs: each is bound to one store and holds a bearer token shown once at creation.

Only the token's sha256 is stored; a request's token is hashed and looked up, so the comparison
never touches the secret itself. A revoked device is refused (401) from then on.
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from datetime import UTC, datetime, timedelta

from pydantic import BaseModel, ConfigDict
from sqlalchemy import insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pharmacy_desk.relay.storage.schema import devices
from pharmacy_desk.relay.timeutil import as_utc

_LAST_SEEN_EVERY = timedelta(minutes=1)


class Device(BaseModel):
    model_config = ConfigDict(frozen=True)

    id: str
    store: str
    name: str
    created_at: datetime
    revoked_at: datetime | None = None
    last_seen_at: datetime | None = None

    @property
    def active(self) -> bool:
        return self.revoked_at is None


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _device(row: object) -> Device:
    m = row._mapping  # type: ignore[attr-defined]
    return Device(
        id=m["id"],
        store=m["store"],
        name=m["name"],
        created_at=as_utc(m["created_at"]),
        revoked_at=as_utc(m["revoked_at"]) if m["revoked_at"] is not None else None,
        last_seen_at=as_utc(m["last_seen_at"]) if m["last_seen_at"] is not None else None,
    )


_COLUMNS = (
    devices.c.id,
    devices.c.store,
    devices.c.name,
    devices.c.created_at,
    devices.c.revoked_at,
    devices.c.last_seen_at,
)


async def add_device(engine: AsyncEngine, store: str, name: str) -> tuple[Device, str]:
    """A new device and its token (the only time the token exists in clear)."""
    token = secrets.token_urlsafe(32)
    device = Device(id=str(uuid.uuid4()), store=store, name=name, created_at=datetime.now(UTC))
    async with engine.begin() as conn:
        await conn.execute(
            insert(devices).values(
                id=device.id,
                store=store,
                name=name,
                token_hash=hash_token(token),
                created_at=device.created_at,
            )
        )
    return device, token


async def list_devices(engine: AsyncEngine, store: str | None = None) -> list[Device]:
    stmt = select(*_COLUMNS).order_by(devices.c.store, devices.c.created_at)
    if store is not None:
        stmt = stmt.where(devices.c.store == store)
    async with engine.connect() as conn:
        return [_device(row) for row in await conn.execute(stmt)]


async def revoke_device(engine: AsyncEngine, device_id: str) -> Device | None:
    """Revoke ``device_id``; ``None`` when there is no such device. Revoking twice keeps the first time."""
    async with engine.begin() as conn:
        await conn.execute(
            update(devices)
            .where(devices.c.id == device_id, devices.c.revoked_at.is_(None))
            .values(revoked_at=datetime.now(UTC))
        )
        row = (await conn.execute(select(*_COLUMNS).where(devices.c.id == device_id))).first()
    return _device(row) if row is not None else None


async def device_by_token(engine: AsyncEngine, token: str) -> Device | None:
    """The active device holding ``token``, or ``None``; notes when it was last seen (once a minute)."""
    async with engine.connect() as conn:
        row = (await conn.execute(select(*_COLUMNS).where(devices.c.token_hash == hash_token(token)))).first()
    if row is None:
        return None
    device = _device(row)
    if not device.active:
        return None
    now = datetime.now(UTC)
    if device.last_seen_at is None or now - device.last_seen_at > _LAST_SEEN_EVERY:
        async with engine.begin() as conn:
            await _touch(conn, device.id, now)
    return device


async def is_active(engine: AsyncEngine, device_id: str) -> bool:
    async with engine.connect() as conn:
        row = (await conn.execute(select(devices.c.revoked_at).where(devices.c.id == device_id))).first()
    return row is not None and row.revoked_at is None


async def _touch(conn: AsyncConnection, device_id: str, now: datetime) -> None:
    await conn.execute(update(devices).where(devices.c.id == device_id).values(last_seen_at=now))


async def device_names(conn: AsyncConnection, ids: set[str]) -> dict[str, str]:
    if not ids:
        return {}
    rows = await conn.execute(select(devices.c.id, devices.c.name).where(devices.c.id.in_(ids)))
    return {row.id: row.name for row in rows}
