"""Kuper's webhooks over real HTTP: stored before the answer, deduplicated, applied through the domain."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from tests.relay.relay_support import (
    OTHER_STORE,
    SEVEN_TOKEN,
    STORE,
    WEBHOOK_FIXTURES,
    RecordingStock,
    Relay,
    RelayFactory,
    basic_headers,
    new_uuid,
    token_headers,
    webhook,
)
from tests.support import eventually


async def test_order_created_is_answered_with_our_number(relay: Relay) -> None:
    response = await relay.post_webhook(webhook("order_created_delivery", new_uuid()))
    assert response.status_code == 200
    answer = response.json()
    assert answer.pop("expectedAssemblyTime")  # see tests/relay/test_relay_live_wire.py
    assert answer == {"status": "created", "number": "A12-000001"}
    rows = await relay.webhook_rows()
    assert [(r["store"], r["event_type"], r["status"]) for r in rows] == [(STORE, "order.created", "processed")]
    assert json.loads(rows[0]["body"])["payload"]["storeID"] == STORE
    assert "kuper-client-token-value" not in rows[0]["headers"]
    second = await relay.create_order("pickup")
    assert second == "A12-000002"
    assert relay.stock.calls == [(STORE, "A12-000001", "reserve"), (STORE, "A12-000002", "reserve")]


async def test_numbers_are_per_store(relay: Relay) -> None:
    assert await relay.create_order() == "A12-000001"
    response = await relay.post_webhook(
        webhook("order_created_pickup", new_uuid(), storeID="apteka-7-import"), headers={"Client-Token": SEVEN_TOKEN}
    )
    assert response.json()["number"] == "A7-000001"
    assert await relay.create_order() == "A12-000002"


@pytest.mark.parametrize("name", [n for n in WEBHOOK_FIXTURES if not n.startswith("order_created")])
async def test_every_fixture_webhook_is_stored_and_answered_200(relay: Relay, name: str) -> None:
    uid = new_uuid()
    await relay.create_order("delivery", uid)
    response = await relay.post_webhook(webhook(name, uid))
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    rows = await relay.webhook_rows()
    assert rows[-1]["event_type"] == webhook(name)["event_type"]
    assert rows[-1]["status"] in ("processed", "anomaly", "unknown_type")
    assert rows[-1]["order_uuid"] == uid


async def test_delivery_flow_webhooks_in_order_change_the_order(relay: Relay) -> None:
    uid = new_uuid()
    number = await relay.create_order("delivery", uid)
    device = await relay.device()
    for name in ("courier_assigned", "courier_arrived"):
        assert (await relay.post_webhook(webhook(name, uid))).status_code == 200
    order = (await relay.order(number, device))["order"]
    assert order["courier"]["name"] == "Иван"
    assert order["courier_arrived_at"] is not None
    await relay.ok(number, {"kind": "start_assembly"}, device)
    await relay.ok(number, {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}, device)
    await relay.ok(number, {"kind": "ready"}, device)
    for name in ("order_paid", "order_received", "order_delivering", "order_delivered"):
        assert (await relay.post_webhook(webhook(name, uid))).status_code == 200
    detail = await relay.order(number, device)
    assert detail["order"]["state"] == "shipped"
    statuses = [(w["event_type"], w["status"]) for w in detail["history"]["webhooks"]]
    assert statuses == [
        ("order.created", "processed"),
        ("courier.assigned", "processed"),
        ("courier.arrived", "processed"),
        ("order.paid", "processed"),
        ("order.received", "processed"),
        ("order.delivering", "processed"),
        ("order.delivered", "processed"),
    ]
    kinds = [e["kind"] for e in await relay.events()]
    assert kinds.count("alert") >= 2  # new order, courier arrived


async def test_kuper_cancellation_releases_the_reservation(relay: Relay) -> None:
    uid = new_uuid()
    number = await relay.create_order("delivery", uid)
    assert (await relay.post_webhook(webhook("order_canceled", uid))).status_code == 200
    device = await relay.device()
    order = (await relay.order(number, device))["order"]
    assert order["state"] == "canceled"
    assert order["cancellation"]["slug"] == "customer_request"
    assert relay.stock.calls[-1] == (STORE, number, "release")


async def test_order_updated_before_assembly_changes_the_composition(relay: Relay) -> None:
    uid = new_uuid()
    number = await relay.create_order("delivery", uid)
    assert (await relay.post_webhook(webhook("order_updated", uid))).status_code == 200
    device = await relay.device()
    order = (await relay.order(number, device))["order"]
    assert order["ordered"][0]["quantity"] == 1
    assert relay.stock.calls[-1] == (STORE, number, "adjust")


async def test_redelivered_webhook_has_its_effect_once(relay: Relay) -> None:
    uid = new_uuid()
    body = webhook("order_created_delivery", uid)
    first = await relay.post_webhook(body)
    again = await relay.post_webhook(body)
    assert again.status_code == 200 and again.json() == first.json()
    arrived = webhook("courier_arrived", uid)
    await relay.post_webhook(webhook("courier_assigned", uid))
    for _ in range(3):
        assert (await relay.post_webhook(arrived)).json() == {"status": "ok"}
    rows = await relay.webhook_rows()
    assert [r["event_type"] for r in rows] == ["order.created", "courier.assigned", "courier.arrived"]
    alerts = [e for e in await relay.events() if e["kind"] == "alert"]
    assert len(alerts) == 2  # new order + courier arrived, once
    assert relay.stock.calls == [(STORE, "A12-000001", "reserve")]


async def test_order_created_again_with_another_body_gets_the_same_number(relay: Relay) -> None:
    uid = new_uuid()
    number = await relay.create_order("delivery", uid)
    changed = webhook("order_created_delivery", uid, comment="другой комментарий")
    response = await relay.post_webhook(changed)
    assert {key: response.json()[key] for key in ("status", "number")} == {"status": "created", "number": number}
    rows = await relay.webhook_rows()
    assert [r["status"] for r in rows] == ["processed", "duplicate"]
    device = await relay.device()
    order = (await relay.order(number, device))["order"]
    assert order["version"] == 1 and order["comment"] == "Позвоните за 10 минут"


async def test_concurrent_redeliveries_give_one_order_and_one_number(relay: Relay) -> None:
    uid = new_uuid()
    same = webhook("order_created_delivery", uid)
    variants = [webhook("order_created_delivery", uid, comment=f"вариант {i}") for i in range(3)]
    responses = await asyncio.gather(*(relay.post_webhook(b) for b in [same] * 5 + variants))
    assert {r.status_code for r in responses} == {200}
    assert {r.json()["number"] for r in responses} == {"A12-000001"}
    device = await relay.device()
    orders = (await relay.client.get(f"/stores/{STORE}/orders", headers=device)).json()["orders"]
    assert [o["number"] for o in orders] == ["A12-000001"]
    statuses = sorted(r["status"] for r in await relay.webhook_rows())
    assert statuses == ["duplicate"] * 3 + ["processed"]


async def test_a_burst_of_orders_gets_consecutive_numbers_each_stored_once(relay: Relay) -> None:
    """Webhooks arriving together share transactions (group commit): each still gets its own answer."""
    uids = [new_uuid() for _ in range(30)]
    bodies = [webhook("order_created_delivery", uid) for uid in uids]
    events = [webhook("courier_arrived", uid) for uid in uids[:10]]  # applied in the same bursts
    responses = await asyncio.gather(*(relay.post_webhook(b, store=STORE) for b in bodies + events))
    assert {r.status_code for r in responses} == {200}
    numbers = [r.json()["number"] for r in responses[: len(bodies)]]
    assert sorted(numbers) == [f"A12-{i:06d}" for i in range(1, 31)]
    again = await asyncio.gather(*(relay.post_webhook(b) for b in bodies))  # redeliveries: the same numbers
    assert [r.json()["number"] for r in again] == numbers
    rows = await relay.webhook_rows()
    assert len(rows) == 40


async def test_idempotency_header_with_the_same_body_is_a_redelivery(relay: Relay) -> None:
    uid = new_uuid()
    await relay.create_order("delivery", uid)
    first = webhook("courier_assigned", uid)
    headers = {**token_headers(), "Idempotency-Key": "delivery-42"}
    assert (await relay.post_webhook(first, headers=headers)).status_code == 200
    assert (await relay.post_webhook(first, headers=headers)).status_code == 200
    rows = await relay.webhook_rows()
    assert [r["event_type"] for r in rows] == ["order.created", "courier.assigned"]


@pytest.mark.parametrize("header", ["Idempotency-Key", "X-Request-Id"])
async def test_a_reused_idempotency_header_with_another_body_is_a_new_webhook(relay: Relay, header: str) -> None:
    headers = {**token_headers(), header: "req-7"}
    first_uid, second_uid = new_uuid(), new_uuid()
    first = await relay.post_webhook(webhook("order_created_delivery", first_uid), headers=headers)
    second = await relay.post_webhook(webhook("order_created_pickup", second_uid), headers=headers)
    assert first.status_code == second.status_code == 200
    assert first.json()["number"] != second.json()["number"]  # the second order is not dropped
    pc = await relay.device()
    order = (await relay.order(second.json()["number"], pc))["order"]
    assert order["kuper_id"] == second_uid and order["flow"] == "pickup"
    rows = await relay.webhook_rows()
    assert [(r["order_uuid"], r["status"]) for r in rows] == [(first_uid, "processed"), (second_uid, "processed")]
    assert rows[1]["request_key"] is None and "req-7" in rows[1]["note"]
    alerts = [json.loads(e["payload"])["message"] for e in await relay.events() if e["kind"] == "alert"]
    assert any("req-7" in a and "другим содержимым" in a for a in alerts), alerts
    # the first body under that key is still a redelivery, the second one too (by its body)
    again = await relay.post_webhook(webhook("order_created_delivery", first_uid), headers=headers)
    assert again.json()["number"] == first.json()["number"]
    again = await relay.post_webhook(webhook("order_created_pickup", second_uid), headers=headers)
    assert again.json()["number"] == second.json()["number"]
    assert len(await relay.webhook_rows()) == 2
    # an event with the reused key is applied, not answered with the order.created answer
    courier = await relay.post_webhook(webhook("courier_assigned", first_uid), headers=headers)
    assert courier.status_code == 200 and courier.json() == {"status": "ok"}
    assert [r["event_type"] for r in await relay.webhook_rows()][-1] == "courier.assigned"


async def test_out_of_order_events_are_kept_and_applied_when_the_order_comes(relay: Relay) -> None:
    uid = new_uuid()
    # Two stores are configured and only orderUUID is sent: the URL names the store.
    early = await relay.post_webhook(webhook("courier_assigned", uid), store=STORE)
    assert early.status_code == 200 and early.json() == {"status": "ok"}
    rows = await relay.webhook_rows()
    assert rows[0]["status"] == "unknown_order"
    alerts = [json.loads(e["payload"]) for e in await relay.events() if e["kind"] == "alert"]
    assert "неизвестного заказа" in alerts[0]["message"]
    device = await relay.device()
    listed = await relay.client.get(f"/stores/{STORE}/webhooks?status=unknown_order", headers=device)
    assert [w["order_uuid"] for w in listed.json()] == [uid]
    number = await relay.create_order("delivery", uid)
    order = (await relay.order(number, device))["order"]
    assert order["courier"]["name"] == "Иван"
    rows = await relay.webhook_rows()
    assert rows[0]["status"] == "processed" and "applied after order.created" in rows[0]["note"]


async def test_kuper_running_ahead_is_an_anomaly_not_an_error(relay: Relay) -> None:
    uid = new_uuid()
    number = await relay.create_order("delivery", uid)
    response = await relay.post_webhook(webhook("order_delivered", uid))
    assert response.status_code == 200
    rows = await relay.webhook_rows()
    assert rows[-1]["status"] == "anomaly" and rows[-1]["note"]
    device = await relay.device()
    order = (await relay.order(number, device))["order"]
    assert order["state"] == "new" and order["anomalies"]


async def test_unknown_event_type_is_stored_and_answered_200(relay: Relay) -> None:
    uid = new_uuid()
    await relay.create_order("delivery", uid)
    response = await relay.post_webhook(webhook("unknown_event", uid))
    assert response.status_code == 200
    orphan = await relay.post_webhook({"event_type": "store.closed", "payload": {"storeID": STORE}})
    assert orphan.status_code == 200
    rows = await relay.webhook_rows()
    assert [(r["event_type"], r["status"]) for r in rows[1:]] == [
        ("order.rated", "unknown_type"),
        ("store.closed", "unknown_type"),
    ]


# --- what is refused before anything is stored -------------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Client-Token": "wrong"},
        basic_headers(password="wrong"),
        basic_headers(user="someone"),
        {"Authorization": "Basic !!!not-base64"},
        {"Authorization": "Bearer kuper-client-token-value"},
        {"Client-Token": SEVEN_TOKEN},  # store 7's own token is not valid for store 12
    ],
    ids=["none", "wrong-token", "wrong-password", "wrong-user", "garbage-basic", "bearer", "other-store-token"],
)
async def test_wrong_credentials_get_401_and_nothing_is_stored(relay: Relay, headers: dict[str, str]) -> None:
    response = await relay.post_webhook(webhook("order_created_delivery", new_uuid()), headers=headers)
    assert response.status_code == 401
    assert response.content == b""
    assert await relay.webhook_rows() == []


async def test_both_credential_kinds_pass_and_header_case_does_not_matter(relay: Relay) -> None:
    assert (
        await relay.post_webhook(webhook("order_created_delivery", new_uuid()), headers=basic_headers())
    ).status_code == 200
    lower = {"client-token": "kuper-client-token-value"}
    assert (await relay.post_webhook(webhook("order_created_delivery", new_uuid()), headers=lower)).status_code == 200


async def test_store_credentials_only_open_their_store(relay: Relay) -> None:
    seven = {"Client-Token": SEVEN_TOKEN}
    ok = await relay.post_webhook(webhook("order_created_pickup", new_uuid()), store=OTHER_STORE, headers=seven)
    assert ok.status_code == 200
    assert (await relay.post_webhook(webhook("order_created_pickup", new_uuid()), store=OTHER_STORE)).status_code == 401
    pathless = await relay.post_webhook(webhook("order_created_pickup", new_uuid(), storeID=STORE), headers=seven)
    assert pathless.status_code == 401
    assert len(await relay.webhook_rows()) == 1


async def test_unknown_store_in_the_url_is_404(relay: Relay) -> None:
    response = await relay.post_webhook(webhook("order_created_delivery", new_uuid()), store="apteka-99")
    assert response.status_code == 404
    assert await relay.webhook_rows() == []


async def test_oversize_body_is_413_by_content_length(relay: Relay) -> None:
    big = webhook("order_created_delivery", new_uuid(), comment="я" * (600 * 1024))
    response = await relay.post_webhook(big)
    assert response.status_code == 413
    assert await relay.webhook_rows() == []


async def test_oversize_chunked_body_is_cut_while_reading(relay: Relay) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b'{"event_type": "order.created", "payload": {"comment": "'
        for _ in range(40):
            yield b"x" * 32 * 1024
        yield b'"}}'

    response = await relay.client.post("/kuper/webhooks", content=chunks(), headers=token_headers())
    assert response.status_code == 413
    assert await relay.webhook_rows() == []


async def test_a_body_just_under_the_limit_is_accepted(relay: Relay) -> None:
    body = webhook("order_created_delivery", new_uuid(), comment="")
    size = len(json.dumps(body, ensure_ascii=False).encode())
    body["payload"]["comment"] = "x" * (1024 * 1024 - size)
    response = await relay.post_webhook(body)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize("body", [b"", b"not json", b'{"event_type": ', "{}".encode("utf-16")])
async def test_not_json_is_400_and_not_stored(relay: Relay, body: bytes) -> None:
    response = await relay.post_webhook(body)
    assert response.status_code == 400
    assert response.json()["error"] == "not_json"
    assert await relay.webhook_rows() == []


@pytest.mark.parametrize(
    "body",
    [
        {"payload": {"orderUUID": "x"}},
        {"event_type": "order.paid"},
        {"event_type": "order.paid", "payload": {}},
        {"event_type": "order.created", "payload": {"orderUUID": "x", "positions": [{"id": "1", "price": "abc"}]}},
        ["order.created"],
    ],
    ids=["no-event-type", "no-payload", "no-order-uuid", "bad-money", "array"],
)
async def test_json_that_is_not_a_webhook_is_stored_as_invalid_and_answered_400(relay: Relay, body: object) -> None:
    content = json.dumps(body).encode()
    response = await relay.post_webhook(content)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_webhook" and response.json()["message"]
    again = await relay.post_webhook(content)
    assert again.status_code == 400 and again.json() == response.json()
    rows = await relay.webhook_rows()
    assert len(rows) == 1 and rows[0]["status"] == "invalid" and rows[0]["body"] == content.decode()


async def test_no_store_fits_is_kept_and_answered_503_until_configured(relay_factory: RelayFactory) -> None:
    relay = await relay_factory()
    body = webhook("order_created_delivery", new_uuid(), storeID="apteka-404")
    first = await relay.post_webhook(body)
    assert first.status_code == 503 and first.headers["Retry-After"]
    second = await relay.post_webhook(body)
    assert second.status_code == 503
    rows = await relay.webhook_rows()
    assert [r["status"] for r in rows] == ["unknown_store", "unknown_store"]


async def test_store_is_found_from_the_payload_import_key_and_the_order(relay: Relay) -> None:
    uid = new_uuid()
    seven = {"Client-Token": SEVEN_TOKEN}
    created = webhook("order_created_pickup", uid)
    del created["payload"]["storeID"]
    created["payload"]["storeImportKey"] = "apteka-7-import"
    assert (await relay.post_webhook(created, headers=seven)).json()["number"] == "A7-000001"
    # Later events carry only orderUUID: the store is the order's.
    assert (await relay.post_webhook(webhook("order_canceled", uid), headers=seven)).status_code == 200
    rows = await relay.webhook_rows()
    assert [(r["store"], r["status"]) for r in rows] == [(OTHER_STORE, "processed"), (OTHER_STORE, "processed")]


async def test_stock_hook_within_budget_runs_before_the_answer(relay_factory: RelayFactory) -> None:
    stock = RecordingStock(delay=0.05)
    relay = await relay_factory(stock=stock, stock_budget_seconds=2)
    await relay.create_order()
    assert stock.calls == [(STORE, "A12-000001", "reserve")]


async def test_slow_stock_hook_does_not_delay_the_answer(relay_factory: RelayFactory) -> None:
    stock = RecordingStock(delay=0.5)
    relay = await relay_factory(stock=stock, stock_budget_seconds=0.05)
    await relay.create_order()
    assert stock.calls == []
    await eventually(lambda: stock.calls, timeout=5, what="the slow stock hook to be called")
    assert stock.calls == [(STORE, "A12-000001", "reserve")]
