"""``/health`` is liveness, ``/ready`` tells the truth: database writable, schema current, outbox running."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from pharmacy_desk.relay.http import ready as ready_module
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from tests.relay.relay_support import Relay, RelayFactory


@contextlib.asynccontextmanager
async def _relay_with_kuper(relay_factory: RelayFactory) -> AsyncIterator[Relay]:
    stub = KuperStub(client_id="test-client", client_secret="test-secret")
    async with serve(stub.app) as url:
        yield await relay_factory(kuper={"base_url": url, "client_id": "test-client", "client_secret": "test-secret"})


async def test_ready_when_every_check_passes_and_health_is_liveness(relay_factory: RelayFactory) -> None:
    async with _relay_with_kuper(relay_factory) as relay:
        answer = await relay.client.get("/ready")
        assert answer.status_code == 200, answer.text
        assert answer.json() == {"status": "ready", "checks": {"database": "ok", "migrations": "ok", "outbox": "ok"}}
        await relay.state.outbox_worker.stop()
        stopped = await relay.client.get("/ready")
        assert stopped.status_code == 503 and stopped.json()["checks"]["outbox"].startswith("stopped")
        assert (await relay.client.get("/health")).status_code == 200


async def test_not_ready_without_kuper_credentials(relay: Relay) -> None:
    answer = await relay.client.get("/ready")
    assert answer.status_code == 503
    body = answer.json()
    assert body["status"] == "not_ready" and body["checks"]["database"] == "ok"
    assert "Kuper credentials" in body["checks"]["outbox"]


async def test_not_ready_when_the_database_cannot_be_written(
    relay_factory: RelayFactory, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with _relay_with_kuper(relay_factory) as relay:
        assert (await relay.client.get("/ready")).status_code == 200  # with the real 5 s bound (a busy CI machine)
        monkeypatch.setattr(ready_module, "CHECK_SECONDS", 0.5)  # then a blocked write is given up on sooner
        blocker = create_async_engine(database_url)
        try:
            async with blocker.connect() as conn:
                # another writer holds the database (SQLite) / the table (PostgreSQL) and does not let go
                if conn.dialect.name == "sqlite":
                    await conn.exec_driver_sql("BEGIN IMMEDIATE")
                    await conn.exec_driver_sql("DELETE FROM relay_secrets WHERE name = 'nothing'")
                else:
                    await conn.execute(text("BEGIN"))
                    await conn.execute(text("LOCK TABLE relay_secrets IN ACCESS EXCLUSIVE MODE"))
                answer = await relay.client.get("/ready")
                assert answer.status_code == 503, answer.text
                assert answer.json()["checks"]["database"] != "ok"
                assert (await relay.client.get("/health")).status_code == 200  # alive, not ready
                await conn.rollback()
        finally:
            await blocker.dispose()
        for _ in range(50):
            if (await relay.client.get("/ready")).status_code == 200:
                break
            await asyncio.sleep(0.1)
        assert (await relay.client.get("/ready")).status_code == 200  # recovers without a restart


async def test_not_ready_when_the_schema_is_behind(relay_factory: RelayFactory) -> None:
    async with _relay_with_kuper(relay_factory) as relay:
        async with relay.state.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = '0003_stock_retries_acks'"))
        answer = await relay.client.get("/ready")
        assert answer.status_code == 503 and "migrate" in answer.json()["checks"]["migrations"]
        async with relay.state.engine.begin() as conn:
            await conn.execute(text("UPDATE alembic_version SET version_num = :v"), {"v": _head()})
        assert (await relay.client.get("/ready")).status_code == 200


def _head() -> str:
    from pharmacy_desk.relay.storage import migrate

    return migrate.head_revision()
