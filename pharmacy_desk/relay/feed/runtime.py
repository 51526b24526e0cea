"""The feed and the store pauses in a running relay: built in the lifespan, stopped at shutdown.

One :class:`~pharmacy_desk.kuper.ratelimit.RequestPacer` (``feed.rate_per_second``) and one
:class:`~pharmacy_desk.kuper.content.ContentClient` serve both. ``state.feed`` is the
:class:`FeedRuntime` (``None`` fields when the feed is off or Kuper is not configured).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import httpx
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.kuper.content import ContentClient
from pharmacy_desk.kuper.ratelimit import RequestPacer
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.feed.pause import PauseService
from pharmacy_desk.relay.feed.service import Feed, build_feed, content_client
from pharmacy_desk.relay.feed.source import AttributeSource
from pharmacy_desk.relay.stock.wiring import shelf_life_of
from pharmacy_desk.relay.stream.bus import StoreBus

logger = logging.getLogger("pharmacy_desk.relay.feed")


@dataclass
class FeedRuntime:
    pacer: RequestPacer
    client: ContentClient | None
    feed: Feed | None
    pauses: PauseService

    def stock_changed(self, store: str) -> None:
        """Call after a stock import in this process: the store's delta goes out at once."""
        if self.feed is not None:
            self.feed.stock_changed(store)

    async def start(self) -> None:
        if self.feed is not None:
            await self.feed.start()
        await self.pauses.start()

    async def aclose(self) -> None:
        await self.pauses.stop()
        if self.feed is not None:
            await self.feed.stop()
        if self.client is not None:
            await self.client.aclose()


def build_runtime(
    config: RelayConfig,
    engine: AsyncEngine,
    bus: StoreBus,
    *,
    attributes: AttributeSource | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
) -> FeedRuntime:
    pacer = RequestPacer(config.feed.rate_per_second)
    try:
        client = content_client(config, pacer, transport=transport)
    except ValueError as exc:
        logger.error("feed: the Kuper content API is not usable: %s", exc)
        client = None
    feed = build_feed(config, engine, client, shelf_life_of(config), attributes=attributes)
    pauses = PauseService(engine, config, client, publish=bus.notify)
    return FeedRuntime(pacer, client, feed, pauses)
