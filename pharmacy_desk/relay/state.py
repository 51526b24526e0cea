"""What the running relay holds: configuration, engine, stream wake-ups, stock runner and wiring, outbox worker."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.stock_hook import StockRunner
from pharmacy_desk.relay.store_bus import StoreBus

if TYPE_CHECKING:
    from pharmacy_desk.relay.stock_wiring import StockWiring

log = logging.getLogger("pharmacy_desk.relay")


@dataclass
class RelayState:
    config: RelayConfig
    engine: AsyncEngine
    stock: StockRunner
    bus: StoreBus = field(default_factory=StoreBus)
    outbox_worker: Any | None = None  # pharmacy_desk.relay.outbox.OutboxWorker when available
    stock_wiring: StockWiring | None = None  # stock sources per store (catalogue, batches, retries)

    def committed(self, store: str, *, outbox: bool = False) -> None:
        """Tell this process's listeners that ``store`` has new events (and the outbox new rows)."""
        self.bus.notify(store)
        if outbox and self.outbox_worker is not None:
            try:
                self.outbox_worker.notify()
            except Exception:
                log.exception("could not wake the outbox worker")


def relay_state(request: Request) -> RelayState:
    state: RelayState = request.app.state.relay
    return state
