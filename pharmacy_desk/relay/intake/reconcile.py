"""Pull reconciliation: what Kuper's shipments list says that the webhooks did not bring.

Every ``kuper.reconcile_minutes`` (0 = off) the relay pages through
``GET /ofm/api/v1/shipments?filters[storeId]=…&filters[updatedFrom]=…&maxPageSize=…&nextPageToken=…``
for each store and, for each order listed:

- an order the relay never got → a synthetic ``order.created`` (the listed order is the payload): the
  order is created with our number as usual (Kuper learns the number from the first notification,
  which always carries it); one Kuper already lists as ``shipping`` / ``shipped`` is left alone (it
  left without the relay); one already ``canceled`` is created and canceled (its stock nets out);
- a state that moved on at Kuper → the synthetic event that says so: ``canceled`` → ``order.canceled``
  (with the listed cancellation / ``cancellationReason``), ``paymentState = paid`` → ``order.paid``,
  ``shipping`` → ``order.delivering``, ``shipped`` → ``order.delivered`` (delivery flow only; a
  pickup order is shipped by our own hand-over).

Each goes through the webhook intake (:class:`~.intake.WebhookIntake`) like a webhook, so the domain
decides, the stock follows and the counter PCs hear of it; its row is stored with status
``reconciled`` and the header ``X-Pharmacy-Desk-Source: reconcile``, so the order's history shows the
change came from the poll. A synthetic body carries no timestamp: the same change read twice is the
same event (deduplicated), and a webhook that arrives late changes nothing twice (the domain ignores
a second cancel).

Stores in ``pull`` mode (``kuper.mode`` / ``stores[].mode``) run on this alone: polled every
``reconcile_minutes`` (every minute when it is 0). The read window starts 24 h back at start-up (so a
relay that was down catches up), then at the previous poll's start less
``kuper.reconcile_overlap_minutes``; it lives in memory only.

Several relay processes on one database poll each store once per interval between them: a pass
starts only when the process takes the job's turn (:func:`~pharmacy_desk.relay.storage.exclusive.
take_turn`, job ``reconcile:<store>``); a process whose turn it was not skips the pass. At start-up the
turn is taken unless a process polled the store within :data:`STARTUP_TURN` (a restarted relay catches
up at once; processes starting together poll once).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from datetime import datetime, timedelta
from typing import Any, Protocol

from pydantic import ValidationError
from sqlalchemy import ColumnElement, or_, select

from pharmacy_desk.domain import Order
from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.errors import describe_validation_error
from pharmacy_desk.kuper.results import SendResult
from pharmacy_desk.kuper.shipments import ShipmentsPage
from pharmacy_desk.kuper.vocabulary import ShipmentState, WebhookEvent
from pharmacy_desk.kuper.webhooks import OrderCreatedPayload
from pharmacy_desk.relay.config import KuperMode, StoreConfig
from pharmacy_desk.relay.intake.webhooks import Incoming, WebhookIntake
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.exclusive import take_turn
from pharmacy_desk.relay.storage.schema import orders
from pharmacy_desk.relay.timeutil import utcnow

log = logging.getLogger("pharmacy_desk.relay.intake.reconcile")

SOURCE_HEADER = "X-Pharmacy-Desk-Source"
FIRST_WINDOW = timedelta(hours=24)
STARTUP_TURN = timedelta(minutes=1)
_PAID = "paid"
_MAX_PAGES = 200
_GONE = (ShipmentState.SHIPPING.value, ShipmentState.SHIPPED.value)


class ShipmentsReader(Protocol):
    """What the reconciliation needs from :class:`~pharmacy_desk.kuper.client.KuperClient`."""

    async def shipments_page(
        self, *, store_id: str, updated_from: datetime | None, page_size: int = 50, page_token: str | None = None
    ) -> tuple[ShipmentsPage | None, SendResult]: ...


def synthetic_events(listed: OrderCreatedPayload, raw: dict[str, Any], known: Order | None) -> list[dict[str, Any]]:
    """The webhooks that bring the relay's view of one order up to Kuper's (see the module's docstring)."""
    ids: dict[str, Any] = {}
    if listed.order_uuid:
        ids[names.ORDER_UUID] = listed.order_uuid
    if listed.original_order_id:
        ids[names.ORIGINAL_ORDER_ID] = listed.original_order_id
    events: list[dict[str, Any]] = []
    payload = {key: value for key, value in raw.items() if key not in (names.STATE, names.PAYMENT_STATE)}
    if known is None and listed.state in _GONE:
        return []  # it left without us (handled outside the relay): nothing for the pharmacy to do now
    if known is None:
        events.append({names.EVENT_TYPE: WebhookEvent.ORDER_CREATED.value, names.PAYLOAD: payload})
    state = listed.state or ""
    canceled = known is not None and known.cancellation is not None
    if state == ShipmentState.CANCELED.value and not canceled:
        reason: dict[str, Any] = dict(ids)
        if names.CANCELLATION in raw and raw[names.CANCELLATION] is not None:
            reason[names.CANCELLATION] = raw[names.CANCELLATION]
        if raw.get(names.CANCELLATION_REASON):
            reason[names.CANCELLATION_REASON] = raw[names.CANCELLATION_REASON]
        events.append({names.EVENT_TYPE: WebhookEvent.ORDER_CANCELED.value, names.PAYLOAD: reason})
        return events
    if listed.payment_state == _PAID and (known is None or known.payment is None):
        paid: dict[str, Any] = dict(ids)
        if raw.get(names.TOTAL) is not None:
            paid[names.TOTAL] = raw[names.TOTAL]
        events.append({names.EVENT_TYPE: WebhookEvent.ORDER_PAID.value, names.PAYLOAD: paid})
    delivery = (known.flow.value if known is not None else str(listed.shipment_method or "")) != "pickup"
    milestones = known.milestones if known is not None else {}
    if delivery and state in (ShipmentState.SHIPPING.value, ShipmentState.SHIPPED.value):
        if WebhookEvent.ORDER_DELIVERING.value not in milestones and state == ShipmentState.SHIPPING.value:
            events.append({names.EVENT_TYPE: WebhookEvent.ORDER_DELIVERING.value, names.PAYLOAD: dict(ids)})
        if state == ShipmentState.SHIPPED.value and WebhookEvent.ORDER_DELIVERED.value not in milestones:
            events.append({names.EVENT_TYPE: WebhookEvent.ORDER_DELIVERED.value, names.PAYLOAD: dict(ids)})
    return events


class Reconciler:
    """The background poll of Kuper's shipments list, one pass per store per interval."""

    def __init__(self, state: RelayState, client: ShipmentsReader) -> None:
        self.state = state
        self.client = client
        self._since: dict[str, datetime] = {}
        self._last: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None
        self.passes = 0
        self.skipped = 0  # store passes left to another relay process (its turn)

    def interval(self, store: StoreConfig) -> float | None:
        """Seconds between polls of ``store`` (``None``: not polled)."""
        settings = self.state.config.kuper
        minutes = settings.reconcile_minutes
        if settings.mode_of(store) is KuperMode.PULL:
            return (minutes or 1.0) * 60
        return minutes * 60 if minutes > 0 else None

    @property
    def needed(self) -> bool:
        return any(self.interval(store) is not None for store in self.state.config.stores)

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="kuper-reconcile")

    async def stop(self) -> None:
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _run(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            waits = []
            for store in self.state.config.stores:
                every = self.interval(store)
                if every is None:
                    continue
                due = self._last.get(store.key, float("-inf")) + every
                if loop.time() >= due:
                    turn = (
                        timedelta(seconds=every)
                        if store.key in self._last
                        else min(STARTUP_TURN, timedelta(seconds=every))
                    )
                    self._last[store.key] = loop.time()
                    try:
                        if await take_turn(self.state.engine, f"reconcile:{store.key}", turn):
                            await self.reconcile_store(store)
                        else:
                            self.skipped += 1
                    except Exception:
                        log.exception("reconcile %s: the pass failed; again next time", store.key)
                    due = loop.time() + every
                waits.append(due - loop.time())
            self.passes += 1
            await asyncio.sleep(max(0.05, min(waits, default=60.0)))

    async def reconcile_store(self, store: StoreConfig) -> int:
        """One pass over the store's orders changed since the last one; the number of changes applied."""
        started = utcnow()
        settings = self.state.config.kuper
        since = self._since.get(store.key, started - FIRST_WINDOW)
        token: str | None = None
        applied = 0
        for _ in range(_MAX_PAGES):
            page, result = await self.client.shipments_page(
                store_id=store.pull_store_id,
                updated_from=since,
                page_size=settings.reconcile_page_size,
                page_token=token,
            )
            if page is None:
                log.warning("reconcile %s: Kuper's shipments list unreadable: %s", store.key, result.message)
                return applied
            for index, raw in enumerate(page.data):
                try:
                    listed = OrderCreatedPayload.model_validate(raw)
                except ValidationError as exc:
                    problem = describe_validation_error(exc)
                    log.warning("reconcile %s: order %d of Kuper's page skipped: %s", store.key, index, problem)
                    continue
                applied += await self._apply(store, listed, dict(raw))
            token = page.next_page_token
            if not token:
                break
        self._since[store.key] = started - timedelta(minutes=settings.reconcile_overlap_minutes)
        return applied

    async def _apply(self, store: StoreConfig, listed: OrderCreatedPayload, raw: dict[str, Any]) -> int:
        known = await self._known(store, listed)
        count = 0
        for body in synthetic_events(listed, raw, known):
            text = json.dumps(body, ensure_ascii=False)
            incoming = Incoming(
                text=text,
                data=body,
                headers={SOURCE_HEADER: "reconcile"},
                path_store=store.key,
                caller_store=None,
                request_id=None,
                reconciled=True,
            )
            answer = await WebhookIntake(self.state).receive(incoming)
            if answer.status_code == 200 and not answer.replayed:
                count += 1
                log.info("reconcile %s: %s for %s applied", store.key, body[names.EVENT_TYPE], listed.order_key)
        return count

    async def _known(self, store: StoreConfig, listed: OrderCreatedPayload) -> Order | None:
        keys = listed.order_keys
        match: ColumnElement[bool] = orders.c.kuper_id.in_(keys)
        if listed.order_uuid is None and listed.original_order_id:
            match = or_(match, orders.c.original_order_id == listed.original_order_id)
        async with self.state.engine.connect() as conn:
            row = (await conn.execute(select(orders.c.snapshot).where(orders.c.store == store.key, match))).first()
        return Order.model_validate_json(row.snapshot) if row is not None else None
