"""The relay's web application: :func:`create_app` wires configuration, storage and routers.

The lifespan creates the engine, brings the schema up to date (or checks it is, with
``migrate=False``), builds the stock integration from the configuration (:mod:`.stock_wiring`: a
source per store, the stock hook, the retry loop), starts the streams' fan-out (:mod:`.stream.fanout`; on
PostgreSQL with its LISTEN connection, :mod:`.stream.listener`), starts the outbox worker when
:mod:`pharmacy_desk.relay.outbox.worker` provides one and Kuper credentials are configured, and on shutdown
stops the retries, lets stock effects and deferred work finish, stops the outbox worker, closes the
stock sources, ends the streams and disposes of the engine. With Kuper credentials, the pull reconciliation
(:mod:`.intake.reconcile`) runs too when ``kuper.reconcile_minutes`` > 0 or a store is in ``pull`` mode.

``stock_hook`` replaces the configured hook (tests record the effects instead); ``stock_source``
replaces the configured sources (one source for every store).
"""

from __future__ import annotations

import importlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Receive, Scope, Send

from pharmacy_desk import __version__
from pharmacy_desk.inventory import StockSource
from pharmacy_desk.relay.after_answer import AfterAnswer
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.errors import SchemaOutOfDate
from pharmacy_desk.relay.feed import api as feed_api
from pharmacy_desk.relay.feed.runtime import build_runtime
from pharmacy_desk.relay.http import catalogue as api_catalogue
from pharmacy_desk.relay.http import openapi_doc, ready
from pharmacy_desk.relay.http import orders as api_orders
from pharmacy_desk.relay.http import pick_list as api_pick_list
from pharmacy_desk.relay.http import store as api_store
from pharmacy_desk.relay.http import stream as api_stream
from pharmacy_desk.relay.http import webhooks as api_webhooks
from pharmacy_desk.relay.http.access_log import AccessLog, LoggingTransport
from pharmacy_desk.relay.http.request_guard import RequestGuard
from pharmacy_desk.relay.http.server_write import remember_server_send
from pharmacy_desk.relay.intake.reconcile import Reconciler
from pharmacy_desk.relay.messages.runtime import build_messenger
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.stock.no_shows import NoShowSweeper
from pharmacy_desk.relay.stock.runner import StockHook, StockRunner
from pharmacy_desk.relay.stock.wiring import StockWiring
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.pickup_secret import load_pickup_key
from pharmacy_desk.relay.stream.fanout import Fanout
from pharmacy_desk.relay.stream.listener import ListenState, PgListener

log = logging.getLogger("pharmacy_desk.relay")


class RelayApp(FastAPI):
    """The FastAPI application, outermost: it hands the server's own ``send`` to the streams' direct writes
    (:mod:`pharmacy_desk.relay.http.server_write`) before Starlette's middlewares wrap it."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        remember_server_send(scope, send)
        await super().__call__(scope, receive, send)


async def _start_outbox(config: RelayConfig, state: RelayState) -> tuple[Any, Any]:
    """(worker, kuper client) when the outbox module and Kuper credentials are there, else (None, None)."""
    try:
        module = importlib.import_module("pharmacy_desk.relay.outbox.worker")
    except ImportError:
        log.warning("no outbox module: notifications stay pending in the database")
        return None, None
    worker_class = getattr(module, "OutboxWorker", None)
    if worker_class is None:
        log.warning("pharmacy_desk.relay.outbox.worker has no OutboxWorker: notifications stay pending")
        return None, None
    kuper = config.kuper
    if not kuper.client_id or not kuper.client_secret.get_secret_value():
        log.warning("kuper.client_id / kuper.client_secret not configured: notifications stay pending")
        return None, None
    from pharmacy_desk.kuper.client import KuperClient

    client = KuperClient(
        kuper.base_url,
        kuper.client_id,
        kuper.client_secret.get_secret_value(),
        timeout=kuper.timeout_seconds,
        transport=LoggingTransport(),
    )
    worker = worker_class(state.engine, client, publish=state.committed, poll_interval=config.outbox_poll_seconds)
    await worker.start()
    if state.listener is not None:  # PostgreSQL: any process's new outbox rows wake this worker
        state.listener.on_outbox = lambda _store: worker.notify()
    return worker, client


async def _start_streams(state: RelayState) -> None:
    """The store streams' fan-out; on PostgreSQL its LISTEN connection (waited for a moment: polling until then)."""
    fanout = state.fanout = Fanout(state.engine, poll_seconds=state.config.stream_poll_seconds)
    fanout.start()
    if state.engine.dialect.name != "postgresql":
        return

    def listen_state(listen: ListenState) -> None:
        fanout.listen_state(listen)
        if listen is ListenState.LISTENING and state.outbox_worker is not None:
            state.outbox_worker.notify()  # (re)connected: an outbox wake-up may have been missed

    listener = state.listener = PgListener(
        state.engine, on_event=fanout.notified, on_revoked=fanout.revoked, on_state=listen_state
    )
    listener.start()
    try:
        await listener.wait_listening(timeout=5.0)
    except TimeoutError:
        log.warning("no LISTEN connection yet (%s): streams poll until it comes up", listener.last_error)


async def _stop_streams(state: RelayState) -> None:
    if state.listener is not None:
        await state.listener.stop()
    if state.fanout is not None:
        await state.fanout.stop()


def create_app(
    config: RelayConfig,
    *,
    stock_hook: StockHook | None = None,
    stock_source: StockSource | None = None,
    migrate_schema: bool = True,
) -> FastAPI:
    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = create_engine(config.database_url)
        wiring = StockWiring(config, engine, source=stock_source)
        state = RelayState(
            config=config,
            engine=engine,
            stock=StockRunner(stock_hook if stock_hook is not None else wiring.hook, config.stock_budget_seconds),
            stock_wiring=wiring,
        )
        wiring.attach(state)
        no_show_sweeper = NoShowSweeper(state, config.no_show_check_seconds)
        client: Any = None
        reconciler: Reconciler | None = None
        try:
            if migrate_schema:
                await migrate.upgrade(engine)
            elif not await migrate.is_up_to_date(engine):
                raise SchemaOutOfDate("the database schema is not up to date: run `pharmacy-desk-relay migrate`")
            state.pickup_key = await load_pickup_key(engine)
            await _start_streams(state)
            state.outbox_worker, client = await _start_outbox(config, state)
            if client is not None:
                reconciler = Reconciler(state, client)
                if reconciler.needed:
                    await reconciler.start()
                    app.state.reconciler = reconciler
                else:
                    reconciler = None
            state.feed = build_runtime(config, engine, state.bus, transport=LoggingTransport())
            await state.feed.start()
            state.messages = build_messenger(config, engine)
            if state.messages is not None:
                await state.messages.start()
            await wiring.start()
            no_show_sweeper.start()
            app.state.relay = state
            log.info("relay ready: %d store(s)", len(config.stores))
            yield
        finally:
            if reconciler is not None:
                await reconciler.stop()
            await no_show_sweeper.stop()
            await wiring.retries.stop()
            if state.feed is not None:
                await state.feed.aclose()
            if state.messages is not None:
                await state.messages.stop()
            await state.stock.aclose()
            await wiring.aclose()
            if state.outbox_worker is not None:
                await state.outbox_worker.stop()
            if client is not None:
                await client.aclose()
            await _stop_streams(state)
            await engine.dispose()

    app = RelayApp(
        title="pharmacy_desk relay",
        version=__version__,
        description="Kuper webhooks in, store event streams and staff actions for counter PCs.",
        lifespan=lifespan,
    )
    app.include_router(api_webhooks.router)
    app.include_router(api_orders.router)
    app.include_router(api_stream.router)
    app.include_router(api_store.router)
    app.include_router(api_catalogue.router)
    app.include_router(api_pick_list.router)
    app.include_router(ready.router)
    openapi_doc.install(app)
    app.add_middleware(RequestGuard)  # inside the access log: its 400s are logged too
    app.include_router(feed_api.router)
    app.add_middleware(AccessLog)
    app.add_middleware(AfterAnswer)  # outermost: its "answer sent" is the server's

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        body = exc.detail if isinstance(exc.detail, dict) else {"code": "http_error", "message": str(exc.detail)}
        return JSONResponse(body, status_code=exc.status_code, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def _invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
        # 400, so that 422 always means "refused by the order's rules".
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        body = {"code": "invalid_request", "message": "Запрос составлен неверно", "errors": errors}
        return JSONResponse(body, status_code=400)

    return app
