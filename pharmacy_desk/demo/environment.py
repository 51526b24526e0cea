"""Everything the demo runs besides the counter app: a relay, a fake Kuper and a stream of orders.

:class:`DemoEnvironment` (``async with``), all in this process and on this event loop (the counter
app's qasync loop), so quitting the app stops everything and nothing outlives it:

1. a temporary directory (removed at the end) holding the relay's SQLite database;
2. the fake Kuper (:class:`~pharmacy_desk.sim.kuper_stub.KuperStub`) on a free 127.0.0.1 port;
3. the relay (:func:`~pharmacy_desk.relay.app.create_app`, uvicorn) on another free port, configured to
   send its notifications to the fake Kuper; a counter PC's device token, created in the database and
   kept in memory only (no keyring);
4. the embedded stock loaded from ``resources/stock/sample_stock.csv`` when the relay has its tables
   (the relay reserves and releases from it when its stock integration is there; without it the demo
   runs the same, just without reservations);
5. the simulator's order generator playing Kuper only (new orders of both flows, the courier, the
   payment, the delivery; the staff is the person at the counter app), with orders made of the sample
   stock's products (:mod:`.catalogue`).

The uvicorn servers never install signal handlers: SIGINT / SIGTERM belong to the app, which stops the
environment on its way out.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy.exc import SQLAlchemyError

from pharmacy_desk.demo.catalogue import DemoCatalogue, sample_stock_path
from pharmacy_desk.domain import Order
from pharmacy_desk.domain.fefo import Batch
from pharmacy_desk.kuper import ShipmentMethod
from pharmacy_desk.relay.app import create_app
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.storage.devices import add_device
from pharmacy_desk.sim import checks
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.generator import GeneratorSettings, OrderGenerator
from pharmacy_desk.sim.harness import Sim
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from pharmacy_desk.sim.staff import Staff
from pharmacy_desk.sim.webhook_sender import WebhookAuth, WebhookSender

log = logging.getLogger("pharmacy_desk.demo")


@dataclass(frozen=True, slots=True)
class DemoSettings:
    store: str = "apteka-demo"
    store_name: str = "Аптека №1 (демо)"
    number_prefix: str = "D-"
    device_name: str = "Демо-касса"
    rate: float = 3.0  # new orders a minute
    pickup_share: float = 0.5
    pace: float = 4.0  # seconds between Kuper's steps of one order, on average
    seed: int | None = None
    first_flows: tuple[ShipmentMethod, ...] = (ShipmentMethod.PICKUP, ShipmentMethod.BY_COURIER)
    max_attempts: int = 3  # pickup code tries before the lock-out (short, to be seen in the demo)
    lockout_minutes: int = 1
    hold_hours: float = 0.1  # a ready pickup order left 6 minutes shows in «Не забрали» (F8 cancels it)
    generate: bool = True
    workdir: Path | None = None  # None: a temporary directory, removed at the end


# The demo's servers: quiet, no websockets, quick to stop, and SIGINT/SIGTERM left to the demo's handlers.
_SERVER_OPTIONS: dict[str, Any] = {"log_config": None, "ws": "none", "timeout_graceful_shutdown": 1}


def relay_config(settings: DemoSettings, database_url: str, kuper_url: str, webhook_token: str) -> RelayConfig:
    return RelayConfig.model_validate(
        {
            "database_url": database_url,
            "heartbeat_seconds": 5,
            "stream_poll_seconds": 2,
            "webhook_auth": {"client_token": webhook_token},
            "kuper": {
                "base_url": kuper_url,
                "client_id": "demo-client",
                "client_secret": "demo-secret",
                "retail_chain_slug": "sim-chain",  # the fake Kuper's chain: the pause key works
            },
            "feed": {"check_seconds": 2},
            "stores": [
                {
                    "key": settings.store,
                    "kuper_outlet_id": settings.store,
                    "feed": True,  # the sample stock goes to the fake Kuper right after it is loaded
                    "name": settings.store_name,
                    "number_prefix": settings.number_prefix,
                    "rules": {
                        "pickup": {
                            "max_attempts": settings.max_attempts,
                            "lockout_minutes": settings.lockout_minutes,
                            "hold_hours": settings.hold_hours,
                        }
                    },
                }
            ],
        }
    )


class DemoEnvironment:
    def __init__(self, settings: DemoSettings | None = None, *, catalogue: DemoCatalogue | None = None) -> None:
        self.settings = settings or DemoSettings()
        self.catalogue = catalogue or DemoCatalogue.load()
        self.stub = KuperStub(client_id="demo-client", client_secret="demo-secret")
        self.register = AtolSimulator()  # the counter's simulated cash register (ATOL Web Server + ЛМ ЧЗ)
        self.register_url = ""
        self.workdir: Path | None = None
        self.relay_url = ""
        self.kuper_url = ""
        self.token = ""
        self.stock_loaded = False
        self.generator: OrderGenerator | None = None
        self._app: Any = None
        self._stack = contextlib.AsyncExitStack()
        self._generator_task: asyncio.Task[None] | None = None
        self._feed_task: asyncio.Task[None] | None = None
        self._stock: Any = None

    @property
    def store(self) -> str:
        return self.settings.store

    @property
    def relay_state(self) -> Any:
        return self._app.state.relay

    # --- life -------------------------------------------------------------------------------------

    async def __aenter__(self) -> DemoEnvironment:
        try:
            await self.start()
        except BaseException:
            await self.stop()
            raise
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def start(self) -> None:
        settings = self.settings
        if settings.workdir is not None:
            self.workdir = settings.workdir
            self.workdir.mkdir(parents=True, exist_ok=True)
        else:
            self.workdir = Path(tempfile.mkdtemp(prefix="pharmacy-desk-demo-"))
            self._stack.callback(shutil.rmtree, self.workdir, True)
        self.kuper_url = await self._stack.enter_async_context(
            serve(self.stub.app, capture_signals=False, **_SERVER_OPTIONS)
        )
        self.register_url = await self._stack.enter_async_context(
            serve(self.register.app, capture_signals=False, **_SERVER_OPTIONS)
        )
        webhook_token = secrets.token_urlsafe(24)
        database_url = f"sqlite+aiosqlite:///{self.workdir / 'relay.sqlite3'}"
        self._app = create_app(relay_config(settings, database_url, self.kuper_url, webhook_token))
        self.relay_url = await self._stack.enter_async_context(
            serve(self._app, capture_signals=False, lifespan="on", **_SERVER_OPTIONS)
        )
        _, self.token = await add_device(self.relay_state.engine, settings.store, settings.device_name)
        self.stock_loaded = await self._load_stock()
        log.info(
            "demo: relay %s, fake Kuper %s, store %s, data in %s, stock %s",
            self.relay_url,
            self.kuper_url,
            settings.store,
            self.workdir,
            "loaded" if self.stock_loaded else "not available",
        )
        if settings.generate:
            await self._start_generator(webhook_token)

    async def stop(self) -> None:
        """Stop the generator, the relay and the fake Kuper; remove the temporary directory."""
        for task in (self._generator_task, self._feed_task):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        self._generator_task = self._feed_task = None
        await self._stack.aclose()

    async def _start_generator(self, webhook_token: str) -> None:
        settings = self.settings
        sender = await self._stack.enter_async_context(
            WebhookSender(self.relay_url, settings.store, WebhookAuth(client_token=webhook_token))
        )
        staff = await self._stack.enter_async_context(Staff(self.relay_url, settings.store, self.token))
        sim = Sim(self.stub, sender, staff, settings.store, rng=random.Random(settings.seed))
        generator = OrderGenerator(
            sim,
            GeneratorSettings(rate=settings.rate, pickup_share=settings.pickup_share, pace=settings.pace),
            say=lambda text: log.info("demo: %s", text),
            items=self.catalogue.random_items,
            first_flows=settings.first_flows,
        )
        self.generator = generator
        self._generator_task = asyncio.create_task(generator.run(), name="demo-generator")

    # --- stock ------------------------------------------------------------------------------------

    async def _load_stock(self) -> bool:
        """The sample stock into the relay's embedded tables (False when the relay has none yet)."""
        try:
            from pharmacy_desk.inventory import InventoryError
            from pharmacy_desk.inventory.embedded import EmbeddedStock, import_csv

            report = await import_csv(self.relay_state.engine, self.settings.store, sample_stock_path())
        except (ImportError, SQLAlchemyError, InventoryError) as exc:
            log.info("demo: no embedded stock (%s): orders are not reserved", type(exc).__name__)
            return False
        log.info("demo: %s", report.summary_ru().splitlines()[0])
        self._stock = EmbeddedStock(self.relay_state.engine)
        feed = getattr(self.relay_state, "feed", None)
        if feed is not None:
            feed.stock_changed(self.settings.store)  # the feed catches up at once (see the log / diagnostics)
            self._feed_task = asyncio.create_task(self._report_feed(), name="demo-feed-report")
        return True

    async def _report_feed(self) -> None:
        """Log when the fake Kuper has the sample stock (the feed caught up after the import)."""
        for _ in range(300):
            offers = self.stub.content.stocks_of(self.settings.store)
            if offers:
                log.info("demo: the feed sent Kuper the stock of %d products after the stock import", len(offers))
                return
            await asyncio.sleep(0.2)

    async def batches_for(self, order: Order) -> Mapping[str, Sequence[Batch]]:
        """The order's products' batches in the embedded stock (for FEFO and the series of a pack)."""
        if self._stock is None:
            return {}
        skus = [line.sku for line in order.ordered]
        try:
            found = await self._stock.stock(self.settings.store, skus)
        except Exception as exc:  # the stock is a help for picking, never a reason to stop
            log.info("demo: stock not read: %s", exc)
            return {}
        return {
            sku: [Batch(b.series, b.expiry, b.quantity, gtin=b.gtin, location=b.location) for b in stock.batches]
            for sku, stock in found.items()
        }

    async def reserved(self, skus: Sequence[str]) -> dict[str, int]:
        """Packs reserved per SKU in the embedded stock (empty without stock)."""
        if self._stock is None:
            return {}
        found = await self._stock.stock(self.settings.store, skus)
        return {sku: sum(b.reserved for b in stock.batches) for sku, stock in found.items()}

    # --- Kuper's side -----------------------------------------------------------------------------

    def customer_code(self, order: Order) -> str | None:
        """The pickup code Kuper got for ``order`` (what its customer sees in Kuper's app)."""
        return checks.pickup_code_of(self.stub.received_for(order.kuper_id))

    def notifications_for(self, order: Order) -> list[str]:
        """The notifications Kuper received for ``order``, in order (first deliveries)."""
        received = checks.first_deliveries(self.stub.received_for(order.kuper_id))
        return [str(item.notification.event_type) for item in received]
