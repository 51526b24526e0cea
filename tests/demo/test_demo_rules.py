"""The demo's first orders show the product rules on the real embedded relay (issue 14): the Rx order is
flagged and its line marked forbidden, the stale Kuper price is flagged and capped, the EAN-sold
product is unmarked in the relay's catalogue, a line short in stock has a substitute by МНН."""

from __future__ import annotations

import asyncio
import time

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.demo.environment import DemoEnvironment, DemoSettings
from pharmacy_desk.desk.relay_client import RelayClient


async def _orders(client: RelayClient, count: int, timeout: float = 30.0) -> list[OrderSummary]:
    deadline = time.monotonic() + timeout
    while True:
        found = sorted(await client.list_orders(include_closed=True), key=lambda s: s.number)
        flagged = [s for s in found if s.flags]
        if len(found) >= count and len(flagged) >= 3:
            return found
        assert time.monotonic() < deadline, f"only {len(found)} orders, {len(flagged)} flagged"
        await asyncio.sleep(0.1)


async def test_the_first_demo_orders_show_the_rules() -> None:
    settings = DemoSettings(rate=240, pace=30, seed=5, workdir=None)
    async with DemoEnvironment(settings) as env:
        assert env.stock_loaded
        async with RelayClient(env.relay_url, env.store, env.token) as client:
            orders = await _orders(client, 5)
            flags = {s.number: s.flags for s in orders}
            assert "remote_sale_forbidden" in flags["D-000003"], flags
            assert "price_above_shelf" in flags["D-000005"], flags
            # the second order wants 2 packs of Нурофен №10, the shelf has 1: short, with a substitute by МНН
            assert "stock_short" in flags["D-000002"], flags
            short = (await client.get_order("D-000002")).order
            assert [(line.sku, line.ordered_quantity) for line in short.ordered if line.sku == "100236"] == [
                ("100236", 2)
            ]
            same = await client.equivalents("Ибупрофен", "таблетки п/о", "200 мг")
            assert "102120" in {item.sku for item in same.items}
            rx = (await client.get_order("D-000003")).order
            assert "100301" in rx.forbidden_skus
            priced = (await client.get_order("D-000005")).order
            assert priced.price_caps == {"101500": 249}
            (panthenol,) = (await client.catalogue(["102110"])).items
            assert not panthenol.marked and panthenol.marked_given
            info = await client.store_info()
            assert info.rules.pickup.hold_hours == 0.1  # a pickup order left 6 minutes is «Не забрали»
