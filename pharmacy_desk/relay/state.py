"""What the running relay holds: configuration, engine, stream fan-out and listener, stock runner and wiring, outbox
worker."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.domain import Order, StockEffect
from pharmacy_desk.inventory import ShelfLife, StockSource
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.stream.bus import StoreBus

if TYPE_CHECKING:
    from pharmacy_desk.relay.stream.fanout import Fanout
    from pharmacy_desk.relay.stream.listener import PgListener

log = logging.getLogger("pharmacy_desk.relay")


class EffectRunner(Protocol):
    """Applies the domain's stock effects (:class:`~.stock.runner.StockRunner` is the one)."""

    async def run(self, store: str, order: Order, effects: Sequence[StockEffect]) -> bool: ...

    async def aclose(self) -> None: ...


class StockServices(Protocol):
    """What the routes need of the stock integration (:class:`~.stock.wiring.StockWiring` is one).

    A protocol, so that the state never imports the wiring (which imports the actions, which import
    the state).
    """

    @property
    def source(self) -> StockSource: ...

    @property
    def shelf_life(self) -> ShelfLife: ...

    def uses_stock(self, store: str) -> bool: ...

    async def has_stock(self, store: str) -> bool: ...


@dataclass
class RelayState:
    config: RelayConfig
    engine: AsyncEngine
    stock: EffectRunner
    bus: StoreBus = field(default_factory=StoreBus)
    outbox_worker: Any | None = None  # pharmacy_desk.relay.outbox.worker.OutboxWorker when available
    stock_wiring: StockServices | None = None  # stock sources per store (catalogue, batches, retries)
    pickup_key: bytes = field(default=b"", repr=False)  # HMAC key of the pickup code digests (pickup_secret)
    fanout: Fanout | None = None  # the store streams of this process (set by the app's lifespan)
    listener: PgListener | None = None  # PostgreSQL: the LISTEN connection

    @property
    def events_mode(self) -> str:
        """How this process learns of new events: ``local`` (SQLite), ``listening`` or ``polling`` (PostgreSQL)."""
        return self.fanout.mode.value if self.fanout is not None else "local"

    feed: Any | None = None  # pharmacy_desk.relay.feed.runtime.FeedRuntime: stock/price feed, store pauses
    messages: Any | None = None  # pharmacy_desk.relay.messages.service.PickupMessenger (pickup code by SMS/e-mail)

    def committed(self, store: str, *, outbox: bool = False) -> None:
        """Tell this process's listeners that ``store`` has new events (and the outbox new rows)."""
        self.bus.notify(store)
        if self.fanout is not None:
            self.fanout.committed(store)
        if outbox and self.outbox_worker is not None:
            try:
                self.outbox_worker.notify()
            except Exception:
                log.exception("could not wake the outbox worker")


def relay_state(request: Request) -> RelayState:
    state: RelayState = request.app.state.relay
    return state
