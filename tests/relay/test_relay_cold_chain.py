"""The cold-chain flag at ``order.created`` over real HTTP (issue 14, item 3).

The relay reads the order's products' ``storage`` from the stock source (with the remote-sale rules)
and flags the order ``cold_chain`` (+2…+8 °C) or ``cool_chain`` (+8…+15 °C): the flag reaches the
counter PCs in the order summary they already stream, so the queue marks the order without asking
the stock source per order. A room-temperature order gets no flag, and no alert is raised for either.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage
from tests.relay.relay_stock_support import NUROFEN, load, row, stock_alerts, summary
from tests.relay.relay_support import STORE, Relay, RelayFactory, new_uuid, webhook
from tests.support import eventually

VIFERON = "102200"
VIFERON_NAME = "Виферон супп. рект. 500000МЕ №10"
ROOM = ProductAttributes(marked=True, dispensing=Dispensing.OTC, storage=Storage.ROOM)


def _positions(*lines: tuple[str, str, int, str]) -> dict[str, Any]:
    positions = [
        {
            "id": sku,
            "name": name,
            "originalQuantity": quantity,
            "quantity": quantity,
            "price": price,
            "totalPrice": str(Decimal(price) * quantity),
            "totalDiscountPrice": str(Decimal(price) * quantity),
        }
        for sku, name, quantity, price in lines
    ]
    total = str(sum(Decimal(p["totalPrice"]) for p in positions))
    return {"positions": positions, "total": {"totalPrice": total, "discountTotalPrice": total}}


async def _stocked(relay_factory: RelayFactory, storage: Storage) -> Relay:
    relay = await relay_factory(configured_stock=True)
    cold = ProductAttributes(marked=True, dispensing=Dispensing.OTC, storage=storage)
    viferon = replace(row("VF1", 5, sku=VIFERON), name=VIFERON_NAME, attributes=cold)
    await load(relay, replace(row("NF-A", 10), attributes=ROOM), viferon)
    return relay


async def test_an_order_with_a_cold_line_is_flagged_cold_chain(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory, Storage.COLD)
    lines = _positions((NUROFEN, "Нурофен таб. п/о 200мг №20", 1, "199.99"), (VIFERON, VIFERON_NAME, 1, "599.00"))
    number = await relay.create_order("delivery", **lines)
    room_only = await relay.create_order("delivery", **_positions((NUROFEN, "Нурофен таб. п/о 200мг №20", 2, "1.00")))
    pc = await relay.device()

    async def flagged() -> bool:
        return "cold_chain" in (await summary(relay, number, pc))["flags"]

    await eventually(flagged)
    listed = {o["number"]: o for o in (await relay.client.get(f"/stores/{STORE}/orders", headers=pc)).json()["orders"]}
    assert "cold_chain" in listed[number]["flags"] and "cool_chain" not in listed[number]["flags"]
    assert not {"cold_chain", "cool_chain"} & set(listed[room_only]["flags"])
    assert [a for a in await stock_alerts(relay) if a["number"] in (number, room_only)] == []


async def test_an_order_with_a_cool_line_is_flagged_cool_chain(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory, Storage.COOL)
    number = await relay.create_order("pickup", **_positions((VIFERON, VIFERON_NAME, 2, "599.00")))
    pc = await relay.device()

    async def flagged() -> bool:
        return "cool_chain" in (await summary(relay, number, pc))["flags"]

    await eventually(flagged)
    assert "cold_chain" not in (await relay.order(number, pc))["order"]["flags"]


async def test_the_flag_follows_an_order_updated_that_drops_the_cold_line(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory, Storage.COLD)
    uid = new_uuid()
    both = _positions((NUROFEN, "Нурофен таб. п/о 200мг №20", 1, "199.99"), (VIFERON, VIFERON_NAME, 1, "599.00"))
    number = await relay.create_order("delivery", order_uuid=uid, **both)
    pc = await relay.device()

    async def flags() -> list[str]:
        found: list[str] = (await summary(relay, number, pc))["flags"]
        return found

    await eventually(lambda: _has(flags, "cold_chain"))
    room = _positions((NUROFEN, "Нурофен таб. п/о 200мг №20", 1, "199.99"))
    assert (await relay.post_webhook(webhook("order_updated", uid, **room))).status_code == 200
    await eventually(lambda: _lacks(flags, "cold_chain"))


async def _has(flags: Callable[[], Awaitable[list[str]]], flag: str) -> bool:
    return flag in await flags()


async def _lacks(flags: Callable[[], Awaitable[list[str]]], flag: str) -> bool:
    return flag not in await flags()
