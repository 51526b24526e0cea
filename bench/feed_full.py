"""Benchmark: a full feed of stock and prices to Kuper, N SKUs × M stores, at Kuper's 10 requests/s.

::

    .venv/bin/python bench/feed_full.py [--skus 20000] [--stores 10] [--rate 10] [--database-url URL]

The real parts: the embedded stock (``import_rows``) in a temporary SQLite file (or ``--database-url``,
migrated), the feed's reader and scheduler staging a full resend, the worker sending it through the
relay's :class:`~pharmacy_desk.kuper.content.ContentClient` and the shared pacer to the simulator's
strict fake Kuper over HTTP on loopback (served in a thread of its own, so its work does not slow the
sender's loop). Every SKU has a shelf price, so each store sends one stock and one price record per
SKU. Printed: records, requests sent (stocks / prices), the time to stage and the time to send, and
what 10 requests/s allow at best (records / 1,000 per request / rate).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from pharmacy_desk.inventory.embedded.csv_format import StockRow
from pharmacy_desk.inventory.embedded.importer import import_rows
from pharmacy_desk.inventory.shelf_life import ShelfLife
from pharmacy_desk.kuper.content import ContentClient
from pharmacy_desk.kuper.ratelimit import RequestPacer
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed.scheduler import FeedScheduler
from pharmacy_desk.relay.feed.source import FeedAttributes, FeedReader, StaticAttributes
from pharmacy_desk.relay.feed.worker import FeedWorker
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve_in_thread


def _config(url: str, stores: int) -> RelayConfig:
    return RelayConfig.model_validate(
        {
            "database_url": url,
            "webhook_auth": {"client_token": "bench"},
            "stores": [
                {
                    "key": f"s{i}",
                    "name": f"Аптека {i}",
                    "number_prefix": f"S{i}-",
                    "kuper_outlet_id": f"o{i}",
                    "feed": True,
                }
                for i in range(stores)
            ],
        }
    )


async def run(skus: int, stores: int, rate: float, url: str, kuper_url: str, fake: KuperStub) -> None:
    engine = create_engine(url)
    await migrate.upgrade(engine)
    config = _config(url, stores)
    expiry = date.today() + timedelta(days=400)
    rows = [StockRow(i + 2, f"SKU{i:06d}", f"Товар {i}", None, "S1", expiry, 1 + i % 9, "") for i in range(skus)]
    prices = {f"SKU{i:06d}": FeedAttributes(dispensing="otc", shelf_price=Decimal(100 + i % 500)) for i in range(skus)}
    started = time.perf_counter()
    for store in config.stores:
        await import_rows(engine, store.key, rows)
    imported = time.perf_counter() - started

    pacer = RequestPacer(rate)
    reader = FeedReader(config, engine, ShelfLife(0), attributes=StaticAttributes({"*": prices}))
    outlets = {s.key: s.kuper_outlet_id or "" for s in config.stores}
    scheduler = FeedScheduler(
        engine, reader, sorted(outlets), interval=timedelta(minutes=10), full_every=timedelta(hours=24), check_seconds=5
    )
    started = time.perf_counter()
    await scheduler.tick()
    staged = time.perf_counter() - started
    async with ContentClient(kuper_url, "sim-client", "sim-secret", pacer=pacer) as client:
        worker = FeedWorker(engine, client, outlets)
        started = time.perf_counter()
        requests = await worker.drain()
        sent = time.perf_counter() - started
    await engine.dispose()
    records = skus * stores
    stock_requests = len(fake.content.accepted("stocks"))
    price_requests = len(fake.content.accepted("prices"))
    floor = 2 * -(-records // 1000) / rate
    print(
        f"feed full: {skus} SKUs x {stores} stores = {records} stock + {records} price records ({engine.dialect.name})"
    )
    print(f"  stock import {imported:.1f} s (not part of the feed), staging {staged:.1f} s")
    print(
        f"  requests sent {requests} (stocks {stock_requests}, prices {price_requests}, "
        f"429 answered {fake.content.rate_limited}) in {sent:.1f} s at {rate:g} req/s "
        f"(best possible {floor:.1f} s); {2 * records / sent:,.0f} records/s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skus", type=int, default=20_000)
    parser.add_argument("--stores", type=int, default=10)
    parser.add_argument("--rate", type=float, default=10.0)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    fake = KuperStub()
    with tempfile.TemporaryDirectory() as tmp, serve_in_thread(fake.app) as kuper_url:
        url = args.database_url or f"sqlite+aiosqlite:///{Path(tmp) / 'bench.sqlite3'}"
        asyncio.run(run(args.skus, args.stores, args.rate, url, kuper_url, fake))


if __name__ == "__main__":
    main()
