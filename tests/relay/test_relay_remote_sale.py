"""Remote-sale rules at ``order.created`` over real HTTP (issue 14, item 2), SQLite and PostgreSQL.

An order with an Rx line is flagged ``remote_sale_forbidden`` with a store alert naming the line and
the rule, and the relay refuses packs of that line in "assembled"/"ready"; the store's policy decides
what happens next (``ask_staff``: the pharmacist leaves the line out; ``cancel_order``: the relay
cancels with the configured slug and Kuper is told). A Kuper price above the shelf price is flagged
and capped in the composition sent at "ready".
"""

from __future__ import annotations

import json
from dataclasses import replace
from decimal import Decimal
from typing import Any

from relay_stock_support import NUROFEN, eventually, load, row, stock_alerts, stores, summary
from relay_support import Relay, RelayFactory, new_uuid, webhook

from pharmacy_desk.domain.product import Dispensing, ProductAttributes
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve

AMOXICLAV = "100301"
AMOXICLAV_NAME = "Амоксиклав таб. п/о 875+125мг №14"
OTC = ProductAttributes(marked=True, dispensing=Dispensing.OTC, shelf_price=Decimal("199.99"))
RX = ProductAttributes(marked=True, dispensing=Dispensing.RX, shelf_price=Decimal("449.00"))


def _position(sku: str, name: str, quantity: int, price: str, discount: str | None = None) -> dict[str, Any]:
    unit = Decimal(discount or price)
    return {
        "id": sku,
        "name": name,
        "originalQuantity": quantity,
        "quantity": quantity,
        "price": price,
        **({"discountPrice": discount} if discount else {}),
        "totalPrice": str(Decimal(price) * quantity),
        "totalDiscountPrice": str(unit * quantity),
    }


def _with_amoxiclav() -> dict[str, Any]:
    positions = [
        _position(NUROFEN, "Нурофен таб. п/о 200мг №20", 2, "199.99", "189.99"),
        _position(AMOXICLAV, AMOXICLAV_NAME, 1, "449.00"),
    ]
    total = "828.98"
    return {"positions": positions, "total": {"totalPrice": total, "discountTotalPrice": total}}


async def _stocked(relay_factory: RelayFactory, nurofen: ProductAttributes = OTC, **overrides: Any) -> Relay:
    relay = await relay_factory(configured_stock=True, **overrides)
    amoxiclav = replace(row("AMX1", 5, sku=AMOXICLAV), name=AMOXICLAV_NAME, attributes=RX)
    await load(relay, replace(row("NF-A", 10), attributes=nurofen), amoxiclav)
    return relay


async def _flags(relay: Relay, number: str, pc: dict[str, str]) -> list[str]:
    flags: list[str] = (await summary(relay, number, pc))["flags"]
    return flags


async def test_an_rx_line_is_flagged_alerted_and_refused_then_left_out(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    number = await relay.create_order("pickup", **_with_amoxiclav())
    pc = await relay.device()

    async def flagged() -> bool:
        return "remote_sale_forbidden" in await _flags(relay, number, pc)

    await eventually(flagged)
    (alert,) = [a for a in await stock_alerts(relay) if a["number"] == number]
    assert f"«{AMOXICLAV_NAME}» — рецептурный препарат: дистанционная продажа запрещена" in alert["message"]
    detail = await relay.order(number, pc)
    assert detail["order"]["forbidden_skus"] == {
        AMOXICLAV: "рецептурный препарат: дистанционная продажа запрещена (ПП РФ № 697)"
    }
    assert detail["order"]["state"] == "new"  # ask_staff: the pharmacist decides
    assert await relay.outbox_rows() == [] or all(
        r["event_type"] != "order.canceled" for r in await relay.outbox_rows()
    )

    await relay.ok(number, {"kind": "start_assembly"}, pc)
    both = [{"sku": NUROFEN, "quantity": 2}, {"sku": AMOXICLAV, "quantity": 1}]
    refused = await relay.act(number, {"kind": "assembled", "composition": both}, pc)
    assert refused.status_code == 422 and refused.json()["code"] == "remote_sale_forbidden"
    assert AMOXICLAV_NAME in refused.json()["message"]

    left_out = [
        {"sku": NUROFEN, "quantity": 2},
        {"sku": AMOXICLAV, "quantity": 0, "reason": "дистанционная продажа запрещена"},
    ]
    await relay.ok(number, {"kind": "assembled", "composition": left_out}, pc)
    ready = await relay.ok(number, {"kind": "ready"}, pc)
    lines = {line["sku"]: line for line in ready["order"]["composition"]}
    assert lines[AMOXICLAV]["quantity"] == 0 and lines[NUROFEN]["quantity"] == 2


async def test_cancel_order_policy_cancels_with_the_configured_slug(relay_factory: RelayFactory) -> None:
    kuper = KuperStub()
    async with serve(kuper.app) as kuper_url:
        kuper_config = {"base_url": kuper_url, "client_id": kuper.client_id, "client_secret": kuper.client_secret}
        policy = stores(forbidden_lines="cancel_order", forbidden_cancel_slug="technical_issues")
        relay = await _stocked(relay_factory, kuper=kuper_config, stores=policy)
        uid = new_uuid()
        response = await relay.post_webhook(webhook("order_created_delivery", uid, **_with_amoxiclav()))
        assert response.status_code == 200 and response.json()["status"] == "created"
        number = response.json()["number"]

        assert await kuper.wait_for(
            lambda k: any(r.event_type == "order.canceled" for r in k.received_for(uid)), timeout=5
        )
        rows = [r for r in await relay.outbox_rows() if r["event_type"] == "order.canceled"]
        wire = json.loads(rows[0]["body"])
        assert wire["payload"]["cancellation"]["slug"] == "technical_issues"
        assert "рецептурный препарат" in wire["payload"]["cancellation"]["description"]

    pc = await relay.device()
    detail = await relay.order(number, pc)
    assert detail["order"]["state"] == "canceled" and "remote_sale_forbidden" in detail["order"]["flags"]
    (action,) = detail["history"]["actions"]
    assert (action["kind"], action["device_id"]) == ("cancel", "relay")
    (alert,) = [a for a in await stock_alerts(relay) if "рецептурный" in a["message"]]
    assert alert["message"].endswith("Заказ отменён автоматически, Купер уведомлён.")


async def test_a_price_above_the_shelf_is_flagged_and_capped_at_ready(relay_factory: RelayFactory) -> None:
    kuper = KuperStub()
    async with serve(kuper.app) as kuper_url:
        kuper_config = {"base_url": kuper_url, "client_id": kuper.client_id, "client_secret": kuper.client_secret}
        cheaper = OTC.model_copy(update={"shelf_price": Decimal("179.00")})  # Kuper still sells it at 189.99
        relay = await _stocked(relay_factory, cheaper, kuper=kuper_config)
        uid = new_uuid()
        number = await relay.create_order("delivery", order_uuid=uid)  # 2 × Нурофен at 189.99
        pc = await relay.device()

        async def flagged() -> bool:
            return "price_above_shelf" in await _flags(relay, number, pc)

        await eventually(flagged)
        (alert,) = [a for a in await stock_alerts(relay) if a["number"] == number]
        assert "цена в Купере 189,99\u00a0₽ выше цены в аптеке 179,00\u00a0₽" in alert["message"]

        await relay.ok(number, {"kind": "start_assembly"}, pc)
        await relay.ok(number, {"kind": "assembled", "composition": [{"sku": NUROFEN, "quantity": 2}]}, pc)
        ready = await relay.ok(number, {"kind": "ready"}, pc)
        (line,) = ready["order"]["composition"]
        assert (line["price"], line["discount_price"]) == ("199.99", "179.00")
        assert await kuper.wait_for(
            lambda k: any(r.event_type == "order.ready_for_delivery" for r in k.received_for(uid)), timeout=5
        )
        (sent,) = [r for r in await relay.outbox_rows() if r["event_type"] == "order.ready_for_delivery"]
        body = json.loads(sent["body"])
        (position,) = body["payload"]["positions"]
        assert (position["discountPrice"], position["totalPrice"]) == ("179.00", "358.00")
        assert body["payload"]["total"] == {"totalPrice": "358.00", "discountTotalPrice": "358.00"}
