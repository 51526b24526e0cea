"""Work one relay process at a time does when several share PostgreSQL: the advisory lock helper, and the
stock retries (an order's stock effect is retried by one process, the others skip it)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select

from pharmacy_desk.inventory import OutOfStockPolicy
from pharmacy_desk.inventory.embedded import EmbeddedStock
from pharmacy_desk.relay.stock.retries import Retried, StockRetries
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.exclusive import STOCK_RETRIES, exclusive
from pharmacy_desk.relay.storage.schema import orders, stock_retries
from tests.relay.relay_support import STORE, Relay


async def test_one_holder_at_a_time_on_postgresql_always_on_sqlite(relay: Relay) -> None:
    other = create_engine(relay.config.database_url)
    postgres = relay.config.database_url.startswith("postgresql")
    try:
        async with exclusive(relay.state.engine, STOCK_RETRIES, 41) as first:
            assert first is True
            async with exclusive(other, STOCK_RETRIES, 41) as second:
                assert second is (not postgres)  # PostgreSQL: the other process skips it
            async with exclusive(other, STOCK_RETRIES, 42) as different:
                assert different is True
        async with exclusive(other, STOCK_RETRIES, 41) as after:
            assert after is True  # released with the block's transaction
    finally:
        await other.dispose()


class CountingSource:
    """The embedded stock, slowly, counting the calls that change it."""

    def __init__(self, inner: EmbeddedStock) -> None:
        self.inner = inner
        self.calls: list[str] = []

    def __getattr__(self, name: str) -> Any:
        method = getattr(self.inner, name)

        async def counted(*args: Any, **kwargs: Any) -> Any:
            if name in ("reserve", "adjust", "release", "commit"):
                self.calls.append(name)
                await asyncio.sleep(0.2)  # the other process looks meanwhile
            return await method(*args, **kwargs)

        return counted


async def test_two_processes_retry_an_orders_stock_effect_once(relay: Relay) -> None:
    number = await relay.create_order("pickup")
    async with relay.state.engine.begin() as conn:
        order_id = (await conn.execute(select(orders.c.id).where(orders.c.number == number))).scalar_one()
        now = datetime.now(UTC)
        await conn.execute(
            insert(stock_retries).values(
                order_id=order_id,
                store=STORE,
                number=number,
                decide=False,
                attempts=0,
                next_attempt_at=now,
                last_error=None,
                created_at=now,
            )
        )
    engines = [create_engine(relay.config.database_url) for _ in range(2)]
    sources = [CountingSource(EmbeddedStock(engine)) for engine in engines]
    succeeded: list[Retried] = []

    async def record(retried: Retried) -> None:
        succeeded.append(retried)

    workers = [
        StockRetries(
            engine, source, policy_for=lambda _store: OutOfStockPolicy.FLAG, on_success=record, first_delay=30.0
        )
        for engine, source in zip(engines, sources, strict=True)
    ]
    try:
        done = await asyncio.gather(*(worker.run_due() for worker in workers))
    finally:
        for engine in engines:
            await engine.dispose()
    postgres = relay.config.database_url.startswith("postgresql")
    calls = [call for source in sources for call in source.calls]
    if postgres:
        assert sorted(done) == [0, 1] and len(calls) == 1 and len(succeeded) == 1, calls
    else:  # SQLite runs one relay process: nothing stops two workers there (and none is run)
        assert sum(done) >= 1
    async with relay.state.engine.connect() as conn:
        assert (await conn.execute(select(stock_retries))).first() is None
