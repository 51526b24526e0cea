"""The relay enforces the legal hand-over: no ``hand_over`` without the sale receipt (422 ``receipt_missing``)
unless ``stores[].receipt_required`` is false; the receipts are recorded on the order (snapshot, detail,
history); a refusal after the receipt needs the return receipt before the cancellation."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from pharmacy_desk.relay.storage.schema import orders, outbox
from tests.relay.relay_support import MARK_A, MARK_B, STORE, Relay, RelayFactory, config_data, receipt

PAID = {"kind": "hand_over", "payment": {"method": "cash", "amount": "379.98"}}
ASSEMBLED = {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2, "marking_codes": [MARK_A, MARK_B]}]}


async def _waiting(relay: Relay, pc: dict[str, str]) -> str:
    number = await relay.create_order("pickup")
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, ASSEMBLED, pc)
    await relay.ok(number, {"kind": "ready"}, pc)
    async with relay.state.engine.connect() as conn:
        body = (
            await conn.execute(
                select(outbox.c.body)
                .join(orders, orders.c.id == outbox.c.order_id)
                .where(orders.c.number == number, outbox.c.event_type == "order.pickup_code_created")
            )
        ).scalar_one()
        code = json.loads(body)["payload"]["pickupCode"]  # only Kuper gets the code: take it from there
    await relay.ok(number, {"kind": "verify_pickup_code", "code": code}, pc)
    return number


async def _refused(relay: Relay, number: str, action: dict[str, Any], pc: dict[str, str], code: str) -> None:
    response = await relay.act(number, action, pc)
    assert response.status_code == 422, response.text
    assert response.json()["code"] == code and response.json()["message"]


async def test_no_hand_over_without_the_receipt_nothing_sent_to_kuper(relay: Relay) -> None:
    pc = await relay.device()
    number = await _waiting(relay, pc)
    await _refused(relay, number, PAID, pc, "receipt_missing")
    assert "order.delivered" not in [r["event_type"] for r in await relay.outbox_rows()]
    sale = receipt([MARK_A, MARK_B], "379.98")
    recorded = await relay.ok(number, {"kind": "record_receipt", "receipt": sale}, pc)
    assert recorded["order"]["state"] == "awaiting_pickup" and len(recorded["order"]["receipts"]) == 1
    assert "order.delivered" not in [r["event_type"] for r in await relay.outbox_rows()]
    done = await relay.ok(number, PAID, pc)  # the receipt recorded before is the one
    assert done["order"]["state"] == "shipped"
    assert [r["event_type"] for r in await relay.outbox_rows()][-1] == "order.delivered"
    detail = await relay.order(number, pc)
    assert detail["order"]["receipts"][0]["number"] == sale["number"]
    assert [a["kind"] for a in detail["history"]["actions"]][-2:] == ["record_receipt", "hand_over"]


async def test_refusal_after_the_receipt_return_receipt_then_cancel(relay: Relay) -> None:
    pc = await relay.device()
    number = await _waiting(relay, pc)
    sale = receipt([MARK_A, MARK_B], "379.98")
    await relay.ok(number, {"kind": "record_receipt", "receipt": sale}, pc)
    cancel = {"kind": "cancel", "reason": "order_not_paid", "description": "Передумал"}
    await _refused(relay, number, cancel, pc, "receipt_not_returned")
    back = receipt([MARK_A, MARK_B], "379.98", kind="sell_return")
    await relay.ok(number, {"kind": "record_receipt", "receipt": back}, pc)
    body = await relay.ok(number, cancel, pc)
    assert body["order"]["state"] == "canceled"
    assert [r["kind"] for r in body["order"]["receipts"]] == ["sell", "sell_return"]
    assert [r["event_type"] for r in await relay.outbox_rows()][-1] == "order.canceled"


async def test_a_store_that_fiscalizes_elsewhere_hands_over_without_a_receipt(
    relay_factory: RelayFactory, database_url: str
) -> None:
    stores = config_data(database_url)["stores"]
    stores[0]["receipt_required"] = False
    relay = await relay_factory(stores=stores)
    pc = await relay.device()
    number = await _waiting(relay, pc)
    assert (await relay.ok(number, PAID, pc))["order"]["state"] == "shipped"
    store = (await relay.client.get(f"/stores/{STORE}", headers=pc)).json()
    assert store["rules"]["receipt_required"] is False
