"""Fixtures for the relay tests: the relay served by uvicorn on 127.0.0.1, on SQLite and PostgreSQL.

- ``database_url`` is parametrized: a fresh SQLite file per test, and a PostgreSQL database created
  for the session (uniquely named, dropped at the end) whose tables are emptied before each test.
  PostgreSQL is skipped when nothing answers at the URL's host and port, unless
  ``PHARMACY_DESK_REQUIRE_PG=1`` (then the tests fail). URL: ``PHARMACY_DESK_PG_URL``.
- ``relay_factory(**config_overrides)`` starts a relay (the support layer's ``loopback`` server: uvicorn
  as a task in the test's event loop, a random free port) with an ``httpx.AsyncClient``; everything is
  stopped and closed after the test. ``relay`` is the default one. Its stock hook records the effects;
  ``configured_stock=True`` keeps the stock integration the configuration asks for (``stock_source=``
  replaces its sources).
"""

from __future__ import annotations

import asyncio
import os
import socket
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from pharmacy_desk.inventory import StockSource
from pharmacy_desk.inventory.embedded.tables import metadata as inventory_metadata
from pharmacy_desk.relay.app import create_app
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.schema import metadata
from tests.relay.relay_support import RecordingStock, Relay, RelayFactory, make_config
from tests.support.fixtures import Loopback

PG_URL = os.environ.get("PHARMACY_DESK_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("PHARMACY_DESK_REQUIRE_PG") == "1"


def _pg_answers(url: str) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


async def _admin(url: str, statement: str) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()


async def _migrate(url: str) -> None:
    engine = create_engine(url)
    try:
        await migrate.upgrade(engine)
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
def pg_session_url() -> Iterator[str]:
    """A PostgreSQL database of its own for this test session, migrated; dropped afterwards."""
    if not _pg_answers(PG_URL):
        message = f"PostgreSQL does not answer at {make_url(PG_URL).render_as_string(hide_password=True)}"
        if REQUIRE_PG:
            pytest.fail(message + " (PHARMACY_DESK_REQUIRE_PG=1)")
        pytest.skip(message)
    name = f"pdesk_relay_{uuid.uuid4().hex[:12]}"
    url = make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    asyncio.run(_admin(PG_URL, f'CREATE DATABASE "{name}"'))
    try:
        asyncio.run(_migrate(url))
        yield url
    finally:
        asyncio.run(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


async def _empty_tables(url: str) -> None:
    names = ", ".join(table.name for table in [*metadata.sorted_tables, *inventory_metadata.sorted_tables])
    engine = create_async_engine(url)
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    finally:
        await engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}"
    url: str = request.getfixturevalue("pg_session_url")
    asyncio.run(_empty_tables(url))
    return url


@pytest.fixture
async def relay_factory(database_url: str, loopback: Loopback) -> AsyncIterator[RelayFactory]:
    stops: list[Callable[[], Awaitable[None]]] = []

    async def start(
        *,
        stock: RecordingStock | None = None,
        configured_stock: bool = False,
        stock_source: StockSource | None = None,
        http: str = "auto",
        **overrides: Any,
    ) -> Relay:
        recording = stock or RecordingStock()
        app = create_app(
            make_config(database_url, **overrides),
            stock_hook=None if configured_stock else recording,
            stock_source=stock_source,
        )
        server = await loopback(app, http=http)  # auto: httptools (uvicorn[standard]), as the relay's CLI
        client = httpx.AsyncClient(base_url=server.url, timeout=10, verify=False)  # plain HTTP: skip loading CA certs

        async def stop() -> None:
            await client.aclose()
            await server.stop()  # bounded: a stuck shutdown fails the test instead of hanging the run

        stops.append(stop)
        return Relay(app=app, base_url=server.url, client=client, stock=recording)

    yield start
    for stop in reversed(stops):
        await stop()


@pytest.fixture
async def relay(relay_factory: RelayFactory) -> Relay:
    return await relay_factory()
