"""The relay's stock integration: sources from the configuration, the hook, and what outcomes do.

:class:`StockWiring` builds a :class:`~pharmacy_desk.inventory.StoreRouter` (each store's ``stock``:
``embedded`` → :class:`~pharmacy_desk.inventory.embedded.EmbeddedStock` on the relay's database,
``onec`` → :class:`~pharmacy_desk.inventory.onec.OneCStock` from ``[onec]``, ``none`` → no calls at
all) and installs :class:`~pharmacy_desk.inventory.InventoryStockHook` over it. An embedded store
whose stock was never loaded (no batch at all) is treated like ``none`` until the first
``stock import`` (a warning in the log; ``pharmacy-desk-relay check`` reports it): flagging every
order "out of stock" would only teach the staff to ignore the flag. What each outcome does
(:meth:`StockWiring.on_outcome`):

=====================================  =========================================================
outcome                                the relay
=====================================  =========================================================
reserve: everything reserved           nothing
reserve: part of it (FLAG)             flag ``stock_short`` + alert "Не хватает товара …"
reserve: nothing, ``ask_staff``        flag ``out_of_stock`` + alert "Нет в наличии …"
reserve: nothing, ``cancel``           flag + alert, then — once Kuper has its ``created``
                                       answer — cancel ``out_of_stock`` as the relay (the
                                       lifecycle queues ``order.canceled``, then releases)
reserve: a forbidden line, a price     :class:`~.remote_sale.RemoteSaleGuard` (flags, alert, price
above the shelf                        caps; ``forbidden_lines = "cancel_order"``: cancel)
commit: packs the stock did not have   alert: count the shelf
the source failed (any call)           flag ``stock_unavailable`` + alert with the source's
                                       Russian message; :class:`~.stock_retry.StockRetries`
                                       repeats until it answers, then clears the flag (and, for
                                       a reservation never made, decides as above; it cancels
                                       only an order still ``new``)
=====================================  =========================================================
"""

from __future__ import annotations

import logging
import time
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.api.store import StockKind
from pharmacy_desk.domain import Order, OrderState, StockEffect, StockEffectKind
from pharmacy_desk.inventory import (
    Action,
    AdjustResult,
    CommitResult,
    Coverage,
    InventoryStockHook,
    OutOfStockPolicy,
    ReleaseResult,
    ReservationResult,
    ShelfLife,
    StockDecision,
    StockOutcome,
    StockSource,
    StoreRouter,
    decide_on_reservation,
)
from pharmacy_desk.inventory.embedded import EmbeddedStock
from pharmacy_desk.inventory.embedded.tables import batches
from pharmacy_desk.inventory.onec import OneCStock
from pharmacy_desk.relay.after_answer import BackgroundTasks, after_answer
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.stock.order_effects import (
    FLAG_OUT,
    FLAG_SHORT,
    FLAG_UNAVAILABLE,
    cancel_out_of_stock,
    mark_order,
)
from pharmacy_desk.relay.stock.remote_sale import RemoteSaleGuard
from pharmacy_desk.relay.stock.retries import Retried, StockRetries
from pharmacy_desk.relay.storage.orders import get_order

if TYPE_CHECKING:
    from pharmacy_desk.relay.state import RelayState

log = logging.getLogger("pharmacy_desk.relay.stock")

_EMPTY_RECHECK_SECONDS = 10.0

_DONE_RU = {
    StockEffectKind.RESERVE: "резерв сделан",
    StockEffectKind.ADJUST: "резерв обновлён",
    StockEffectKind.RELEASE: "резерв снят",
    StockEffectKind.COMMIT: "продажа записана",
}


def effect_changed(result: object) -> bool:
    """Whether a stock call changed anything: a repeat the source already had ("replayed") did not,
    nor an adjustment that freed and added nothing."""
    if isinstance(result, AdjustResult):
        return bool(result.freed or result.added)
    if isinstance(result, ReleaseResult):
        return not result.replayed and bool(result.freed)
    return not bool(getattr(result, "replayed", False))


def shelf_life_of(config: RelayConfig) -> ShelfLife:
    return ShelfLife(0, {s.key: s.min_shelf_life_days for s in config.stores})


def build_router(config: RelayConfig, engine: AsyncEngine, shelf_life: ShelfLife) -> StoreRouter:
    """A source per store with ``stock`` embedded or onec (one embedded and one 1C source, shared)."""
    kinds = {s.key: s.stock for s in config.stores}
    sources: dict[str, StockSource] = {}
    if StockKind.EMBEDDED in kinds.values():
        embedded = EmbeddedStock(engine, shelf_life)
        sources.update({key: embedded for key, kind in kinds.items() if kind is StockKind.EMBEDDED})
    if StockKind.ONEC in kinds.values() and config.onec is not None:
        onec = OneCStock(config.onec, shelf_life)
        sources.update({key: onec for key, kind in kinds.items() if kind is StockKind.ONEC})
    return StoreRouter(sources)


def shortfall_text(reservation: ReservationResult, names: dict[str, str]) -> str:
    return "; ".join(
        f"{names.get(line.sku) or line.sku} — есть {line.reserved} из {line.requested} уп."
        for line in reservation.lines
        if line.shortfall > 0
    )


class _SkipUnstocked:
    """The hook the runner calls: stores without stock (``none``, or embedded and never loaded) make no calls."""

    def __init__(
        self, config: RelayConfig, engine: AsyncEngine, inner: InventoryStockHook, *, check_loaded: bool = True
    ) -> None:
        self._config = config
        self._engine = engine
        self._check_loaded = check_loaded
        self._loaded: set[str] = set()  # embedded stores known to have stock (it is never unloaded)
        self._empty_until: dict[str, float] = {}  # stores found empty: not asked again before then
        self._warned: set[str] = set()
        self.inner = inner

    async def apply(self, store: str, order: Order, effect: StockEffect) -> None:
        if await self.has_stock(store):
            await self.inner.apply(store, order, effect)

    async def has_stock(self, store: str, *, remember_empty: bool = True) -> bool:
        """True when calls for ``store`` go to its stock source (not ``none``, not an empty embedded stock).

        ``remember_empty=False``: an empty stock is not remembered (a look at start, before any import).
        """
        config = self._config.store(store)
        if config is None or config.stock is StockKind.NONE:
            return False
        if config.stock is not StockKind.EMBEDDED or not self._check_loaded:
            return True
        return await self._has_stock(store, remember_empty=remember_empty)

    async def _has_stock(self, store: str, *, remember_empty: bool = True) -> bool:
        if store in self._loaded:
            return True
        if time.monotonic() < self._empty_until.get(store, 0.0):
            return False
        async with self._engine.connect() as conn:
            found = (await conn.execute(select(batches.c.id).where(batches.c.store == store).limit(1))).first()
        if found is not None:
            self._loaded.add(store)
            return True
        if not remember_empty:
            return False
        self._empty_until[store] = time.monotonic() + _EMPTY_RECHECK_SECONDS  # `stock import` runs elsewhere
        if store not in self._warned:
            self._warned.add(store)
            log.warning("store %s: no stock loaded (pharmacy-desk-relay stock import): nothing is reserved", store)
        return False


class StockWiring:
    """Built in the app's lifespan; :meth:`attach` it to the relay's state before the first request."""

    def __init__(
        self,
        config: RelayConfig,
        engine: AsyncEngine,
        *,
        source: StockSource | None = None,
        tasks: BackgroundTasks | None = None,
    ) -> None:
        self.config = config
        self.engine = engine
        self.shelf_life = shelf_life_of(config)
        self.source: StockSource = source if source is not None else build_router(config, engine, self.shelf_life)
        self.tasks = tasks or BackgroundTasks()
        self.hook = _SkipUnstocked(
            config,
            engine,
            InventoryStockHook(self.source, policy_for=self.policy_for, on_outcome=self.on_outcome),
            check_loaded=source is None,
        )
        self.retries = StockRetries(
            engine,
            self.source,
            policy_for=self.policy_for,
            on_success=self._retried,
            first_delay=config.stock_retry_seconds,
        )
        self.remote_sale = RemoteSaleGuard(self.source, self.tasks)
        self._state: RelayState | None = None

    def attach(self, state: RelayState) -> None:
        self._state = state

    @property
    def state(self) -> RelayState:
        if self._state is None:
            raise RuntimeError("StockWiring.attach(state) first")
        return self._state

    def policy_for(self, store: str) -> OutOfStockPolicy:
        config = self.config.store(store)
        return OutOfStockPolicy.parse(config.out_of_stock.value) if config is not None else OutOfStockPolicy.FLAG

    def uses_stock(self, store: str) -> bool:
        config = self.config.store(store)
        return config is not None and config.stock is not StockKind.NONE

    async def has_stock(self, store: str) -> bool:
        """The store's calls go to a stock source (not ``none``, not an embedded stock never loaded)."""
        return await self.hook.has_stock(store, remember_empty=False)

    async def start(self) -> None:
        stores = [s.key for s in self.config.stores if await self.hook.has_stock(s.key, remember_empty=False)]
        try:
            await self.retries.reconcile_recent(stores)
        except Exception:  # a start must not fail on this: the orders stay as they are, logged
            log.exception("stock: could not queue recent orders for reconciling")
        self.retries.start()

    async def aclose(self) -> None:
        """Stop retrying, let deferred work finish, close the sources (the engine is the caller's)."""
        await self.retries.stop()
        await self.tasks.aclose()
        await self.source.aclose()

    # --- outcomes ----------------------------------------------------------------------------

    async def on_outcome(self, outcome: StockOutcome) -> None:
        store, number = outcome.store, outcome.order_number
        if outcome.failed:
            error = outcome.error or "ошибка учёта остатков"
            shown = outcome.decision.message_ru if outcome.decision is not None else error
            first = await self.retries.remember(store, number, error, decide=outcome.kind is StockEffectKind.RESERVE)
            alert = f"Заказ {number}: {shown} Сервер повторит запрос сам." if first else None
            await mark_order(self.state, store, number, add=[FLAG_UNAVAILABLE], alert=alert)
            return
        if outcome.decision is not None and isinstance(outcome.result, ReservationResult):
            await self._decided(store, number, outcome.decision, outcome.result, may_cancel=True)
            await self.remote_sale.check(self.state, store, number)
        elif isinstance(outcome.result, AdjustResult):  # the lines changed (order.updated): the rules again
            await self.remote_sale.check(self.state, store, number)
        elif isinstance(outcome.result, CommitResult) and outcome.result.unmatched:
            missing = ", ".join(f"{u.sku} — {u.quantity} уп." for u in outcome.result.unmatched)
            await mark_order(
                self.state,
                store,
                number,
                alert=f"Заказ {number}: выдано больше, чем числилось в остатках ({missing}): пересчитайте полку.",
            )

    async def _retried(self, retried: Retried) -> None:
        order, outcome = retried.order, retried.outcome
        done = _DONE_RU[outcome.kind]
        # An alert only for news: the source had been away for this order (the staff were told), or the
        # call moved packs. The start-up reconciliation of an order that was right raises none.
        news = retried.after_failure or FLAG_UNAVAILABLE in order.flags or effect_changed(outcome.result)
        await mark_order(
            self.state,
            order.store,
            order.number,
            remove=[FLAG_UNAVAILABLE],
            alert=f"Заказ {order.number}: учёт остатков снова отвечает, {done}." if news else None,
        )
        if not (retried.decide and order.is_open and isinstance(outcome.result, AdjustResult)):
            return
        await self.remote_sale.check(self.state, order.store, order.number)
        reservation = outcome.result.reservation
        may_cancel = order.state is OrderState.NEW
        policy = self.policy_for(order.store) if may_cancel else OutOfStockPolicy.FLAG
        decision = decide_on_reservation(reservation, policy)
        await self._decided(order.store, order.number, decision, reservation, may_cancel=may_cancel)

    async def _decided(
        self, store: str, number: str, decision: StockDecision, reservation: ReservationResult, *, may_cancel: bool
    ) -> None:
        if decision.action not in (Action.FLAG, Action.CANCEL) or decision.coverage is Coverage.UNKNOWN:
            return
        items = shortfall_text(reservation, await self._names(store, number))
        if decision.coverage is Coverage.PARTIAL:
            flag = FLAG_SHORT
            text = f"Не хватает товара в заказе {number}: {items}. Соберите, сколько есть, или отмените заказ."
        elif decision.action is Action.CANCEL and may_cancel:
            flag = FLAG_OUT
            text = f"Нет в наличии товара заказа {number}: {items}. Заказ отменён автоматически, Купер уведомлён."
        else:
            flag = FLAG_OUT
            text = f"Нет в наличии товара заказа {number}: {items}. Решите: замена, звонок клиенту или отмена."
        await mark_order(self.state, store, number, add=[flag], alert=text)
        if decision.action is Action.CANCEL and may_cancel:
            state = self.state
            description = f"Нет в наличии: {items}"

            async def cancel() -> None:
                await cancel_out_of_stock(state, store, number, description)

            after_answer(self.tasks, cancel)

    async def _names(self, store: str, number: str) -> dict[str, str]:
        async with self.engine.connect() as conn:
            stored = await get_order(conn, store, number=number)
        if stored is None:
            return {}
        return {line.sku: line.name for line in (*stored.order.ordered, *stored.order.composition) if line.name}
