"""Shared acknowledgement of a new order: "someone at this pharmacy has seen it", for every PC.

The first acknowledgement of an order is kept (``acknowledgements``: device, its name, the operator,
when) and announced once on the store's stream::

    event: acknowledged
    data: {"number": "A12-000042", "by": {"device_id": "…", "device_name": "Касса 2", "operator": "Петрова"}}

A repeat (the same PC retrying, or another PC) changes nothing and gets the first acknowledgement
back. The order summary's ``acknowledged_by`` shows it while the order is ``new`` (afterwards the
order's own state says that someone took it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.domain import Actor, Order, OrderState
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.orders import get_order, lock_store
from pharmacy_desk.relay.storage.schema import acknowledgements, orders
from pharmacy_desk.relay.storage.store_log import append_event
from pharmacy_desk.relay.timeutil import as_utc, utcnow

EVENT_KIND = "acknowledged"


@dataclass(frozen=True)
class Acknowledged:
    number: str
    by: Actor
    at: datetime
    first: bool  # this request made the acknowledgement (else it repeats an earlier one)


def _actor(row: object) -> Actor:
    m = row._mapping  # type: ignore[attr-defined]
    return Actor(device_id=m["device_id"], device_name=m["device_name"], operator=m["operator"])


async def acknowledge(state: RelayState, store: str, number: str, by: Actor) -> Acknowledged | None:
    """Record the first acknowledgement of ``number`` (None: no such order)."""
    now = utcnow()
    async with state.engine.begin() as conn:
        await lock_store(conn, store)
        stored = await get_order(conn, store, number=number)
        if stored is None:
            return None
        row = (await conn.execute(select(acknowledgements).where(acknowledgements.c.order_id == stored.id))).first()
        if row is not None:
            return Acknowledged(number=number, by=_actor(row), at=as_utc(row.at), first=False)
        await conn.execute(
            insert(acknowledgements).values(
                order_id=stored.id,
                store=store,
                device_id=by.device_id,
                device_name=by.device_name,
                operator=by.operator,
                at=now,
            )
        )
        payload = {"number": number, "by": by.model_dump(mode="json")}
        await append_event(conn, store, EVENT_KIND, payload, order_id=stored.id)
    state.committed(store)
    return Acknowledged(number=number, by=by, at=now, first=True)


async def acknowledged_by(conn: AsyncConnection, store: str, new_orders: Iterable[Order]) -> dict[str, Actor]:
    """Who acknowledged each of ``new_orders`` still in state ``new`` (by order number)."""
    numbers = sorted({o.number for o in new_orders if o.state is OrderState.NEW})
    found: dict[str, Actor] = {}
    for start in range(0, len(numbers), 500):
        rows = await conn.execute(
            select(orders.c.number, acknowledgements)
            .join(acknowledgements, acknowledgements.c.order_id == orders.c.id)
            .where(orders.c.store == store, orders.c.number.in_(numbers[start : start + 500]))
        )
        found.update({row.number: _actor(row) for row in rows})
    return found
