"""``GET /stores/{store}/pick-list?number=…&number=…``: the pick list (сборочный лист) of orders.

One section per order, in the order asked (:mod:`pharmacy_desk.relay.stock.pick_list` gathers, the
domain's :mod:`pharmacy_desk.domain.pick_list` orders the lines). Device token, bound to the store.
A number that is not an order of the store: 404 ``order_not_found`` naming every such number. A store
without a stock source, or one whose source fails, still gets its list, without series (each
section's ``note`` says why).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query

from pharmacy_desk.api.orders import Problem
from pharmacy_desk.api.pick_list import MAX_PICK_ORDERS, PickList
from pharmacy_desk.relay.http.deps import AUTH_RESPONSES, DeviceDep, StateDep, StoreDep
from pharmacy_desk.relay.stock.pick_list import UnknownOrders, make_pick_list

router = APIRouter(tags=["Counter PCs"])


@router.get(
    "/stores/{store}/pick-list",
    response_model=PickList,
    responses={**AUTH_RESPONSES, 400: {"model": Problem, "description": "No order number, or too many"}},
)
async def get_pick_list(
    device: DeviceDep,
    config: StoreDep,
    state: StateDep,
    number: Annotated[list[str], Query(description="Our order numbers (repeat), one section each")],
) -> PickList:
    """The pick list of the orders: lines by shelf cell, cool and cold last, the FEFO batches to take."""
    wanted = [n for n in number if n.strip()]
    if not wanted:
        raise HTTPException(400, detail={"code": "no_orders", "message": "Не выбран ни один заказ"})
    if len(wanted) > MAX_PICK_ORDERS:
        raise HTTPException(
            400,
            detail={"code": "too_many_orders", "message": f"Не больше {MAX_PICK_ORDERS} заказов в одном листе"},
        )
    try:
        return await make_pick_list(state.engine, config.key, wanted, state.stock_wiring)
    except UnknownOrders as exc:
        raise HTTPException(404, detail={"code": "order_not_found", "message": str(exc)}) from None
