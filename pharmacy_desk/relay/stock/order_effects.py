"""What the stock integration does to an order: flags with an alert, and the automatic cancellation.

- :func:`mark_order`: add / remove order flags (``Order.flags``, a new version, an ``order`` event) and
  put a ``stock`` alert on the store's stream (``{"number", "kind": "stock", "message", "lines": []}``),
  in one transaction behind the store's lock, like every other change of an order.
- :func:`cancel_out_of_stock`: the lifecycle's own ``cancel`` (reason ``out_of_stock``) through the
  action service as the relay itself (:data:`RELAY_DEVICE`), with a stable idempotency key, so the
  ``order.canceled`` notification is queued in the outbox exactly once and the order's history shows
  who did it.

Flags: :data:`FLAG_SHORT` (part of the order could not be reserved), :data:`FLAG_OUT` (nothing could),
:data:`FLAG_UNAVAILABLE` (the stock source failed; cleared once a retry succeeds).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from decimal import Decimal

from pharmacy_desk.api.orders import ActionRequest
from pharmacy_desk.domain import Cancel, CancelReason, Order
from pharmacy_desk.relay.counter.actions import ActionService
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.devices import Device
from pharmacy_desk.relay.storage.orders import get_order, lock_store, save_order
from pharmacy_desk.relay.storage.store_log import append_event
from pharmacy_desk.relay.stream import events as stream_events
from pharmacy_desk.relay.timeutil import utcnow

log = logging.getLogger("pharmacy_desk.relay.stock")

FLAG_SHORT = "stock_short"
FLAG_OUT = "out_of_stock"
FLAG_UNAVAILABLE = "stock_unavailable"
ALERT_KIND = "stock"

RELAY_DEVICE_ID = "relay"
RELAY_DEVICE_NAME = "Relay"
_ATTEMPTS = 3


def relay_device(store: str) -> Device:
    """The relay itself as the actor of what it decides (``Actor(device_id="relay", device_name="Relay")``)."""
    return Device(id=RELAY_DEVICE_ID, store=store, name=RELAY_DEVICE_NAME, created_at=datetime(2026, 1, 1, tzinfo=UTC))


async def mark_order(
    state: RelayState,
    store: str,
    number: str,
    *,
    add: Iterable[str] = (),
    remove: Iterable[str] = (),
    alert: str | None = None,
    price_caps: Mapping[str, Decimal] | None = None,
    forbidden_skus: Mapping[str, str] | None = None,
) -> Order | None:
    """Flags added / removed, price caps and forbidden SKUs added, an optional ``stock`` alert; the order
    as it now is (None: unknown)."""
    adding, removing = tuple(add), frozenset(remove)
    async with state.engine.begin() as conn:
        await lock_store(conn, store)
        stored = await get_order(conn, store, number=number)
        if stored is None:
            return None
        order = stored.order
        kept = tuple(f for f in order.flags if f not in removing)
        flags = kept + tuple(f for f in dict.fromkeys(adding) if f not in kept)
        caps = {**order.price_caps, **(price_caps or {})}
        forbidden = {**order.forbidden_skus, **(forbidden_skus or {})}
        changed = flags != order.flags or caps != order.price_caps or forbidden != order.forbidden_skus
        if changed:
            update = {"flags": flags, "price_caps": caps, "forbidden_skus": forbidden, "version": order.version + 1}
            order = order.model_copy(update=update)
            await save_order(conn, stored.id, stored.order.version, order, utcnow())
            await stream_events.order_changed(conn, stored.id, order)
        if alert:
            payload = {"number": number, "kind": ALERT_KIND, "message": alert, "lines": []}
            await append_event(conn, store, "alert", payload, order_id=stored.id)
    if changed or alert:
        state.committed(store)
    return order


async def cancel_out_of_stock(state: RelayState, store: str, number: str, description: str) -> bool:
    """Cancel with ``out_of_stock`` as the relay; True when this call (or an earlier one) canceled it."""
    return await cancel_as_relay(state, store, number, CancelReason.OUT_OF_STOCK, description, why="out_of_stock")


async def cancel_as_relay(
    state: RelayState, store: str, number: str, reason: CancelReason, description: str, *, why: str
) -> bool:
    """Cancel with ``reason`` as the relay (idempotency key per ``why`` and order); True when canceled."""
    config = state.config.store(store)
    if config is None:
        return False
    service = ActionService(state)
    device = relay_device(store)
    for _ in range(_ATTEMPTS):
        async with state.engine.connect() as conn:
            stored = await get_order(conn, store, number=number)
        if stored is None:
            return False
        request = ActionRequest(
            action=Cancel(reason=reason, description=description[:500]),
            expected_version=stored.order.version,
            idempotency_key=f"relay:{why}:{stored.order.kuper_id}"[:128],
        )
        answer = await service.perform(config, device, number, request)
        if answer.status_code == 200:
            log.info("%s/%s canceled: %s", store, number, why)
            return True
        if answer.status_code != 409:
            log.info("%s/%s not canceled (%d): %s", store, number, answer.status_code, answer.body.get("message"))
            return False
    return False
