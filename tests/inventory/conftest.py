"""Fixtures: databases (SQLite per test, one PostgreSQL database per session), the 1C stub, benches."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.inventory import FoundSeries
from pharmacy_desk.inventory.embedded import EmbeddedStock, StockRow, import_rows, metadata, read_stock_csv
from pharmacy_desk.inventory.embedded.serials import remember_pack_serials
from pharmacy_desk.inventory.onec import OneCStock
from pharmacy_desk.inventory.onec.stub import OneCStub
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.sim.serving import ThreadedServer
from tests.inventory.inventory_support import (
    SAMPLE_CSV,
    Bench,
    create_temp_database,
    drop_temp_database,
    in_thread,
    new_store,
    onec_settings,
    pg_reachable,
    shelf_life,
)


@pytest.fixture
def store() -> str:
    """A store name no other test uses (the PostgreSQL database is shared by the session)."""
    return new_store()


@pytest.fixture(scope="session")
def sample_rows() -> list[StockRow]:
    return read_stock_csv(SAMPLE_CSV)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A temporary PostgreSQL database with the inventory tables, dropped at the end of the session."""
    if not pg_reachable():
        if os.environ.get("PHARMACY_DESK_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL on 127.0.0.1:5432 does not answer and PHARMACY_DESK_REQUIRE_PG=1")
        pytest.skip("PostgreSQL on 127.0.0.1:5432 does not answer")
    url = create_temp_database()

    async def create_tables() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()

    try:
        in_thread(create_tables)
        yield url
    finally:
        drop_temp_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    if engine.dialect.name == "sqlite":
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture(scope="session")
def onec_stub() -> Iterator[tuple[OneCStub, str]]:
    """The 1C stub served on loopback for the whole session; each test uses its own stores."""
    stub = OneCStub(username="kuper", password="secret")
    with ThreadedServer(stub.app(), ws="none", http="h11", timeout_graceful_shutdown=3) as server:
        yield stub, server.url


@pytest.fixture(
    params=[
        "embedded-sqlite",
        pytest.param("embedded-postgres", marks=pytest.mark.postgres),
        "onec",
    ]
)
async def bench(request: pytest.FixtureRequest, tmp_path: Path, sample_rows: list[StockRow]) -> AsyncIterator[Bench]:
    store, lax = new_store(), new_store()
    if request.param == "onec":
        stub, url = request.getfixturevalue("onec_stub")
        stub.load(store, sample_rows)
        stub.load(lax, sample_rows)

        async def remember_in_1c(gtin: str, serial: str, sku: str, series: str) -> None:
            stub.one_c.serials[(store, gtin, serial)] = (sku, series)

        source = OneCStock(onec_settings(url), shelf_life(store))
        yield Bench("onec", source, store, lax, remember_in_1c)
        await source.aclose()
        return
    if request.param == "embedded-sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}"
    else:
        url = request.getfixturevalue("pg_url")
    engine = create_engine(url)
    if engine.dialect.name == "sqlite":
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
    await import_rows(engine, store, sample_rows)
    await import_rows(engine, lax, sample_rows)

    async def remember_embedded(gtin: str, serial: str, sku: str, series: str) -> None:
        await remember_pack_serials(engine, store, [FoundSeries(gtin=gtin, serial=serial, sku=sku, series=series)])

    embedded = EmbeddedStock(engine, shelf_life(store))
    yield Bench(request.param, embedded, store, lax, remember_embedded)
    await embedded.aclose()
    await engine.dispose()
