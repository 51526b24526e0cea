"""Fixtures for the end-to-end tests: a fake Kuper in a thread and a relay as a real process.

- ``kuper``: :class:`~pharmacy_desk.sim.kuper_stub.KuperStub` served from a thread on a free
  loopback port (the relay process sends its notifications there), one per module and database.
- ``database_url``: a temporary SQLite file, and a uniquely named PostgreSQL database created for the
  module and dropped after it. PostgreSQL is skipped when nothing answers at ``PHARMACY_DESK_PG_URL``
  (default ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``) unless ``PHARMACY_DESK_REQUIRE_PG=1``:
  then the tests fail.
- ``relay``: ``python -m pharmacy_desk.relay.cli serve`` on that database, configured to use the fake
  Kuper, with a counter PC from ``device add``; always stopped (and killed if need be) afterwards.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
import uuid
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.relay_process import RelayProcess, RelaySettings
from pharmacy_desk.sim.serving import ThreadedServer

PG_URL = os.environ.get("PHARMACY_DESK_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("PHARMACY_DESK_REQUIRE_PG") == "1"

T = TypeVar("T")


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` on a private event loop in a worker thread (module fixtures live outside any test loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


@dataclass
class Kuper:
    stub: KuperStub
    url: str


@pytest.fixture(scope="module")
def kuper(database_url: str) -> Iterator[Kuper]:
    """A fresh fake Kuper for each relay (each database)."""
    stub = KuperStub(client_id="e2e-client", client_secret="e2e-secret")
    with ThreadedServer(stub.app) as server:
        yield Kuper(stub, server.url)


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


@pytest.fixture(scope="module")
def pg_database() -> Iterator[str]:
    """A PostgreSQL database of this module's own; dropped afterwards."""
    if not _pg_answers(PG_URL):
        message = f"PostgreSQL does not answer at {make_url(PG_URL).render_as_string(hide_password=True)}"
        if REQUIRE_PG:
            pytest.fail(message + " (PHARMACY_DESK_REQUIRE_PG=1)")
        pytest.skip(message)
    name = f"pd_e2e_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    run_async(_admin(PG_URL, f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        run_async(_admin(PG_URL, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'relay.sqlite3'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@dataclass
class StartedRelay:
    process: RelayProcess
    device_token: str

    @property
    def settings(self) -> RelaySettings:
        return self.process.settings


def relay_settings(kuper: Kuper, database_url: str) -> RelaySettings:
    return RelaySettings(
        kuper_url=kuper.url,
        database_url=database_url,
        client_id=kuper.stub.client_id,
        client_secret=kuper.stub.client_secret,
    )


@pytest.fixture(scope="module")
def relay(kuper: Kuper, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartedRelay]:
    workdir: Path = tmp_path_factory.mktemp("relay")
    process = RelayProcess(relay_settings(kuper, database_url), workdir)
    try:
        process.start()
        yield StartedRelay(process, process.add_device("Касса e2e"))
    finally:
        process.stop()
