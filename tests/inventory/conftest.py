"""Fixtures: databases (SQLite per test, one PostgreSQL database per session)."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from inventory_support import (
    SAMPLE_CSV,
    create_temp_database,
    drop_temp_database,
    in_thread,
    new_store,
    pg_reachable,
)
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.inventory.embedded import StockRow, metadata, read_stock_csv
from pharmacy_desk.relay.db import create_engine


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
