"""The feed's pieces for a running relay: one pacer, one content client, the worker, the scheduler.

:func:`build_feed` returns ``None`` when no store has ``feed = true`` or Kuper's credentials are
missing (the feed stays idle and ``check`` says so). The pacer is the relay's one
:class:`~pharmacy_desk.kuper.ratelimit.RequestPacer`: the store-status calls share it.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.inventory.shelf_life import ShelfLife
from pharmacy_desk.kuper.content import ContentClient
from pharmacy_desk.kuper.ratelimit import RequestPacer
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed.scheduler import FeedScheduler
from pharmacy_desk.relay.feed.source import AttributeSource, FeedReader
from pharmacy_desk.relay.feed.worker import FeedWorker

logger = logging.getLogger("pharmacy_desk.relay.feed")


def feed_outlets(config: RelayConfig) -> dict[str, str]:
    """``{store: kuper_outlet_id}`` of the stores whose feed is on."""
    return {s.key: s.kuper_outlet_id for s in config.stores if s.feed and s.kuper_outlet_id is not None}


def content_client(
    config: RelayConfig, pacer: RequestPacer, *, transport: httpx.AsyncBaseTransport | None = None
) -> ContentClient | None:
    kuper = config.kuper
    if not kuper.client_id or not kuper.client_secret.get_secret_value():
        return None
    return ContentClient(
        kuper.content_base_url or kuper.base_url,
        kuper.client_id,
        kuper.client_secret.get_secret_value(),
        pacer=pacer,
        retail_chain_slug=kuper.retail_chain_slug,
        timeout=max(kuper.timeout_seconds, 5.0),
        transport=transport,
    )


@dataclass
class Feed:
    worker: FeedWorker
    scheduler: FeedScheduler

    def stock_changed(self, store: str) -> None:
        """A stock import ran for ``store`` in this process: stage a delta now."""
        if store in self.worker.outlets:
            self.scheduler.request(store)

    async def start(self) -> None:
        await self.worker.start()
        await self.scheduler.start()

    async def stop(self) -> None:
        await self.scheduler.stop()
        await self.worker.stop()


def build_feed(
    config: RelayConfig,
    engine: AsyncEngine,
    client: ContentClient | None,
    shelf_life: ShelfLife,
    *,
    attributes: AttributeSource | None = None,
) -> Feed | None:
    outlets = feed_outlets(config)
    if not outlets:
        return None
    if client is None:
        logger.warning("feed: kuper.client_id / client_secret not configured: stock and prices are not sent")
        return None
    settings = config.feed
    worker = FeedWorker(
        engine,
        client,
        outlets,
        max_records=settings.max_records,
        max_stores=settings.max_stores,
        concurrency=settings.concurrency,
    )
    scheduler = FeedScheduler(
        engine,
        FeedReader(config, engine, shelf_life, attributes=attributes),
        sorted(outlets),
        interval=timedelta(minutes=settings.interval_minutes),
        full_every=timedelta(hours=settings.full_hours),
        check_seconds=settings.check_seconds,
        on_staged=worker.notify,
    )
    return Feed(worker, scheduler)
