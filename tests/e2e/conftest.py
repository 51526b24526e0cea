"""Fixtures for the end-to-end tests: a fake Kuper in a thread and a relay as a real process.

- ``database_url``: a temporary SQLite file, and a uniquely named PostgreSQL database created for the
  module and dropped after it. PostgreSQL is skipped when nothing answers at ``PHARMACY_DESK_PG_URL``
  (default ``postgresql+asyncpg://postgres@127.0.0.1:5432/test``) unless ``PHARMACY_DESK_REQUIRE_PG=1``:
  then the tests fail.
- ``notification_format``: every module runs in both formats (``seeds`` and ``nested``).
- ``kuper``: :class:`~pharmacy_desk.sim.kuper_stub.KuperStub` served from a thread on a free
  loopback port (the relay process sends its notifications there), one per module, database and
  format, checking the notifications strictly in that format (``nested`` with Kuper's live answers:
  422 for a repeat, 405 for an event the store does not take).
- ``relay``: ``python -m pharmacy_desk.relay.cli serve`` on that database, configured to use the fake
  Kuper, with a counter PC from ``device add``; always stopped (and killed if need be) afterwards.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import make_url

from pharmacy_desk.kuper.vocabulary import NotificationFormat
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.relay_process import RelayProcess
from pharmacy_desk.sim.serving import ThreadedServer
from tests.e2e.e2e_support import (
    PG_URL,
    REQUIRE_PG,
    Kuper,
    StartedRelay,
    pg_admin,
    pg_answers,
    relay_settings,
    run_async,
)


@pytest.fixture(scope="module", params=[NotificationFormat.SEEDS, NotificationFormat.NESTED], ids=str)
def notification_format(request: pytest.FixtureRequest) -> NotificationFormat:
    value: NotificationFormat = request.param
    return value


@pytest.fixture(scope="module")
def pg_database(notification_format: NotificationFormat) -> Iterator[str]:
    """A PostgreSQL database of this module's own; dropped afterwards."""
    if not pg_answers():
        message = f"PostgreSQL does not answer at {make_url(PG_URL).render_as_string(hide_password=True)}"
        if REQUIRE_PG:
            pytest.fail(message + " (PHARMACY_DESK_REQUIRE_PG=1)")
        pytest.skip(message)
    name = f"pd_e2e_{os.getpid()}_{uuid.uuid4().hex[:10]}"
    run_async(pg_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(PG_URL).set(database=name).render_as_string(hide_password=False)
    finally:
        run_async(pg_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, notification_format: NotificationFormat
) -> str:
    """A fresh database for each format too (the scenarios' orders repeat: the same seed)."""
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'relay.sqlite3'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture(scope="module")
def kuper(database_url: str, notification_format: NotificationFormat) -> Iterator[Kuper]:
    """A fresh fake Kuper for each relay (each database and format)."""
    stub = KuperStub(
        client_id="e2e-client",
        client_secret="e2e-secret",
        notification_format=notification_format,
        live_answers=notification_format is NotificationFormat.NESTED,
    )
    with ThreadedServer(stub.app) as server:
        yield Kuper(stub, server.url)


@pytest.fixture(scope="module")
def relay(kuper: Kuper, database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[StartedRelay]:
    workdir: Path = tmp_path_factory.mktemp("relay")
    process = RelayProcess(relay_settings(kuper, database_url), workdir)
    try:
        process.start()
        yield StartedRelay(process, process.add_device("Касса e2e"))
    finally:
        process.stop()
