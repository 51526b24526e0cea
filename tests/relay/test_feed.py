"""The stock and price feed to Kuper against the strict fake Kuper (real HTTP on loopback), on SQLite
and PostgreSQL: the numbers, the batching, a 429 storm, a crash, a price drop within one interval."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.domain.product import Dispensing, ProductAttributes
from pharmacy_desk.inventory.embedded.importer import ImportMode, import_rows
from pharmacy_desk.inventory.embedded.source import EmbeddedStock
from pharmacy_desk.inventory.lines import Want
from pharmacy_desk.inventory.shelf_life import ShelfLife
from pharmacy_desk.kuper.content import ContentClient
from pharmacy_desk.kuper.ratelimit import RequestPacer
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed import queue
from pharmacy_desk.relay.feed.queue import FeedKind, FeedStatus
from pharmacy_desk.relay.feed.scheduler import FeedScheduler
from pharmacy_desk.relay.feed.source import FeedAttributes, FeedReader, StaticAttributes
from pharmacy_desk.relay.feed.status import sku_rows, store_state
from pharmacy_desk.relay.feed.worker import FeedWorker
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.schema import feed_items
from pharmacy_desk.sim.kuper_stub import Endpoint, KuperStub
from pharmacy_desk.sim.serving import serve
from tests.relay.feed_support import Clock, RealClock, Rows, feed_config
from tests.support import eventually as wait_until

TODAY = date(2026, 12, 1)


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    yield engine
    await engine.dispose()


@pytest.fixture
async def stub() -> AsyncIterator[tuple[KuperStub, str]]:
    fake = KuperStub()
    async with serve(fake.app) as url:
        yield fake, url


@pytest.fixture
async def client(stub: tuple[KuperStub, str]) -> AsyncIterator[ContentClient]:
    async with ContentClient(stub[1], "sim-client", "sim-secret", pacer=RequestPacer(10)) as kuper:
        yield kuper


def _no_backoff(attempts: int, retry_after: float | None) -> float:
    return retry_after if retry_after is not None else 0.05


class Feed:
    """A reader, a scheduler and a worker over one engine and the fake, with a fake clock."""

    def __init__(
        self,
        config: RelayConfig,
        engine: AsyncEngine,
        client: ContentClient,
        *,
        attributes: StaticAttributes | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock or Clock()
        shelf = ShelfLife(0, {s.key: s.min_shelf_life_days for s in config.stores}, today=lambda: TODAY)
        self.reader = FeedReader(config, engine, shelf, attributes=attributes)  # None: the stock's own
        outlets = {s.key: s.kuper_outlet_id or "" for s in config.stores if s.feed}
        self.scheduler = FeedScheduler(
            engine,
            self.reader,
            sorted(outlets),
            interval=timedelta(minutes=config.feed.interval_minutes),
            full_every=timedelta(hours=config.feed.full_hours),
            check_seconds=0.05,
            clock=self.clock,
        )
        self.worker = FeedWorker(engine, client, outlets, backoff=_no_backoff, clock=self.clock, poll_interval=0.05)


async def _import(engine: AsyncEngine, store: str, rows: Rows, mode: ImportMode = ImportMode.REPLACE) -> None:
    await import_rows(engine, store, rows.rows, mode=mode)


async def test_a_stock_import_gives_one_batched_delta_with_the_right_numbers(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    config = feed_config(database_url, stores=1, safety_stock=1, min_shelf_life_days=30)
    attrs = StaticAttributes(
        {
            "apteka-12": {
                "A": FeedAttributes(dispensing="otc", shelf_price=Decimal("198.99")),
                "RX": FeedAttributes(dispensing="rx", shelf_price=Decimal("500")),
            }
        }
    )
    feed = Feed(config, engine, client, attributes=attrs)
    rows = (
        Rows()
        .add("A", 5)  # 5 packs, 2 will be reserved, 1 kept back: 2
        .add("A", 3, expiry=TODAY + timedelta(days=10), series="S2")  # below 30 days of shelf life: not sold
        .add("OLD", 4, expiry=date(2026, 11, 1))  # expired: 0
        .add("RX", 10)  # prescription only: 0
        .add("ONE", 1)  # only the safety stock: 0
        .add("E", 4)  # 3
    )
    await _import(engine, "apteka-12", rows)
    reserved = await EmbeddedStock(engine, ShelfLife(30, today=lambda: TODAY)).reserve(
        "apteka-12", "order-1", [Want("A", 2)]
    )
    assert reserved.complete

    await feed.scheduler.tick()  # the first look: a full send
    assert await feed.worker.drain() == 2  # one stock request, one price request
    assert fake.content.stocks_of("12") == {"A": 2, "OLD": 0, "RX": 0, "ONE": 0, "E": 3}
    assert fake.content.price("12", "A") == Decimal("198.99")
    assert fake.content.price("12", "OLD") is None  # no shelf price known: no price sent

    # a stock import (merge): A and E change, F is new; the others stay as they are
    before = len(fake.content.accepted("stocks"))
    await _import(engine, "apteka-12", Rows().add("A", 9).add("E", 1).add("F", 6), ImportMode.MERGE)
    runs = await feed.scheduler.tick()  # the interval is not over, but the stock changed
    assert [(r.store, r.full, r.report.staged) for r in runs] == [("apteka-12", False, 3)]
    assert await feed.worker.drain() == 1
    delta = fake.content.accepted("stocks")[before:]
    assert [(r.records, r.outlets) for r in delta] == [(3, frozenset({"12"}))]
    assert fake.content.stocks_of("12") == {"A": 6, "OLD": 0, "RX": 0, "ONE": 0, "E": 0, "F": 5}

    state = await store_state(engine, config, "apteka-12")
    assert (state.pending, state.retrying, state.failed) == (0, 0, 0)
    assert state.sent == 8  # six stock rows, two price rows (A's and RX's)
    rows_a = await sku_rows(engine, "apteka-12", "A")
    assert [(r.kind, r.status, r.sent_value) for r in rows_a] == [
        ("price", "sent", '{"price":{"amount":"198.99","currency":"RUB"},"vat":"VAT10"}'),
        ("stock", "sent", '{"stock":"6"}'),
    ]


async def test_2500_skus_go_in_three_requests(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    feed = Feed(feed_config(database_url, stores=1), engine, client)
    rows = Rows()
    for i in range(2500):
        rows.add(f"SKU{i:05d}", i % 7)
    await _import(engine, "apteka-12", rows)
    await feed.scheduler.tick()
    assert await feed.worker.drain() == 3
    assert [r.records for r in fake.content.accepted("stocks")] == [1000, 1000, 500]
    assert fake.content.accepted("prices") == []
    assert len(fake.content.stocks_of("12")) == 2500
    assert fake.content.stock("12", "SKU00013") == 13 % 7


async def test_one_request_names_at_most_ten_stores(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    config = feed_config(database_url, stores=12)
    feed = Feed(config, engine, client)
    for store in config.stores:
        await _import(engine, store.key, Rows().add("A", 3).add("B", 4))
    await feed.scheduler.tick()
    await feed.worker.drain()
    sent = fake.content.accepted("stocks")
    assert sorted(len(r.outlets) for r in sent) == [2, 10]
    assert sum(r.records for r in sent) == 24


async def test_a_429_storm_delivers_everything_in_order_within_the_rate_limit(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    config = feed_config(database_url, stores=12, safety_stock=0)
    feed = Feed(config, engine, client, clock=RealClock())  # the retries wait real seconds
    fake.storm(429, requests=6, retry_after=1, endpoint=Endpoint.STOCKS)
    await feed.worker.start()
    try:
        # every store's stock changes five times while Kuper answers 429; values only grow
        for round_ in range(1, 6):
            for store in config.stores:
                await _import(engine, store.key, Rows().add("A", round_ * 10).add("B", round_))
            await feed.scheduler.stage_now(config.stores[0].key, full=False)
            for store in config.stores[1:]:
                await feed.scheduler.stage_now(store.key, full=False)
            feed.worker.notify()
            await asyncio.sleep(0.15)

        async def arrived() -> bool:
            return all(
                fake.content.stock(s.kuper_outlet_id or "", "A") == 50
                and fake.content.stock(s.kuper_outlet_id or "", "B") == 5
                for s in config.stores
            )

        await wait_until(arrived, timeout=30, what="the last values at the fake")

        async def recorded() -> bool:
            states = [await store_state(engine, config, s.key) for s in config.stores]
            return all(st.pending == 0 and st.retrying == 0 for st in states)

        await wait_until(recorded, timeout=10, what="Kuper's answers recorded")
    finally:
        await feed.worker.stop()
    storm_hits = [r for r in fake.content.requests if r.status == 429]
    assert len(storm_hits) >= 6
    assert fake.content.rate_limited == 0  # the pacer kept the relay under Kuper's 10 requests/s
    times = sorted(r.at for r in fake.content.requests)
    assert all(b - a >= 0 for a, b in zip(times, times[10:], strict=False))
    assert max(sum(1 for t in times if start <= t < start + 1.0) for start in times) <= 10
    for store in config.stores:
        history = fake.content.stock_history(store.kuper_outlet_id or "", "A")
        assert history == sorted(history), f"an older value arrived after a newer one: {history}"
        assert history[-1] == 50
    assert (await store_state(engine, config, "apteka-12")).sent == 2


async def test_a_crash_between_queueing_and_sending_sends_after_restart(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    config = feed_config(database_url, stores=1)
    feed = Feed(config, engine, client)
    await _import(engine, "apteka-12", Rows().add("A", 3).add("B", 4))
    await feed.scheduler.tick()  # staged and committed, nothing sent yet
    # a second batch was claimed (in a request) when the relay died
    claimed = await queue.claim(
        engine, FeedKind.STOCK, ["apteka-12"], now=feed.clock(), max_records=1, max_stores=10, lock_rows=False
    )
    assert [c.sku for c in claimed] == ["A"]
    await engine.dispose()  # the crash: nothing of the first process is left but the database
    assert fake.content.requests == []

    # SQLite (one relay process): the next start puts it back at once; PostgreSQL: when its lease ends
    feed.clock.advance(seconds=queue.LEASE.total_seconds() + 1)
    again = create_engine(database_url)
    try:
        worker = FeedWorker(again, client, {"apteka-12": "12"}, clock=feed.clock, poll_interval=0.05)
        await worker.start()

        async def all_sent() -> bool:
            async with again.connect() as conn:
                statuses = (await conn.execute(select(feed_items.c.status))).scalars().all()
            return set(statuses) == {FeedStatus.SENT.value}

        try:
            await wait_until(all_sent, timeout=10, what="sent after restart")
        finally:
            await worker.stop()
        assert fake.content.stocks_of("12") == {"A": 3, "B": 4}
    finally:
        await again.dispose()


async def test_a_price_drop_reaches_kuper_within_one_interval(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    config = feed_config(database_url, stores=1)
    attrs = StaticAttributes({"apteka-12": {"A": FeedAttributes(dispensing="otc", shelf_price=Decimal("198.99"))}})
    feed = Feed(config, engine, client, attributes=attrs)
    await _import(engine, "apteka-12", Rows().add("A", 3))
    await feed.scheduler.tick()
    await feed.worker.drain()
    assert fake.content.price("12", "A") == Decimal("198.99")

    attrs.set("apteka-12", "A", FeedAttributes(dispensing="otc", shelf_price=Decimal("149.50")))
    feed.clock.advance(minutes=5)
    assert await feed.scheduler.tick() == []  # half an interval: nothing is due
    feed.clock.advance(minutes=5)
    runs = await feed.scheduler.tick()
    assert [(r.full, r.report.staged) for r in runs] == [(False, 1)]
    await feed.worker.drain()
    assert fake.content.price_history("12", "A") == [Decimal("198.99"), Decimal("149.50")]


async def test_kuper_refusing_a_batch_is_visible_and_a_new_value_goes_out(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    config = feed_config(database_url, stores=1)
    feed = Feed(config, engine, client)
    await _import(engine, "apteka-12", Rows().add("A", 3))
    await feed.scheduler.tick()
    fake.storm(422, requests=1, endpoint=Endpoint.STOCKS)
    await feed.worker.drain()
    state = await store_state(engine, config, "apteka-12")
    assert state.failed == 1 and state.kuper_error is not None and "422" in state.kuper_error
    assert not state.healthy
    await _import(engine, "apteka-12", Rows().add("A", 2))
    await feed.scheduler.tick()
    await feed.worker.drain()
    assert fake.content.stock("12", "A") == 2
    assert (await store_state(engine, config, "apteka-12")).failed == 0


async def test_a_value_staged_while_its_request_is_out_follows_it(
    engine: AsyncEngine, database_url: str, client: ContentClient, stub: tuple[KuperStub, str]
) -> None:
    fake, _ = stub
    clock = Clock()
    await queue.stage(engine, "apteka-12", {"A": {"stock": '{"stock":"1"}'}}, now=clock())
    out = await queue.claim(
        engine, FeedKind.STOCK, ["apteka-12"], now=clock(), max_records=10, max_stores=10, lock_rows=False
    )
    await queue.stage(engine, "apteka-12", {"A": {"stock": '{"stock":"2"}'}}, now=clock())
    # the newer value is not claimable while the older one is out
    assert (
        await queue.claim(
            engine, FeedKind.STOCK, ["apteka-12"], now=clock(), max_records=10, max_stores=10, lock_rows=False
        )
        == []
    )
    async with engine.begin() as conn:
        await queue.record_sent(conn, out, status_code=200, now=clock())
    again = await queue.claim(
        engine, FeedKind.STOCK, ["apteka-12"], now=clock(), max_records=10, max_stores=10, lock_rows=False
    )
    assert [(c.sku, c.value, c.version) for c in again] == [("A", '{"stock":"2"}', 2)]
    del fake


async def test_the_stock_files_product_attributes_give_dispensing_and_shelf_price(
    engine: AsyncEngine, database_url: str, stub: tuple[KuperStub, str], client: ContentClient
) -> None:
    fake, _ = stub
    feed = Feed(feed_config(database_url, stores=1), engine, client)  # the embedded stock's attributes
    otc = ProductAttributes(dispensing=Dispensing.OTC, shelf_price=Decimal("199.99"))
    rx = ProductAttributes(dispensing=Dispensing.RX, shelf_price=Decimal("512.00"))
    await _import(engine, "apteka-12", Rows().add("100234", 3, attributes=otc).add("RX1", 5, attributes=rx).add("X", 2))
    await feed.scheduler.tick()
    await feed.worker.drain()
    assert fake.content.stocks_of("12") == {"100234": 3, "RX1": 0, "X": 2}
    assert fake.content.price("12", "100234") == Decimal("199.99")
    assert fake.content.price("12", "RX1") == Decimal("512.00")
    assert fake.content.price("12", "X") is None  # no shelf price in the file: none sent

    cheaper = ProductAttributes(dispensing=Dispensing.OTC, shelf_price=Decimal("189.50"))
    await _import(engine, "apteka-12", Rows().add("100234", 3, attributes=cheaper), ImportMode.MERGE)
    runs = await feed.scheduler.tick()  # the import changed the attributes: a delta at once
    assert [(r.full, r.report.staged) for r in runs] == [(False, 1)]
    await feed.worker.drain()
    assert fake.content.price_history("12", "100234") == [Decimal("199.99"), Decimal("189.50")]


async def test_the_worker_sleeps_until_a_retry_is_due_not_until_its_safety_poll(
    engine: AsyncEngine,
    database_url: str,
    stub: tuple[KuperStub, str],
    client: ContentClient,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    fake, _ = stub
    config = feed_config(database_url, stores=1, safety_stock=0)
    feed = Feed(config, engine, client, clock=RealClock())
    outlets = {s.key: s.kuper_outlet_id or "" for s in config.stores if s.feed}
    worker = FeedWorker(engine, client, outlets, backoff=_no_backoff, poll_interval=30.0)  # the default look
    fake.storm(429, requests=1, retry_after=1, endpoint=Endpoint.STOCKS)  # the first send: again in 1 s
    await _import(engine, "apteka-12", Rows().add("A", 7))
    await feed.scheduler.stage_now("apteka-12", full=False)
    looks = 0
    real_next_due = queue.next_due

    async def counted(engine: AsyncEngine, stores: list[str]) -> object:
        nonlocal looks
        looks += 1
        return await real_next_due(engine, stores)

    monkeypatch.setattr(queue, "next_due", counted)
    await worker.start()
    try:
        await wait_until(lambda: fake.content.stock("12", "A") == 7, timeout=10, what="the retry, once due")
        assert [r.status for r in fake.content.requests if r.endpoint == "stocks"][:1] == [429]

        async def recorded() -> bool:
            async with engine.connect() as conn:
                statuses = (await conn.execute(select(feed_items.c.status))).scalars().all()
            return set(statuses) == {FeedStatus.SENT.value}

        # Kuper has the stock before the worker records it; the record wakes the worker once more, and a
        # look already under way when it lands sees it too: let those finish before counting
        await wait_until(recorded, timeout=10, what="the retry recorded as sent")
        await asyncio.sleep(0.3)
        settled = looks
        await asyncio.sleep(1.0)
        # idle: asleep until the 30 s safety poll (a busy loop would look every 0.05 s: about 20 times)
        assert looks - settled == 0
    finally:
        await worker.stop()
