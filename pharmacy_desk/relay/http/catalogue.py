"""The store's stock for the counter PCs: GTINs and marking per SKU, batches to pick, a pack's series.

Answered by the store's stock source (:mod:`.stock_wiring`). Device token, bound to the store.

- ``GET /stores/{store}/catalogue?sku=…&sku=…``: per SKU its name, GTINs, ``marked`` (the pack carries a
  DataMatrix and is scanned pack by pack: as the stock source says, else the old rule "a GTIN is
  known"), the product's attributes (dispensing rule, storage, МНН, shelf price…), packs on hand and free
- ``GET /stores/{store}/orders/{number}/batches``: per line of the order's composition, which batches
  to take (the order's reserved packs first, then FEFO, never below the store's minimum shelf life),
  the reservation itself, and the stock source's error for this order while a retry is pending
- ``GET /stores/{store}/series?gtin=…&serial=…``: the series of a marked pack, when it was recorded
- ``GET /stores/{store}/equivalents?inn=…&form=…&dose=…``: the products with this МНН, form and dose
  the stock has, with their batches and attributes (the counter offers substitutes from them)

A store with ``stock = "none"`` answers 409 ``no_stock_source``; a failing source 503
``stock_unavailable`` with its Russian message.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Annotated, Any, TypeVar

from fastapi import APIRouter, HTTPException, Query
from sqlalchemy import select

from pharmacy_desk.api.catalogue import Catalogue, CatalogueItem, Equivalents, OrderBatches
from pharmacy_desk.api.orders import Problem
from pharmacy_desk.domain.product import NO_ATTRIBUTES
from pharmacy_desk.inventory import (
    FoundSeries,
    InvalidRequest,
    StockSource,
    StockUnavailable,
)
from pharmacy_desk.inventory.gtin import normalize_gtin
from pharmacy_desk.relay.config import StoreConfig
from pharmacy_desk.relay.http.deps import AUTH_RESPONSES, DeviceDep, StateDep, StoreDep
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.orders import get_order
from pharmacy_desk.relay.storage.schema import stock_retries

router = APIRouter(tags=["Counter PCs"])

T = TypeVar("T")

RESPONSES: dict[int | str, dict[str, Any]] = {
    **AUTH_RESPONSES,
    409: {"model": Problem, "description": "The store has no stock source (stock = none)"},
    503: {"model": Problem, "description": "The stock source failed (Russian message)"},
}


def _source(state: RelayState, config: StoreConfig) -> StockSource:
    wiring = state.stock_wiring
    if wiring is None or not wiring.uses_stock(config.key):
        raise HTTPException(
            409, detail={"code": "no_stock_source", "message": f"Для аптеки {config.key} не настроен учёт остатков"}
        )
    return wiring.source


async def _ask(call: Awaitable[T]) -> T:
    try:
        return await call
    except StockUnavailable as exc:
        raise HTTPException(503, detail={"code": "stock_unavailable", "message": exc.message_ru}) from None
    except InvalidRequest as exc:
        raise HTTPException(400, detail={"code": "invalid_request", "message": str(exc)}) from None


@router.get("/stores/{store}/catalogue", response_model=Catalogue, responses=RESPONSES)
async def get_catalogue(
    device: DeviceDep,
    config: StoreDep,
    state: StateDep,
    sku: Annotated[list[str], Query(min_length=1, max_length=200, description="The SKUs wanted (repeat)")],
) -> Catalogue:
    """Name, GTINs, marking and stock of each SKU, as the store's stock source knows them."""
    source = _source(state, config)
    stock = await _ask(source.stock(config.key, sku))
    items = []
    for wanted in dict.fromkeys(s.strip() for s in sku if s.strip()):
        item = stock.get(wanted)
        batches = item.batches if item is not None else ()
        attributes = item.attributes if item is not None else NO_ATTRIBUTES
        items.append(
            CatalogueItem(
                sku=wanted,
                known=bool(batches),
                name=item.name if item is not None else "",
                gtins=item.gtins if item is not None else (),
                marked=item.marked if item is not None else False,
                marked_given=attributes.marked is not None,
                attributes=attributes,
                quantity=item.quantity if item is not None else 0,
                available=item.available if item is not None else 0,
            )
        )
    return Catalogue(items=tuple(items))


@router.get("/stores/{store}/orders/{number}/batches", response_model=OrderBatches, responses=RESPONSES)
async def get_order_batches(number: str, device: DeviceDep, config: StoreDep, state: StateDep) -> OrderBatches:
    """Which batches to pick for the order: its reserved packs first, then FEFO sellable stock."""
    async with state.engine.connect() as conn:
        stored = await get_order(conn, config.key, number=number)
        if stored is None:
            raise HTTPException(404, detail={"code": "order_not_found", "message": f"Заказ {number} не найден"})
        problem = (
            await conn.execute(select(stock_retries.c.last_error).where(stock_retries.c.order_id == stored.id))
        ).scalar_one_or_none()
    source = _source(state, config)
    order = stored.order
    reservation = await _ask(source.reservation(config.key, order.kuper_id))
    lines = await _ask(source.batch_suggestions(config.key, order.kuper_id, order.composition))
    assert state.stock_wiring is not None
    shelf_life = state.stock_wiring.shelf_life
    return OrderBatches(
        number=number,
        min_shelf_life_days=shelf_life.min_days(config.key),
        earliest_expiry=shelf_life.earliest_expiry(config.key),
        reservation=reservation,
        lines=tuple(lines),
        stock_problem=problem,
    )


@router.get(
    "/stores/{store}/series",
    response_model=FoundSeries,
    responses={**RESPONSES, 400: {"model": Problem, "description": "Not a GTIN / serial"}},
)
async def get_series(
    device: DeviceDep,
    config: StoreDep,
    state: StateDep,
    gtin: Annotated[str, Query(description="GTIN-14 of the pack (8–14 digits accepted)")],
    serial: Annotated[str, Query(min_length=1, max_length=20, description="The pack's serial (AI 21)")],
) -> FoundSeries:
    """The series (and expiry) of one marked pack, when the stock source recorded it on receipt."""
    normal = normalize_gtin(gtin)
    if normal is None:
        raise HTTPException(400, detail={"code": "invalid_gtin", "message": f"«{gtin}» — не GTIN"})
    found = await _ask(_source(state, config).find_series(config.key, normal, serial))
    if found is None:
        raise HTTPException(
            404, detail={"code": "series_not_found", "message": "Серия этой упаковки не записана при приёмке"}
        )
    return found


_Attribute = Annotated[str, Query(min_length=1, max_length=200)]


@router.get(
    "/stores/{store}/equivalents",
    response_model=Equivalents,
    responses={**RESPONSES, 400: {"model": Problem, "description": "An empty МНН, form or dose"}},
)
async def get_equivalents(
    device: DeviceDep, config: StoreDep, state: StateDep, inn: _Attribute, form: _Attribute, dose: _Attribute
) -> Equivalents:
    """The store's products with this МНН, form and dose, with their batches (for substitutes)."""
    source = _source(state, config)
    items = await _ask(source.find_equivalents(config.key, inn, form, dose))
    assert state.stock_wiring is not None
    return Equivalents(
        inn=inn,
        form=form,
        dose=dose,
        min_shelf_life_days=state.stock_wiring.shelf_life.min_days(config.key),
        items=items,
    )
