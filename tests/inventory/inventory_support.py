"""Helpers for the inventory tests: a temporary PostgreSQL database, stock lines, 1C settings, shelf life."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
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
