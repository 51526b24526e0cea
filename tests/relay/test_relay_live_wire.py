"""The relay on Kuper's live wire: the payload shapes code that ran against Kuper sends, each answered
200 and applied exactly once; Kuper's real answers (422 after a lost answer, 405); three stores and an
event before its order; ``expectedAssemblyTime``.

Notifications go to the simulator's fake Kuper (strict, over real HTTP on 127.0.0.1) in the nested
format with Kuper's live answers.
"""

from __future__ import annotations

import asyncio
import copy
import time
from collections.abc import AsyncIterator, Callable
from datetime import datetime
from typing import Any

import pytest
from sqlalchemy import select

from pharmacy_desk.kuper.notifications import PickupCodePayload
from pharmacy_desk.kuper.vocabulary import NotificationFormat
from pharmacy_desk.kuper.webhooks import OrderCreatedPayload
from pharmacy_desk.relay.intake.reconcile import synthetic_events
from pharmacy_desk.relay.storage.schema import orders
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from tests.relay.relay_support import STORE, Relay, RelayFactory, new_uuid, webhook
from tests.support import eventually

ORIGINAL = "H70000000001"


async def _outbox_when(
    relay: Relay, done: Callable[[list[dict[str, Any]]], bool], timeout: float = 30.0
) -> list[dict[str, Any]]:
    """The relay's outbox rows once ``done`` says so (a deadline poll)."""
    deadline = time.monotonic() + timeout
    while True:
        rows = await relay.outbox_rows()
        if done(rows):
            return rows
        if time.monotonic() > deadline:
            raise AssertionError(f"outbox after {timeout} s: {rows}")
        await asyncio.sleep(0.05)


def _nested(flat: dict[str, Any]) -> dict[str, Any]:
    """The same webhook in the live envelope."""
    return {"event": {"type": flat["event_type"], "payload": flat["payload"]}}


def _live_order(order_uuid: str | None, original: str = ORIGINAL, **payload: Any) -> dict[str, Any]:
    """An order.created as the live sources show a Kuper order: every field they name."""
    body = webhook("order_created_delivery", order_uuid)
    p = body["payload"]
    if order_uuid is None:
        del p["orderUUID"]
    p["originalOrderId"] = original
    p.update(
        {
            "storeImportKey": None,
            "clientType": "b2c",
            "cancellationReason": None,
            "completeBefore": "2026-11-22T14:40:00+03:00",
            "paymentMethods": ["card_online"],
            "deliveryCost": "0",
            "bonusCard": None,
            "extensions": {"cutlery_quantity": 0},
            "customer": {"key": "c-1", "name": "Анна", "phone": 79990001122, "short_number": "4821", "email": None},
            "address": {
                "full_address": "Москва, ул. Ленина, 1",
                "apartment": 5,
                "entrance": "2",
                "floor": 3,
                "door_phone": "5К",
                "elevator": None,
                "delivery_to_door": True,
                "lat": "55.7",
                "lon": "37.6",
            },
            "delivery": {"expectedFrom": "2026-11-22T14:00:00+03:00", "expectedTo": None, "isPlanned": False},
        }
    )
    position = p["positions"][0]
    position.update(
        {
            "quantity": 2.0,
            "originalQuantity": "2",
            "weight": 120,
            "state": "pending",
            "replacedByID": None,
            "isCombo": False,
            "modifiers": [],
            "extensions": {"meta": None, "fiscalDataSku": "100234"},
            "markingCode": ["010460714356059821FGXEAGA5A1GAH"],
        }
    )
    p.update(payload)
    return body


async def _order(relay: Relay, number: str, store: str = STORE) -> dict[str, Any]:
    device = await relay.device(store)
    order: dict[str, Any] = (await relay.order(number, device, store))["order"]
    return order


# --- tolerant intake -----------------------------------------------------------------------------


async def test_the_full_live_order_is_taken_with_what_the_desk_needs(relay: Relay) -> None:
    response = await relay.post_webhook(_live_order(new_uuid()))
    assert response.status_code == 200, response.text
    order = await _order(relay, response.json()["number"])
    assert order["original_order_id"] == ORIGINAL
    assert order["customer"] == {"name": "Анна", "phone": "79990001122", "short_number": "4821", "email": None}
    assert order["address"] == "Москва, ул. Ленина, 1, кв. 5, подъезд 2, этаж 3, домофон 5К, до двери"
    assert datetime.fromisoformat(order["due_to"]) == datetime.fromisoformat("2026-11-22T14:40:00+03:00")
    assert [(line["sku"], line["quantity"]) for line in order["ordered"]] == [("100234", 2)]
    assert order["anomalies"] == []


async def test_an_order_known_by_original_order_id_alone(relay: Relay) -> None:
    created = await relay.post_webhook(_live_order(None, "H70000000002"))
    assert created.status_code == 200, created.text
    number = created.json()["number"]
    paid = webhook("order_paid", None)
    paid["payload"] = {"originalOrderId": "H70000000002", "total": {"totalPrice": "379.98"}}
    assert (await relay.post_webhook(paid)).status_code == 200
    order = await _order(relay, number)
    assert order["kuper_id"] == "H70000000002" and order["payment"] is not None
    statuses = [row["status"] for row in await relay.webhook_rows()]
    assert statuses[0] == "processed" and statuses[1] in ("processed", "anomaly")  # found, not unknown_order


async def test_an_event_with_only_the_original_id_finds_an_order_created_with_both(relay: Relay) -> None:
    uid = new_uuid()
    number = (await relay.post_webhook(_live_order(uid, "H70000000003"))).json()["number"]
    canceled = {
        "event": {
            "type": "order.cancelled",
            "payload": {"order_id": "H70000000003", "cancellationReason": "Клиент передумал"},
        }
    }
    assert (await relay.post_webhook(canceled)).json() == {"status": "ok"}
    order = await _order(relay, number)
    assert order["state"] == "canceled"
    assert order["cancellation"]["description"] == "Клиент передумал"
    assert relay.stock.calls[-1] == (STORE, number, "release")


async def test_fractional_quantity_is_kept_and_flagged_never_refused(relay: Relay) -> None:
    body = _live_order(new_uuid())
    body["payload"]["positions"][0].update({"quantity": 0.5, "originalQuantity": 0.5, "markingCode": None})
    body["payload"]["total"] = {"totalPrice": "94.99", "discountTotalPrice": "94.99"}
    response = await relay.post_webhook(body)
    assert response.status_code == 200, response.text
    number = response.json()["number"]
    order = await _order(relay, number)
    assert order["ordered"][0]["quantity"] == 1  # rounded up: the pharmacist may give fewer
    assert "wire_remarks" in order["flags"]
    assert any("0.5" in anomaly["message"] for anomaly in order["anomalies"])
    alerts = [e for e in await relay.events() if e["kind"] == "alert" and "0.5" in e["payload"]]
    assert len(alerts) == 1
    assert [row["status"] for row in await relay.webhook_rows()] == ["anomaly"]


async def test_nulls_numbers_as_strings_and_codes_as_strings(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(
        stores=[{"key": STORE, "name": "Аптека", "number_prefix": "N-", "kuper_store_ids": ["4321"]}]
    )
    body = webhook("order_created_pickup", new_uuid())
    p = body["payload"]
    p.update({"storeID": 4321, "comment": None, "customer": None, "address": None, "delivery": None, "total": None})
    p["positions"][0].update({"id": 100234, "name": None, "price": 199.99, "markingCode": [{"value": "0104607"}]})
    response = await relay.post_webhook(body)
    assert response.status_code == 200, response.text
    assert response.json()["number"] == "N-000001"
    order = await _order(relay, "N-000001")
    assert order["ordered"][0]["sku"] == "100234" and order["comment"] is None


async def test_nested_envelope_and_both_spellings(relay: Relay) -> None:
    uid = new_uuid()
    response = await relay.post_webhook(_nested(webhook("order_created_delivery", uid)))
    assert response.status_code == 200, response.text
    number = response.json()["number"]
    changed = webhook("order_updated", uid)
    changed["event_type"] = "order.changed"
    assert (await relay.post_webhook(changed)).status_code == 200
    order = await _order(relay, number)
    assert order["version"] == 2
    statuses = [(row["event_type"], row["status"]) for row in await relay.webhook_rows()]
    assert statuses == [("order.created", "processed"), ("order.changed", "processed")]


async def test_the_same_event_with_a_new_timestamp_is_applied_once(relay: Relay) -> None:
    uid = new_uuid()
    number = await relay.create_order("delivery", uid)
    first = webhook("courier_assigned", uid)
    again = copy.deepcopy(first)
    again["timestamp"] = "2026-11-22T13:30:00+03:00"
    nested_again = _nested(again)
    answers = [(await relay.post_webhook(body)).status_code for body in (first, again, nested_again)]
    assert answers == [200, 200, 200]
    order = await _order(relay, number)
    assert order["version"] == 2  # one courier.assigned applied
    assert [row["event_type"] for row in await relay.webhook_rows()] == ["order.created", "courier.assigned"]


async def test_shipment_method_switch_before_and_after_ready(relay: Relay) -> None:
    early, late = new_uuid(), new_uuid()
    first = await relay.create_order("delivery", early)
    switch = webhook("order_updated", early, shipmentMethod="pickup")
    del switch["payload"]["positions"]
    assert (await relay.post_webhook(switch)).status_code == 200
    assert (await _order(relay, first))["flow"] == "pickup"

    second = await relay.create_order("delivery", late)
    device = await relay.device()
    await relay.ok(second, {"kind": "start_assembly"}, device)
    composition = [{"sku": "100234", "quantity": 2}]
    await relay.ok(second, {"kind": "assembled", "composition": composition}, device)
    await relay.ok(second, {"kind": "ready"}, device)
    refused = webhook("order_updated", late, shipmentMethod="pickup")
    del refused["payload"]["positions"]
    assert (await relay.post_webhook(refused)).status_code == 200
    order = await _order(relay, second)
    assert order["flow"] == "by_courier" and "flow_switch_refused" in order["flags"]
    alerts = [e["payload"] for e in await relay.events() if e["kind"] == "alert"]
    assert any("после готовности" in alert for alert in alerts)


async def test_kuper_side_substitution_is_applied(relay: Relay) -> None:
    uid = new_uuid()
    number = await relay.create_order("delivery", uid)
    update = webhook("order_updated", uid)
    update["payload"]["positions"] = [
        {"id": "100234", "quantity": 0, "originalQuantity": 2, "price": "199.99", "replacedByID": "100777"},
        {"id": "100777", "name": "Ибупрофен №20", "quantity": 2, "originalQuantity": 0, "price": "150.00"},
    ]
    assert (await relay.post_webhook(update)).status_code == 200
    lines = {line["sku"]: line for line in (await _order(relay, number))["ordered"]}
    assert lines["100234"]["quantity"] == 0 and lines["100234"]["ordered_quantity"] == 2
    assert lines["100777"]["replaces"] == "100234" and lines["100777"]["quantity"] == 2


# --- unknown orders, any number of stores --------------------------------------------------------


async def test_three_stores_courier_before_the_order_shows_once_it_arrives(relay_factory: RelayFactory) -> None:
    stores = [{"key": f"s{i}", "name": f"Аптека {i}", "number_prefix": f"S{i}-"} for i in (1, 2, 3)]
    relay = await relay_factory(stores=stores)
    uid = new_uuid()
    early = webhook("courier_assigned", uid)
    response = await relay.post_webhook(early)
    assert response.status_code == 200 and response.json() == {"status": "ok"}
    assert (await relay.post_webhook(early)).status_code == 200  # a redelivery: the same answer
    unknown = await relay.post_webhook(webhook("unknown_event", uid))
    assert unknown.status_code == 200
    created = await relay.post_webhook(webhook("order_created_delivery", uid, storeID="s2"))
    assert created.status_code == 200, created.text
    number = created.json()["number"]
    order = await _order(relay, number, store="s2")
    assert order["courier"]["name"]
    rows = {row["event_type"]: row for row in await relay.webhook_rows()}
    assert rows["courier.assigned"]["store"] == "s2"
    assert rows["courier.assigned"]["status"] == "processed"
    assert rows["order.rated"]["status"] == "anomaly"  # applied to its order: an anomaly there
    anonymous = await relay.post_webhook({"event": {"type": "store.ping", "payload": {}}})
    assert anonymous.status_code == 200
    assert (await relay.webhook_rows())[-1]["status"] == "unknown_type"
    nowhere = await relay.post_webhook(webhook("order_created_delivery", new_uuid(), storeID="nowhere"))
    assert nowhere.status_code == 503


# --- Kuper's answers ------------------------------------------------------------------------------


@pytest.fixture
async def live_kuper() -> AsyncIterator[tuple[KuperStub, str]]:
    stub = KuperStub(client_id="cid", client_secret="secret", notification_format=NotificationFormat.NESTED)
    stub.live_answers = True
    async with serve(stub.app) as url:
        yield stub, url


async def _live_relay(relay_factory: RelayFactory, url: str, **store: Any) -> Relay:
    kuper = {"base_url": url, "client_id": "cid", "client_secret": "secret", "notification_format": "nested"}
    stores = [{"key": STORE, "name": "Аптека", "number_prefix": "L-", **store}]
    return await relay_factory(kuper=kuper, stores=stores)


async def _known_order(stub: KuperStub, relay: Relay, uid: str, original: str) -> str:
    body = _live_order(uid, original)
    body["payload"]["positions"][0]["markingCode"] = None
    stub.expect_order(uid, original_order_id=original, store_id=STORE, shipment=body["payload"])
    return (await relay.post_webhook(body)).json()["number"]


async def test_a_lost_answer_then_422_is_done_after_the_state_check(
    relay_factory: RelayFactory, live_kuper: tuple[KuperStub, str]
) -> None:
    stub, url = live_kuper
    relay = await _live_relay(relay_factory, url)
    uid = new_uuid()
    number = await _known_order(stub, relay, uid, "H70000000010")
    stub.lose_answers(orders=[uid])
    await relay.ok(number, {"kind": "start_assembly"}, await relay.device())
    rows = await _outbox_when(relay, lambda rows: bool(rows) and rows[0]["status"] == "done")
    assert rows[0]["last_status_code"] == 422
    assert [a.status for a in stub.attempts_for(uid)] == [504, 422]
    assert stub.shipment(uid) is not None and stub.shipment(uid).state == "collecting"  # type: ignore[union-attr]
    wire = stub.received_for(uid)[0].wire
    assert wire is not None and wire.to_wire()["event"]["payload"]["order_id"] == "H70000000010"
    alerts = [e for e in await relay.events() if e["kind"] == "alert" and "405" in e["payload"]]
    assert alerts == []


async def test_405_fails_and_alerts_the_store_naming_the_switch(
    relay_factory: RelayFactory, live_kuper: tuple[KuperStub, str]
) -> None:
    stub, url = live_kuper
    relay = await _live_relay(relay_factory, url)
    uid = new_uuid()
    number = await _known_order(stub, relay, uid, "H70000000011")
    stub.refuse_events(STORE, "order.assembled")
    device = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, device)
    await relay.ok(number, {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}, device)
    rows = await _outbox_when(relay, lambda rows: len(rows) == 2 and rows[1]["status"] == "failed")
    assert rows[1]["last_status_code"] == 405
    assert "method_not_allowed" in rows[1]["last_error"] and "collecting" in rows[1]["last_error"]
    alerts = [e["payload"] for e in await relay.events() if e["kind"] == "alert" and "405" in e["payload"]]
    assert len(alerts) == 1 and "send_assembled" in alerts[0]


async def test_send_assembled_off_skips_it_and_send_accepted_goes_out_at_creation(
    relay_factory: RelayFactory, live_kuper: tuple[KuperStub, str]
) -> None:
    stub, url = live_kuper
    relay = await _live_relay(relay_factory, url, send_assembled=False, send_accepted=True)
    uid = new_uuid()
    number = await _known_order(stub, relay, uid, "H70000000012")
    device = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, device)
    await relay.ok(number, {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 1}]}, device)
    await relay.ok(number, {"kind": "ready", "packs": 2}, device)
    await _outbox_when(relay, lambda rows: len(rows) == 3 and all(r["status"] == "done" for r in rows))
    assert [r.event_type for r in stub.received_for(uid)] == [
        "order.accepted",
        "order.in_work",
        "order.ready_for_delivery",
    ]
    ready = stub.received_for(uid)[2].wire
    assert ready is not None
    order = ready.to_wire()["event"]["payload"]["order"]
    assert order["changed"] is True and order["packs"] == {"count": 2}
    assert order["originalOrderId"] == "H70000000012"


async def test_expected_assembly_time_is_bounded_and_grows_with_the_queue(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(kuper={"assembly_default_minutes": 15, "assembly_floor_minutes": 20})
    first = await relay.post_webhook(webhook("order_created_delivery", new_uuid()))
    second = await relay.post_webhook(webhook("order_created_delivery", new_uuid()))
    one, two = (
        datetime.fromisoformat(r.json()["expectedAssemblyTime"].replace("Z", "+00:00")) for r in (first, second)
    )
    minutes = (two - one).total_seconds() / 60
    assert 9.9 <= minutes <= 10.1  # the first: 15 minutes, raised to the floor (20); the second: 2 × 15


# --- pull reconciliation ----------------------------------------------------------------------------


async def _order_when(relay: Relay, uid: str, done: Callable[[dict[str, Any]], bool]) -> dict[str, Any]:
    """The relay's order ``uid`` (read from its table) once ``done`` says so."""
    deadline = time.monotonic() + 30.0
    device = await relay.device()
    while True:
        async with relay.state.engine.connect() as conn:
            number = (await conn.execute(select(orders.c.number).where(orders.c.kuper_id == uid))).scalar()
        if number is not None:
            order = (await relay.order(number, device))["order"]
            if done(order):
                return order
        if time.monotonic() > deadline:
            raise AssertionError(f"order {uid} not as expected after 30 s")
        await asyncio.sleep(0.05)


@pytest.mark.parametrize("notification_format", ["seeds", "nested"])
async def test_relay_down_during_created_and_canceled_then_reconciled(
    relay_factory: RelayFactory, notification_format: str
) -> None:
    stub = KuperStub(
        client_id="cid", client_secret="secret", notification_format=NotificationFormat(notification_format)
    )
    uid = new_uuid()
    body = webhook("order_created_delivery", uid)["payload"]
    body["cancellationReason"] = "Клиент передумал"
    stub.expect_order(uid, original_order_id="H70000000020", store_id=STORE, shipment=body)
    stub.set_state(uid, "canceled")  # Kuper sent order.created and order.canceled while the relay was down
    async with serve(stub.app) as url:
        kuper = {"base_url": url, "client_id": "cid", "client_secret": "secret", "reconcile_minutes": 0.005}
        kuper["notification_format"] = notification_format
        relay = await relay_factory(kuper=kuper, stores=[{"key": STORE, "name": "Аптека", "number_prefix": "R-"}])
        order = await _order_when(relay, uid, lambda order: order["state"] == "canceled")
        assert order["cancellation"]["description"] == "Клиент передумал"
        assert relay.stock.calls == [(STORE, order["number"], "reserve"), (STORE, order["number"], "release")]
        rows = await relay.webhook_rows()
        assert [(r["event_type"], r["status"]) for r in rows] == [
            ("order.created", "reconciled"),
            ("order.canceled", "reconciled"),
        ]
        history = await relay.client.get(f"/stores/{STORE}/orders/{order['number']}", headers=await relay.device())
        assert {hook["status"] for hook in history.json()["history"]["webhooks"]} == {"reconciled"}
        seen = len(stub.shipment_requests)
        deadline = time.monotonic() + 10
        while len(stub.shipment_requests) < seen + 2 and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert len(await relay.webhook_rows()) == 2  # later passes change nothing
        query = stub.shipment_requests[-1]
        assert query["filters[storeId]"] == STORE and query["maxPageSize"] == "50" and "filters[updatedFrom]" in query


async def _code_kuper_got(stub: KuperStub, uid: str) -> str:
    def sent() -> str | None:
        for received in stub.received_for(uid):
            payload = received.notification.payload
            if isinstance(payload, PickupCodePayload):
                return str(payload.pickup_code)
        return None

    await eventually(lambda: sent() is not None, what="the pickup code at Kuper")
    code = sent()
    assert code is not None
    return code


async def test_pull_mode_runs_the_whole_pickup_flow_without_a_webhook(relay_factory: RelayFactory) -> None:
    stub = KuperStub(client_id="cid", client_secret="secret", notification_format=NotificationFormat.NESTED)
    stub.live_answers = True
    uid = new_uuid()
    stub.expect_order(
        uid,
        original_order_id="H70000000030",
        store_id="kuper-4321",
        shipment=webhook("order_created_pickup", uid)["payload"],
    )
    async with serve(stub.app) as url:
        kuper: dict[str, Any] = {
            "base_url": url,
            "client_id": "cid",
            "client_secret": "secret",
            "notification_format": "nested",
        }
        kuper.update({"mode": "pull", "reconcile_minutes": 0.005, "reconcile_page_size": 1})
        store = {"key": STORE, "name": "Аптека", "number_prefix": "P-", "kuper_store_ids": ["kuper-4321"]}
        store["receipt_required"] = False  # the pharmacy fiscalizes outside: this test is about the pull
        relay = await relay_factory(kuper=kuper, stores=[store])
        order = await _order_when(relay, uid, lambda order: True)
        number, pc = order["number"], await relay.device()
        await relay.ok(number, {"kind": "start_assembly"}, pc)
        await relay.ok(number, {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}, pc)
        await relay.ok(number, {"kind": "ready"}, pc)
        code = await _code_kuper_got(stub, uid)  # the relay never shows it: the customer has it from Kuper
        await relay.ok(number, {"kind": "verify_pickup_code", "code": code}, pc)
        paid = {"kind": "hand_over", "payment": {"method": "cash", "amount": "379.98"}}
        assert (await relay.ok(number, paid, pc))["order"]["state"] == "shipped"
        await _outbox_when(relay, lambda rows: len(rows) == 5 and all(r["status"] == "done" for r in rows))
        got = [(r.event_type, r.number) for r in stub.received_for(uid)]
        assert [kind for kind, _ in got] == [
            "order.in_work",
            "order.assembled",
            "order.ready_for_delivery",
            "order.pickup_code_created",
            "order.delivered",
        ]
        assert {n for _, n in got} == {number}  # Kuper learns our number from the first notification
        pickup = stub.received_for(uid)[3].wire
        assert pickup is not None and pickup.to_wire()["event"]["payload"]["code"] == code
        assert stub.shipment(uid).state == "shipped"  # type: ignore[union-attr]
        assert [r["status"] for r in await relay.webhook_rows()] == ["reconciled"]


def test_synthetic_events_follow_kupers_state() -> None:
    raw = webhook("order_created_delivery", new_uuid())["payload"]
    listed = OrderCreatedPayload.model_validate({**raw, "state": "shipped"})
    assert synthetic_events(listed, {**raw, "state": "shipped"}, None) == []  # it left without us
    paid = {**raw, "state": "collecting", "paymentState": "paid"}
    kinds = [e["event_type"] for e in synthetic_events(OrderCreatedPayload.model_validate(paid), paid, None)]
    assert kinds == ["order.created", "order.paid"]
    created = synthetic_events(OrderCreatedPayload.model_validate(paid), paid, None)[0]
    assert "state" not in created["payload"] and "paymentState" not in created["payload"]
