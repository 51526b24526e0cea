"""Helpers for the inventory tests: a temporary PostgreSQL database, a uvicorn server in a thread."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
import uvicorn
from sqlalchemy.engine import make_url

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.inventory import ShelfLife, StockSource
from pharmacy_desk.inventory.onec import OneCSettings

T = TypeVar("T")

TODAY = date(2026, 11, 23)
SAMPLE_CSV = os.path.join(os.path.dirname(__file__), "..", "..", "resources", "stock", "sample_stock.csv")
PG_URL = os.environ.get("PHARMACY_DESK_PG_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")


@dataclass
class Bench:
    """A stock source with the sample stock in two stores: ``store`` (minimum 30 days) and ``lax_store`` (0)."""

    kind: str
    source: StockSource
    store: str
    lax_store: str
    remember_serial: Callable[[str, str, str, str], Awaitable[None]]  # gtin, serial, sku, series


MIN_DAYS = 30  # the main test store's minimum remaining shelf life


def shelf_life(store: str) -> ShelfLife:
    """``store`` keeps 30 days minimum, every other store none; today is 2026-11-23."""
    return ShelfLife(0, {store: MIN_DAYS}, today=lambda: TODAY)


def onec_settings(url: str, **overrides: object) -> OneCSettings:
    values: dict[str, object] = {"base_url": url, "username": "kuper", "password": "secret", "timeout_seconds": 3.0}
    values.update(overrides)
    return OneCSettings.model_validate(values)


def new_store() -> str:
    return f"s-{uuid.uuid4().hex[:10]}"


def line(sku: str, quantity: int, name: str = "") -> Line:
    """An order line as the domain's stock effects carry it."""
    return Line(sku=sku, name=name, quantity=quantity, ordered_quantity=quantity, price=Decimal("100.00"))


def in_thread(make: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine to completion on a fresh loop in another thread (from sync fixtures)."""
    box: dict[str, Any] = {}

    def work() -> None:
        try:
            box["value"] = asyncio.run(make())  # type: ignore[arg-type]
        except BaseException as exc:  # re-raised in the caller
            box["error"] = exc

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    return box["value"]  # type: ignore[no-any-return]


def pg_reachable() -> bool:
    url = make_url(PG_URL)
    try:
        with socket.create_connection((url.host or "127.0.0.1", url.port or 5432), timeout=1):
            return True
    except OSError:
        return False


def _dsn(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def create_temp_database() -> str:
    name = f"inventory_test_{uuid.uuid4().hex[:12]}"

    async def create() -> None:
        conn = await asyncpg.connect(_dsn(PG_URL))
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()

    in_thread(create)
    return make_url(PG_URL).set(database=name).render_as_string(hide_password=False)


def drop_temp_database(url: str) -> None:
    name = make_url(url).database

    async def drop() -> None:
        conn = await asyncpg.connect(_dsn(PG_URL))
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    in_thread(drop)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class ServerThread:
    """An ASGI app served by uvicorn on 127.0.0.1 (a free port) in a thread; ``stop()`` shuts it down."""

    def __init__(self, app: Any) -> None:
        self._sock = socket.socket()
        self._sock.bind(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            ws="none",
            http="h11",
            loop="asyncio",
            timeout_graceful_shutdown=3,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]}, daemon=True)

    def start(self) -> ServerThread:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the stub server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)
        self._sock.close()
        if self._thread.is_alive():
            raise RuntimeError("the stub server did not stop")
