"""What a counter PC asks about its store: who it is, marking codes in other orders, acknowledgements.

Device token, bound to the store of the path (like :mod:`.api_orders`); ``GET /health`` needs none.

- ``GET /health``: ``{"status": "ok", "version", "events"}``: liveness only, the process answers (the
  connection dialog's first question; ``events``: ``local``, ``listening`` or ``polling``, see
  :mod:`pharmacy_desk.relay.stream.fanout`); whether it can work (database writable, schema current,
  outbox running) is ``GET /ready`` (:mod:`.ready`)
- ``GET /stores/{store}``: name, minimum shelf life, the lifecycle's rules, stock source, policy
- ``POST /stores/{store}/marking-codes/lookup`` ``{"codes": [...], "except_number"?}`` → ``{code: number}``
  for the codes other orders of the store hold (open ones, and shipped ones: a sold pack is never
  sold again; a canceled order gives its codes back)
- ``POST /stores/{store}/orders/{number}/acknowledge`` ``{"operator"?}``: the shared "seen" of a new
  order (:mod:`.acknowledgements`), idempotent
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException
from sqlalchemy import select

from pharmacy_desk import __version__
from pharmacy_desk.api.store import (
    Acknowledgement,
    AcknowledgeRequest,
    CodeOwners,
    CodesLookup,
    Health,
    StoreInfo,
)
from pharmacy_desk.domain import Actor
from pharmacy_desk.relay.counter.acknowledgements import acknowledge
from pharmacy_desk.relay.http.deps import AUTH_RESPONSES, DeviceDep, StateDep, StoreDep
from pharmacy_desk.relay.storage.schema import marking_codes, orders

router = APIRouter(tags=["Counter PCs"])


@router.get("/health", response_model=Health, tags=["Service"])
async def health(state: StateDep) -> Health:
    """Liveness: the relay process answers (no token needed), its version, and how its streams learn of
    new events. Whether it can work is ``/ready``."""
    return Health(version=__version__, events=state.events_mode)


@router.get("/stores/{store}", response_model=StoreInfo, responses=AUTH_RESPONSES)
async def get_store(device: DeviceDep, config: StoreDep) -> StoreInfo:
    """The device's store as the relay is configured for it."""
    return StoreInfo(
        key=config.key,
        name=config.name,
        number_prefix=config.number_prefix,
        min_shelf_life_days=config.min_shelf_life_days,
        rules=config.rules,
        stock=config.stock,
        out_of_stock=config.out_of_stock,
    )


@router.post("/stores/{store}/marking-codes/lookup", response_model=CodeOwners, responses=AUTH_RESPONSES)
async def lookup_marking_codes(device: DeviceDep, config: StoreDep, state: StateDep, body: CodesLookup) -> CodeOwners:
    """Which of ``codes`` other orders of the store hold (a code not listed is free)."""
    wanted = sorted(set(body.codes))
    found: dict[str, str] = {}
    async with state.engine.connect() as conn:
        for start in range(0, len(wanted), 500):
            stmt = (
                select(marking_codes.c.code, orders.c.number)
                .join(orders, orders.c.id == marking_codes.c.order_id)
                .where(marking_codes.c.store == config.key, marking_codes.c.code.in_(wanted[start : start + 500]))
            )
            if body.except_number is not None:
                stmt = stmt.where(orders.c.number != body.except_number)
            found.update({row.code: row.number for row in await conn.execute(stmt)})
    return CodeOwners(found)


@router.post("/stores/{store}/orders/{number}/acknowledge", response_model=Acknowledgement, responses=AUTH_RESPONSES)
async def acknowledge_order(
    number: str,
    device: DeviceDep,
    config: StoreDep,
    state: StateDep,
    body: Annotated[AcknowledgeRequest | None, Body()] = None,
) -> Acknowledgement:
    """Stop the new-order bell on every PC of the store: the first acknowledgement is kept and announced."""
    operator = body.operator if body is not None else None
    by = Actor(device_id=device.id, device_name=device.name, operator=operator)
    done = await acknowledge(state, config.key, number, by)
    if done is None:
        raise HTTPException(404, detail={"code": "order_not_found", "message": f"Заказ {number} не найден"})
    return Acknowledgement(number=done.number, acknowledged_by=done.by, at=done.at, first=done.first)
