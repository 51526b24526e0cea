"""The demo's first orders show the product rules on the real embedded relay (issue 14): the Rx order is
flagged and its line marked forbidden, the cold one flagged ``cold_chain``, the stale Kuper price is
flagged and capped, the EAN-sold product is unmarked in the relay's catalogue, the second order's pick
list ends with its cold line, and its line short in stock has a substitute by МНН."""

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
            assert "cold_chain" in flags["D-000002"], flags  # Виферон, +2…+8 °C
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
            cold = (await client.pick_list(["D-000002"])).sections[0]
            picked = [line for line in cold.lines if line.forbidden is None]
            assert picked[-1].sku == "102200" and picked[-1].storage_mark == "ХОЛОД +2…+8", cold.lines
            assert picked[-1].batches and picked[-1].cell == "Х1-01"  # the sample stock's fridge shelf
            info = await client.store_info()
            assert info.rules.pickup.hold_hours == 0.1  # a pickup order left 6 minutes is «Не забрали»
