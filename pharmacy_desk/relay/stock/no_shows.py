"""Pickup orders nobody collected: cancelled when their hold is over.

:class:`NoShowSweeper` runs in the relay's lifespan: every ``no_show_check_seconds`` it looks at each
store whose ``rules.pickup.auto_cancel`` is on and cancels every order waiting for pickup longer than
``rules.pickup.hold_hours`` (:func:`pharmacy_desk.domain.no_show.no_shows`). :func:`cancel_no_show`
is also what the counter app's one key reaches: the ``cancel`` action with the store's
``rules.pickup.no_show_slug``. Either way the lifecycle's cancel releases the reservation, the outbox
tells Kuper, and an alert ``no_show`` carries the lines to put back on the shelf.

Several relay processes on one database sweep once per interval between them (the job ``no-shows``
of :func:`~pharmacy_desk.relay.storage.exclusive.take_turn`); each cancel re-reads the order under the
store's lock, so a sweep and a staff action never cancel twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from pharmacy_desk.domain import Alert, AlertKind, Line, OrderState
from pharmacy_desk.domain.no_show import NoShow, no_show, no_shows
from pharmacy_desk.relay.stock.order_effects import cancel_as_relay
from pharmacy_desk.relay.storage.exclusive import take_turn
from pharmacy_desk.relay.storage.orders import get_order, list_orders, lock_store
from pharmacy_desk.relay.stream import events as stream_events
from pharmacy_desk.relay.timeutil import utcnow

if TYPE_CHECKING:
    from pharmacy_desk.relay.state import RelayState

log = logging.getLogger("pharmacy_desk.relay.stock.no_shows")

_WAITING = frozenset({OrderState.AWAITING_PICKUP})


async def cancel_no_show(state: RelayState, store: str, number: str, *, now: datetime | None = None) -> bool:
    """Cancel order ``number`` if its hold is over; True when it is (now) canceled for that."""
    config = state.config.store(store)
    if config is None:
        return False
    policy = config.rules.pickup
    async with state.engine.connect() as conn:
        stored = await get_order(conn, store, number=number)
    found = no_show(stored.order, now or utcnow(), policy) if stored is not None else None
    if stored is None or found is None:
        return False
    lines = tuple(line for line in stored.order.composition if line.quantity > 0)
    if not await cancel_as_relay(state, store, number, policy.no_show_slug, found.description_ru(), why="no_show"):
        return False
    await _alert(state, store, stored.id, found, lines)
    log.info("%s/%s canceled: not collected within %s h", store, number, policy.hold_hours)
    return True


async def _alert(state: RelayState, store: str, order_id: int, found: NoShow, lines: tuple[Line, ...]) -> None:
    alert = Alert(
        kind=AlertKind.NO_SHOW,
        message=f"{found.description_ru()}. Заказ отменён, Купер уведомлён: верните товар на полку.",
        lines=lines,
    )
    async with state.engine.begin() as conn:
        await lock_store(conn, store)
        await stream_events.alert_raised(conn, store, alert, number=found.number, order_id=order_id)
    state.committed(store)


class NoShowSweeper:
    def __init__(self, state: RelayState, interval: float) -> None:
        self._state = state
        self._interval = interval
        self._task: asyncio.Task[None] | None = None

    async def sweep(self, now: datetime | None = None) -> list[str]:
        """Cancel every overdue pickup order of the stores that cancel automatically; their numbers."""
        when = now or utcnow()
        canceled: list[str] = []
        for config in self._state.config.stores:
            policy = config.rules.pickup
            if not policy.auto_cancel:
                continue
            async with self._state.engine.connect() as conn:
                waiting = await list_orders(conn, config.key, states=_WAITING)
            for found in no_shows(waiting, when, policy):
                if await cancel_no_show(self._state, config.key, found.number, now=when):
                    canceled.append(found.number)
        return canceled

    def start(self) -> None:
        if any(s.rules.pickup.auto_cancel for s in self._state.config.stores):
            self._task = asyncio.create_task(self._run(), name="relay-no-shows")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        while True:
            try:
                if await take_turn(self._state.engine, "no-shows", timedelta(seconds=self._interval)):
                    await self.sweep()
            except Exception:  # the next round tries again; an order is never half-canceled (one action)
                log.exception("no-shows: the check failed")
            await asyncio.sleep(self._interval)
