"""Helpers of the end-to-end tests (a module of its own: test modules import it, never ``conftest``)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import os
import socket
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import make_url, text
from sqlalchemy.ext.asyncio import create_async_engine

from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.relay_process import RelayProcess, RelaySettings

PG_URL = os.environ.get("PHARMACY_DESK_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("PHARMACY_DESK_REQUIRE_PG") == "1"

T = TypeVar("T")


def run_async(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work`` on a private event loop in a worker thread (module fixtures live outside any test loop)."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


@dataclass
class Kuper:
    """The fake Kuper and the URL it serves on."""

    stub: KuperStub
    url: str


@dataclass
class StartedRelay:
    """A relay process and the token of its counter PC."""

    process: RelayProcess
    device_token: str

    @property
    def settings(self) -> RelaySettings:
        return self.process.settings


def relay_settings(kuper: Kuper, database_url: str) -> RelaySettings:
    """A relay configured to send its notifications to ``kuper``, in the format ``kuper`` checks."""
    return RelaySettings(
        kuper_url=kuper.url,
        database_url=database_url,
        client_id=kuper.stub.client_id,
        client_secret=kuper.stub.client_secret,
        notification_format=kuper.stub.notification_format.value,
    )


def pg_answers(url: str = PG_URL) -> bool:
    parsed = make_url(url)
    try:
        with socket.create_connection((parsed.host or "127.0.0.1", parsed.port or 5432), timeout=1):
            return True
    except OSError:
        return False


async def pg_admin(statement: str, url: str = PG_URL) -> None:
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with engine.connect() as conn:
            await conn.execute(text(statement))
    finally:
        await engine.dispose()
