"""Staff actions over real HTTP: decided by the domain, saved with their outbox rows, applied once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from sqlalchemy import select, update

from pharmacy_desk.domain import pickup_code_digest as pickup_code_digest_of
from pharmacy_desk.relay.storage.devices import list_devices, revoke_device
from pharmacy_desk.relay.storage.schema import marking_codes, orders, outbox
from tests.relay.relay_support import (
    MARK_A,
    MARK_B,
    MARK_C,
    OTHER_STORE,
    STORE,
    Relay,
    RelayFactory,
    config_data,
    new_uuid,
    receipt,
    webhook,
)

AS_ORDERED = {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}


def assembled_with(*codes: str) -> dict[str, Any]:
    return {"kind": "assembled", "composition": [{"sku": "100234", "quantity": len(codes), "marking_codes": codes}]}


async def refused(
    relay: Relay, number: str, action: dict[str, Any], headers: dict[str, str], code: str
) -> dict[str, Any]:
    response = await relay.act(number, action, headers)
    assert response.status_code == 422, response.text
    body: dict[str, Any] = response.json()
    assert body["code"] == code, body
    assert body["message"]  # Russian text for the screen
    return body


async def pickup_code_digest(relay: Relay, number: str) -> str | None:
    async with relay.state.engine.connect() as conn:
        value = (await conn.execute(select(orders.c.pickup_code_digest).where(orders.c.number == number))).scalar_one()
    return str(value) if value is not None else None


# --- whole flows -------------------------------------------------------------------------------


async def test_delivery_flow_queues_the_notifications(relay: Relay) -> None:
    number = await relay.create_order("delivery")
    pc = await relay.device()
    body = await relay.ok(number, {"kind": "start_assembly"}, pc, operator="Иванова")
    assert body["order"]["state"] == "collecting" and body["order"]["assembler"]["operator"] == "Иванова"
    await relay.ok(number, AS_ORDERED, pc)
    body = await relay.ok(number, {"kind": "ready"}, pc)
    assert body["order"]["state"] == "ready_to_ship"
    rows = await relay.outbox_rows()
    assert [(r["event_type"], r["status"], r["attempts"]) for r in rows] == [
        ("order.in_work", "pending", 0),
        ("order.assembled", "pending", 0),
        ("order.ready_for_delivery", "pending", 0),
    ]
    ready = json.loads(rows[-1]["body"])
    assert ready["event_type"] == "order.ready_for_delivery"
    assert ready["payload"]["number"] == number
    assert ready["payload"]["positions"][0]["id"] == "100234"
    assert ready["payload"]["total"]["totalPrice"] == "379.98"
    assert [c[2] for c in relay.stock.calls] == ["reserve"]  # the sale is committed when the courier takes it
    detail = await relay.order(number, pc)
    assert [a["kind"] for a in detail["history"]["actions"]] == ["start_assembly", "assembled", "ready"]
    assert detail["history"]["actions"][0]["device_name"] == "Касса 1"
    assert detail["history"]["actions"][0]["operator"] == "Иванова"
    assert next(n["event_type"] for n in detail["history"]["notifications"]) == "order.in_work"
    assert [e["kind"] for e in await relay.events()].count("notification") == 3


async def test_pickup_flow_code_check_payment_and_hand_over(relay: Relay) -> None:
    number = await relay.create_order("pickup")
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, assembled_with(MARK_A, MARK_B), pc)
    body = await relay.ok(number, {"kind": "ready"}, pc)
    order = body["order"]
    assert order["state"] == "awaiting_pickup"
    assert set(order["pickup"]) >= {"issued_at", "locked_until"} and "code" not in order["pickup"]
    assert "digest" not in order["pickup"]
    code = await relay.code_for_kuper(number)
    assert await pickup_code_digest(relay, number) == pickup_code_digest_of(code, relay.state.pickup_key)
    await relay.ok(number, {"kind": "label_printed"}, pc)

    wrong = "0000" if code != "0000" else "1111"
    first = await refused(relay, number, {"kind": "verify_pickup_code", "code": wrong}, pc, "code_wrong")
    assert first["tries_left"] == 2
    assert first["order"]["version"] == order["version"] + 2  # label printed, then the counted attempt
    await refused(relay, number, {"kind": "hand_over"}, pc, "code_not_verified")
    assert (await relay.ok(number, {"kind": "verify_pickup_code", "code": code}, pc))["tries_left"] == 2
    await refused(relay, number, {"kind": "hand_over"}, pc, "payment_missing")
    short = {"kind": "hand_over", "payment": {"method": "cash", "amount": "100.00"}}
    await refused(relay, number, short, pc, "payment_amount")
    paid = {"kind": "hand_over", "payment": {"method": "card", "amount": "379.98"}}
    await refused(relay, number, paid, pc, "receipt_missing")  # 54-ФЗ: no hand-over without the receipt
    wrong_codes = {**paid, "receipt": receipt([MARK_A], "379.98", payment="card")}
    await refused(relay, number, wrong_codes, pc, "receipt_mismatch")
    document = receipt([MARK_A, MARK_B], "379.98", payment="card")
    body = await relay.ok(number, {**paid, "receipt": document}, pc)
    assert body["order"]["state"] == "shipped" and body["order"]["payment"]["method"] == "card"
    (recorded,) = body["order"]["receipts"]
    assert (recorded["number"], recorded["fiscal_sign"], recorded["fn"], recorded["kind"]) == (
        document["number"],
        "3826154961",
        "9999078902012345",
        "sell",
    )
    assert await pickup_code_digest(relay, number) is None
    events = [r["event_type"] for r in await relay.outbox_rows()]
    assert events == [
        "order.in_work",
        "order.assembled",
        "order.ready_for_delivery",
        "order.pickup_code_created",
        "order.delivered",
    ]
    delivered = json.loads((await relay.outbox_rows())[-1]["body"])
    assert [m["value"] for m in delivered["payload"]["positions"][0]["markingCode"]] == [MARK_A, MARK_B]
    created = json.loads((await relay.outbox_rows())[3]["body"])
    assert created["payload"]["pickupCode"] == code
    await refused(relay, number, {"kind": "cancel", "reason": "customer_request"}, pc, "order_finished")


async def test_pickup_code_locks_after_too_many_wrong_tries(relay: Relay) -> None:
    number = await relay.create_order("pickup")
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, AS_ORDERED, pc)
    await relay.ok(number, {"kind": "ready"}, pc)
    code = await relay.code_for_kuper(number)
    wrong = "0000" if code != "0000" else "1111"
    tries = [await relay.act(number, {"kind": "verify_pickup_code", "code": wrong}, pc) for _ in range(3)]
    assert [(r.json()["code"], r.json()["tries_left"]) for r in tries] == [
        ("code_wrong", 2),
        ("code_wrong", 1),
        ("code_locked", 0),
    ]
    locked = await refused(relay, number, {"kind": "verify_pickup_code", "code": code}, pc, "code_locked")
    assert locked["tries_left"] == 0


async def test_retried_wrong_code_counts_once(relay: Relay) -> None:
    number = await relay.create_order("pickup")
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, AS_ORDERED, pc)
    order = (await relay.ok(number, {"kind": "ready"}, pc))["order"]
    wrong = "0000" if await relay.code_for_kuper(number) != "0000" else "1111"
    action = {"kind": "verify_pickup_code", "code": wrong}
    first = await relay.act(number, action, pc, version=order["version"], key="try-1")
    again = await relay.act(number, action, pc, version=order["version"], key="try-1")
    assert first.status_code == again.status_code == 422
    assert again.json() == first.json()
    assert (await relay.order(number, pc))["order"]["pickup"]["failed_attempts"] == 1


# --- refusals of every action ------------------------------------------------------------------


async def test_accept_step(relay_factory: RelayFactory, database_url: str) -> None:
    stores = config_data(database_url)["stores"]
    stores[0]["rules"] = {"accept_step": True}
    relay = await relay_factory(stores=stores)
    number = await relay.create_order()
    pc = await relay.device()
    await refused(relay, number, {"kind": "start_assembly"}, pc, "accept_first")
    assert (await relay.ok(number, {"kind": "accept"}, pc))["order"]["state"] == "accepted"
    await refused(relay, number, {"kind": "accept"}, pc, "wrong_state")
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    assert [r["event_type"] for r in await relay.outbox_rows()] == ["order.accepted", "order.in_work"]


async def test_accept_is_refused_where_not_used(relay: Relay) -> None:
    number = await relay.create_order()
    await refused(relay, number, {"kind": "accept"}, await relay.device(), "accept_not_used")


async def test_start_assembly_claims_and_take_over(relay: Relay) -> None:
    number = await relay.create_order()
    pc1, pc2 = await relay.device(name="Касса 1"), await relay.device(name="Касса 2")
    await relay.ok(number, {"kind": "start_assembly"}, pc1)
    body = await refused(relay, number, {"kind": "start_assembly"}, pc2, "claimed_by_other")
    assert "Касса 1" in body["message"]
    await refused(relay, number, AS_ORDERED, pc2, "claimed_by_other")
    again = await relay.ok(number, {"kind": "start_assembly"}, pc1)  # same PC: nothing changes
    assert again["order"]["version"] == 2
    taken = await relay.ok(number, {"kind": "start_assembly", "take_over": True}, pc2)
    assert taken["order"]["assembler"]["device_name"] == "Касса 2"
    await relay.ok(number, AS_ORDERED, pc2)
    await relay.ok(number, {"kind": "ready"}, pc2)
    await refused(relay, number, {"kind": "start_assembly"}, pc1, "wrong_state")
    assert next(r["event_type"] for r in await relay.outbox_rows()) == "order.in_work"


async def test_two_devices_starting_at_once_one_wins(relay: Relay) -> None:
    number = await relay.create_order()
    pc1, pc2 = await relay.device(name="Касса 1"), await relay.device(name="Касса 2")
    answers = await asyncio.gather(
        relay.act(number, {"kind": "start_assembly"}, pc1, version=1),
        relay.act(number, {"kind": "start_assembly"}, pc2, version=1),
    )
    codes = sorted(a.status_code for a in answers)
    assert codes == [200, 409]
    winner = next(a for a in answers if a.status_code == 200).json()["order"]["assembler"]["device_name"]
    loser = next(a for a in answers if a.status_code == 409).json()
    assert loser["code"] == "stale_version" and loser["order"]["assembler"]["device_name"] == winner
    assert [r["event_type"] for r in await relay.outbox_rows()] == ["order.in_work"]


@pytest.mark.parametrize(
    ("composition", "code"),
    [
        ([{"sku": "100234", "quantity": 3}], "composition_invalid"),
        ([{"sku": "999999", "quantity": 1}], "not_in_order"),
        ([{"sku": "100234", "quantity": 0}], "composition_empty"),
        ([{"sku": "100234", "quantity": 2, "marking_codes": [MARK_A]}], "marking_mismatch"),
        ([{"sku": "100234", "quantity": 2, "marking_codes": [MARK_A, MARK_A]}], "marking_duplicate"),
    ],
)
async def test_assembled_refusals(relay: Relay, composition: list[dict[str, Any]], code: str) -> None:
    number = await relay.create_order()
    pc = await relay.device()
    action = {"kind": "assembled", "composition": composition}
    await refused(relay, number, action, pc, "wrong_state")
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await refused(relay, number, action, pc, code)
    assert [r["event_type"] for r in await relay.outbox_rows()] == ["order.in_work"]


async def test_ready_before_assembled_is_refused(relay: Relay) -> None:
    number = await relay.create_order()
    pc = await relay.device()
    await refused(relay, number, {"kind": "ready"}, pc, "wrong_state")


async def test_pickup_code_refusals(relay: Relay) -> None:
    pc = await relay.device()
    delivery = await relay.create_order("delivery")
    await refused(relay, delivery, {"kind": "issue_pickup_code"}, pc, "pickup_only")
    await refused(relay, delivery, {"kind": "verify_pickup_code", "code": "1234"}, pc, "pickup_only")
    await refused(relay, delivery, {"kind": "hand_over"}, pc, "pickup_only")
    pickup = await relay.create_order("pickup")
    await refused(relay, pickup, {"kind": "issue_pickup_code"}, pc, "code_before_ready")
    await refused(relay, pickup, {"kind": "verify_pickup_code", "code": "1234"}, pc, "code_not_issued")
    await refused(relay, pickup, {"kind": "hand_over"}, pc, "wrong_state")
    await relay.ok(pickup, {"kind": "start_assembly"}, pc)
    await relay.ok(pickup, AS_ORDERED, pc)
    await relay.ok(pickup, {"kind": "ready"}, pc)
    await refused(relay, pickup, {"kind": "issue_pickup_code"}, pc, "code_already_issued")


async def test_manual_pickup_code_is_unique_among_waiting_orders(
    relay_factory: RelayFactory, database_url: str
) -> None:
    stores = config_data(database_url)["stores"]
    stores[0]["rules"] = {"issue_code_on_ready": False}
    relay = await relay_factory(stores=stores)
    pc = await relay.device()
    codes = []
    for _ in range(3):
        number = await relay.create_order("pickup", new_uuid())
        await relay.ok(number, {"kind": "start_assembly"}, pc)
        await relay.ok(number, AS_ORDERED, pc)
        assert (await relay.ok(number, {"kind": "ready"}, pc))["order"]["state"] == "ready_to_ship"
        assert (await relay.ok(number, {"kind": "issue_pickup_code"}, pc))["order"]["state"] == "awaiting_pickup"
        codes.append(await relay.code_for_kuper(number))
        assert await pickup_code_digest(relay, number) == pickup_code_digest_of(codes[-1], relay.state.pickup_key)
    assert len(set(codes)) == 3


async def test_cancel_by_the_pharmacy_and_after_the_goods_left(relay: Relay) -> None:
    pc = await relay.device()
    number = await relay.create_order()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    body = await relay.ok(number, {"kind": "cancel", "reason": "out_of_stock", "description": "Нет на складе"}, pc)
    assert body["order"]["state"] == "canceled"
    canceled = json.loads((await relay.outbox_rows())[-1]["body"])
    assert canceled["payload"]["cancellation"] == {"slug": "out_of_stock", "description": "Нет на складе"}
    assert relay.stock.calls[-1][2] == "release"
    await refused(relay, number, {"kind": "start_assembly"}, pc, "order_canceled")

    uid = new_uuid()
    gone = await relay.create_order("delivery", uid)
    await relay.ok(gone, {"kind": "start_assembly"}, pc)
    await relay.ok(gone, AS_ORDERED, pc)
    await relay.ok(gone, {"kind": "ready"}, pc)
    await relay.post_webhook(webhook("order_paid", uid))
    await relay.post_webhook(webhook("order_received", uid))
    await refused(relay, gone, {"kind": "cancel", "reason": "customer_request"}, pc, "goods_left")


# --- marking codes -----------------------------------------------------------------------------


async def test_marking_code_given_in_another_order_is_refused_until_released(relay: Relay) -> None:
    pc = await relay.device()
    first, second = await relay.create_order(), await relay.create_order()
    await relay.ok(first, {"kind": "start_assembly"}, pc)
    await relay.ok(first, assembled_with(MARK_A, MARK_B), pc)
    await relay.ok(second, {"kind": "start_assembly"}, pc)
    await refused(relay, second, assembled_with(MARK_C, MARK_A), pc, "marking_in_other_order")
    async with relay.state.engine.connect() as conn:
        held = sorted((await conn.execute(select(marking_codes.c.code))).scalars())
    assert held == sorted([MARK_A, MARK_B])
    await relay.ok(first, {"kind": "cancel", "reason": "customer_request"}, pc)
    await relay.ok(second, assembled_with(MARK_C, MARK_A), pc)
    async with relay.state.engine.connect() as conn:
        held = sorted((await conn.execute(select(marking_codes.c.code))).scalars())
    assert held == sorted([MARK_A, MARK_C])


# --- versions, idempotency, auth ---------------------------------------------------------------


async def test_stale_version_is_409_with_the_current_order(relay: Relay) -> None:
    number = await relay.create_order()
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    response = await relay.act(number, AS_ORDERED, pc, version=1)
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "stale_version" and body["order"]["version"] == 2 and body["message"]
    assert [r["event_type"] for r in await relay.outbox_rows()] == ["order.in_work"]


async def test_retried_idempotency_key_is_applied_once(relay: Relay) -> None:
    number = await relay.create_order()
    pc = await relay.device()
    first = await relay.act(number, {"kind": "start_assembly"}, pc, version=1, key="k-1")
    again = await relay.act(number, {"kind": "start_assembly"}, pc, version=1, key="k-1")
    both = await asyncio.gather(*(relay.act(number, AS_ORDERED, pc, version=2, key="k-2") for _ in range(3)))
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert {r.status_code for r in both} == {200} and len({r.text for r in both}) == 1
    assert [r["event_type"] for r in await relay.outbox_rows()] == ["order.in_work", "order.assembled"]
    assert len((await relay.order(number, pc))["history"]["actions"]) == 2


async def test_unknown_order_is_404(relay: Relay) -> None:
    pc = await relay.device()
    response = await relay.act("A12-999999", {"kind": "start_assembly"}, pc, version=1)
    assert response.status_code == 404 and response.json()["code"] == "order_not_found"
    assert (await relay.client.get(f"/stores/{STORE}/orders/A12-999999", headers=pc)).status_code == 404


async def test_malformed_action_is_400(relay: Relay) -> None:
    number = await relay.create_order()
    pc = await relay.device()
    url = f"/stores/{STORE}/orders/{number}/actions"
    for body in (
        {"action": {"kind": "start_assembly"}, "idempotency_key": "k"},
        {"action": {"kind": "fly"}, "expected_version": 1, "idempotency_key": "k"},
        {"action": {"kind": "cancel", "reason": "bored"}, "expected_version": 1, "idempotency_key": "k"},
    ):
        response = await relay.client.post(url, json=body, headers=pc)
        assert response.status_code == 400 and response.json()["code"] == "invalid_request"


async def test_device_auth(relay: Relay) -> None:
    number = await relay.create_order()
    pc = await relay.device()
    other = await relay.device(OTHER_STORE, "Касса аптеки 7")
    url = f"/stores/{STORE}/orders"
    assert (await relay.client.get(url)).status_code == 401
    assert (await relay.client.get(url, headers={"Authorization": "Bearer nope"})).status_code == 401
    forbidden = await relay.client.get(url, headers=other)
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "other_store"
    assert (await relay.act(number, {"kind": "start_assembly"}, other, version=1)).status_code == 403
    assert (await relay.client.get(url, headers=pc)).status_code == 200
    device = (await list_devices(relay.state.engine, STORE))[0]
    await revoke_device(relay.state.engine, device.id)
    response = await relay.client.get(url, headers=pc)
    assert response.status_code == 401 and response.headers["WWW-Authenticate"] == "Bearer"


async def test_order_list_and_filters(relay: Relay) -> None:
    pc = await relay.device()
    first, second, third = await relay.create_order(), await relay.create_order("pickup"), await relay.create_order()
    await relay.ok(second, {"kind": "start_assembly"}, pc)
    await relay.ok(third, {"kind": "cancel", "reason": "store_closed"}, pc)
    listed = (await relay.client.get(f"/stores/{STORE}/orders", headers=pc)).json()["orders"]
    assert [o["number"] for o in listed] == [first, second]
    summary = listed[1]
    assert summary["state"] == "collecting" and summary["state_label"] == "Собирается"
    assert summary["flow"] == "pickup" and summary["pack_count"] == 2
    assert summary["totals"] == {"total_price": "379.98", "discount_total_price": "379.98"}
    assert summary["assembler"]["device_name"] == "Касса 1" and summary["kuper_id"].startswith("retailer-slug:")
    collecting = (await relay.client.get(f"/stores/{STORE}/orders?state=collecting", headers=pc)).json()["orders"]
    assert [o["number"] for o in collecting] == [second]
    everything = await relay.client.get(f"/stores/{STORE}/orders?include_closed=true", headers=pc)
    assert [o["number"] for o in everything.json()["orders"]] == [first, second, third]


async def test_failed_notification_can_be_retried(relay: Relay) -> None:
    number = await relay.create_order()
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    row_id = (await relay.outbox_rows())[0]["id"]
    url = f"/stores/{STORE}/outbox/{row_id}/retry"
    assert (await relay.client.post(url, headers=pc)).status_code == 409
    async with relay.state.engine.begin() as conn:
        await conn.execute(
            update(outbox)
            .where(outbox.c.id == row_id)
            .values(status="failed", attempts=1, last_status_code=422, last_error='{"error": "bad"}')
        )
    other = await relay.device(OTHER_STORE)
    assert (await relay.client.post(f"/stores/{OTHER_STORE}/outbox/{row_id}/retry", headers=other)).status_code == 404
    response = await relay.client.post(url, headers=pc)
    assert response.status_code == 200
    assert response.json()["status"] == "pending" and response.json()["last_error"] == '{"error": "bad"}'
    assert (await relay.client.post(f"/stores/{STORE}/outbox/999999/retry", headers=pc)).status_code == 404
    history = (await relay.order(number, pc))["history"]["notifications"]
    assert history[0]["status"] == "pending" and history[0]["attempts"] == 1
    notes = [json.loads(e["payload"]) for e in await relay.events() if e["kind"] == "notification"]
    assert notes[-1]["outbox_id"] == row_id and notes[-1]["status"] == "pending"


async def test_openapi_describes_the_api(relay: Relay) -> None:
    spec = (await relay.client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path in (
        "/kuper/webhooks",
        "/kuper/webhooks/{store_key}",
        "/stores/{store}/events",
        "/stores/{store}/orders",
        "/stores/{store}/orders/{number}",
        "/stores/{store}/orders/{number}/actions",
        "/stores/{store}/outbox/{outbox_id}/retry",
    ):
        assert path in paths, path
    schemas = spec["components"]["schemas"]
    for name in ("ActionRequest", "ActionAccepted", "Refused", "Conflict", "OrderDetail", "OrderSummary", "Cancel"):
        assert name in schemas, name
    actions = paths["/stores/{store}/orders/{number}/actions"]["post"]
    assert {"200", "409", "422"} <= set(actions["responses"])
