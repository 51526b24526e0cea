"""The remote-sale rules at ``order.created``: forbidden lines and prices above the shelf.

After a new order is stored and its stock reserved (:mod:`.stock_wiring`), :class:`RemoteSaleGuard`
asks the store's stock source for the order's products' attributes and applies
:func:`pharmacy_desk.domain.remote_sale.check_remote_sale`:

==============================  ============================================================
found                           the relay
==============================  ============================================================
a line not ``otc`` (Rx…)        flag ``remote_sale_forbidden`` + a store alert naming the line
                                and the rule; the order's ``forbidden_skus`` (the lifecycle
                                refuses packs of it); ``forbidden_lines = "cancel_order"``: then (once
                                Kuper has its ``created`` answer) cancel with the store's
                                ``forbidden_cancel_slug``, the rule as the description
a unit price above shelf price  flag ``price_above_shelf`` + alert; the order's ``price_caps``
                                get the shelf price, so "assembled"/"ready" never charge more
a cold or cool line              flag ``cold_chain`` / ``cool_chain`` (:mod:`pharmacy_desk.domain.cold_chain`):
                                the queue, the label and the courier hand-over read it
nothing / attributes unknown    nothing
the source fails                nothing (logged): the counter app still blocks the line from
                                the catalogue's attributes
==============================  ============================================================

Only an order still ``new`` is cancelled automatically. The guard runs again when Kuper changes the lines
(``order.updated``: the reservation's adjustment), so the flags follow the order's lines.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from pharmacy_desk.domain import Order, OrderState
from pharmacy_desk.domain.cold_chain import CHAIN_FLAGS, order_storage, storage_flags
from pharmacy_desk.domain.product import Storage
from pharmacy_desk.domain.remote_sale import ForbiddenLinesPolicy, check_remote_sale
from pharmacy_desk.inventory import InventoryError, StockSource, StockUnavailable
from pharmacy_desk.relay.after_answer import BackgroundTasks, after_answer
from pharmacy_desk.relay.stock.order_effects import cancel_as_relay, mark_order
from pharmacy_desk.relay.storage.orders import get_order

if TYPE_CHECKING:
    from pharmacy_desk.relay.state import RelayState

log = logging.getLogger("pharmacy_desk.relay.remote_sale")


class RemoteSaleGuard:
    def __init__(self, source: StockSource, tasks: BackgroundTasks) -> None:
        self._source = source
        self._tasks = tasks

    async def check(self, state: RelayState, store: str, number: str) -> None:
        """Apply the rules to order ``number`` of ``store`` (idempotent: flags and caps are sets)."""
        config = state.config.store(store)
        async with state.engine.connect() as conn:
            stored = await get_order(conn, store, number=number)
        if config is None or stored is None or not stored.order.is_open:
            return
        order = stored.order
        skus = list(dict.fromkeys(line.sku for line in order.ordered))
        try:
            stock = await self._source.stock(store, skus)
        except (StockUnavailable, InventoryError) as exc:
            log.info("%s/%s: remote-sale rules not checked, the stock source failed: %s", store, number, exc)
            return
        attributes = {sku: item.attributes for sku, item in stock.items()}
        await self._mark_storage(state, store, order, order_storage(order.ordered, attributes))
        found = check_remote_sale(order.ordered, attributes)
        if found.clean:
            return
        cancel = bool(found.forbidden) and config.forbidden_lines is ForbiddenLinesPolicy.CANCEL_ORDER
        cancel = cancel and order.state is OrderState.NEW
        alert = found.alert_ru(number)
        if cancel:
            alert += " Заказ отменён автоматически, Купер уведомлён."
        already = set(found.flags) <= set(order.flags) and found.price_caps.items() <= order.price_caps.items()
        await mark_order(
            state,
            store,
            number,
            add=found.flags,
            alert=None if already else alert,
            price_caps=found.price_caps,
            forbidden_skus=found.forbidden_skus,
        )
        if not cancel:
            return
        description = "; ".join(f"{f.name or f.sku}: {f.rule_ru}" for f in found.forbidden)
        slug = config.forbidden_cancel_slug

        async def run() -> None:
            await cancel_as_relay(state, store, number, slug, description, why="remote_sale_forbidden")

        after_answer(self._tasks, run)

    async def _mark_storage(self, state: RelayState, store: str, order: Order, storage: Storage) -> None:
        """The order's cold-chain flag, as its lines' storage says (changed lines may drop it)."""
        wanted = storage_flags(storage)
        stale = [flag for flag in CHAIN_FLAGS if flag in order.flags and flag not in wanted]
        if stale or not set(wanted) <= set(order.flags):
            await mark_order(state, store, order.number, add=wanted, remove=stale)
