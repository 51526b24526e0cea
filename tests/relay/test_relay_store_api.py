"""What the counter app asks the relay about its store, over real HTTP (device token, own store only).

Health, store info, the catalogue (GTINs, marking), batches to pick for an order, a pack's series,
marking codes held by other orders, the shared acknowledgement of a new order (stream event and
``acknowledged_by``, read by the desk's own bell).
"""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

import pytest
from httpx_sse import aconnect_sse

from pharmacy_desk import __version__
from pharmacy_desk.api.orders import OrderList
from pharmacy_desk.desk.order_book import OrderBook
from pharmacy_desk.desk.ringing import NewOrderBell
from pharmacy_desk.desk.stream import StreamEvent
from pharmacy_desk.inventory import FoundSeries, StockUnavailable
from pharmacy_desk.inventory.embedded import remember_pack_serials
from pharmacy_desk.inventory.errors import Operation, UnavailableKind
from tests.relay.relay_stock_support import NUROFEN, NUROFEN_GTIN, load, row, stores
from tests.relay.relay_support import MARK_A, MARK_B, OTHER_STORE, STORE, Relay, RelayFactory

SERIAL = "FGXEAGA5A1GAH"


async def _stocked(relay_factory: RelayFactory, **overrides: Any) -> Relay:
    relay = await relay_factory(configured_stock=True, **overrides)
    await load(
        relay,
        row("NF-LATE", 5, expiry=date(2099, 12, 31)),
        row("NF-EARLY", 1, expiry=date(2098, 1, 31)),
        row("NF-SHORT", 9, expiry=date.today()),  # expires today: never suggested
        row("LOOSE", 4, sku="200001"),  # no GTIN: not marked
    )
    return relay


async def test_health_needs_no_token(relay: Relay) -> None:
    response = await relay.client.get("/health")
    assert response.status_code == 200
    expected_events = "local" if relay.config.database_url.startswith("sqlite") else "listening"
    assert response.json() == {"status": "ok", "version": __version__, "events": expected_events}


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/stores/{s}"),
        ("GET", "/stores/{s}/catalogue?sku=100234"),
        ("GET", "/stores/{s}/orders/A12-000001/batches"),
        ("GET", "/stores/{s}/series?gtin=04600714356057&serial=X"),
        ("POST", "/stores/{s}/marking-codes/lookup"),
        ("POST", "/stores/{s}/orders/A12-000001/acknowledge"),
    ],
)
async def test_every_store_endpoint_wants_this_stores_token(relay: Relay, method: str, path: str) -> None:
    url = path.format(s=STORE)
    body = {"codes": ["x"]} if "lookup" in path else None
    assert (await relay.client.request(method, url, json=body)).status_code == 401
    other = await relay.device(OTHER_STORE)
    refused = await relay.client.request(method, url, json=body, headers=other)
    assert refused.status_code == 403 and refused.json()["code"] == "other_store"


async def test_store_info(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(stores=stores(min_shelf_life_days=30, out_of_stock="cancel"))
    pc = await relay.device()
    info = (await relay.client.get(f"/stores/{STORE}", headers=pc)).json()
    assert info == {
        "key": STORE,
        "name": "Аптека №12",
        "number_prefix": "A12-",
        "min_shelf_life_days": 30,
        "rules": {
            "accept_step": False,
            "issue_code_on_ready": True,
            "pickup": info["rules"]["pickup"],
            "receipt_required": True,  # stores[].receipt_required, on by default
            "courier_fiscal": "kuper",
        },
        "stock": "embedded",
        "out_of_stock": "cancel",
    }
    assert info["rules"]["pickup"]["max_attempts"] == 3
    missing = await relay.client.get("/stores/apteka-99", headers=pc)
    assert missing.status_code in (403, 404)


async def test_catalogue_gives_gtins_and_marking(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    pc = await relay.device()
    response = await relay.client.get(
        f"/stores/{STORE}/catalogue", params=[("sku", NUROFEN), ("sku", "200001"), ("sku", "999")], headers=pc
    )
    assert response.status_code == 200, response.text
    nurofen, loose, unknown = response.json()["items"]
    assert (nurofen["sku"], nurofen["gtins"], nurofen["marked"], nurofen["known"]) == (
        NUROFEN,
        [NUROFEN_GTIN],
        True,
        True,
    )
    assert (nurofen["quantity"], nurofen["available"]) == (15, 15)
    assert (loose["gtins"], loose["marked"], loose["known"]) == ([], False, True)
    assert (unknown["known"], unknown["name"], unknown["marked"]) == (False, "", False)
    assert (await relay.client.get(f"/stores/{STORE}/catalogue", headers=pc)).status_code == 400  # sku required


async def test_batches_of_an_order_reserved_first_then_fefo(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    number = await relay.create_order("delivery")  # 2 packs: the early one and one late
    pc = await relay.device()
    response = await relay.client.get(f"/stores/{STORE}/orders/{number}/batches", headers=pc)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["number"] == number and body["stock_problem"] is None
    assert body["earliest_expiry"] > date.today().isoformat()
    assert body["reservation"]["state"] == "reserved"
    (line,) = body["lines"]
    picks = [(p["batch"]["series"], p["batch"]["quantity"], p["reserved"]) for p in line["picks"]]
    assert picks == [("NF-EARLY", 1, True), ("NF-LATE", 1, True)]
    assert line["picks"][0]["batch"]["gtin"] == NUROFEN_GTIN and line["picks"][0]["batch"]["location"] == "А1"
    missing = await relay.client.get(f"/stores/{STORE}/orders/A12-999999/batches", headers=pc)
    assert missing.status_code == 404 and missing.json()["code"] == "order_not_found"


async def test_find_series_of_a_marked_pack(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    found = FoundSeries(gtin=NUROFEN_GTIN, serial=SERIAL, series="NF-EARLY", sku=NUROFEN)
    await remember_pack_serials(relay.state.engine, STORE, [found])
    pc = await relay.device()
    url = f"/stores/{STORE}/series"
    answer = await relay.client.get(url, params={"gtin": NUROFEN_GTIN[1:], "serial": SERIAL}, headers=pc)
    assert answer.status_code == 200, answer.text
    assert answer.json()["series"] == "NF-EARLY" and answer.json()["expiry"] == "2098-01-31"
    unknown = await relay.client.get(url, params={"gtin": NUROFEN_GTIN, "serial": "NOPE"}, headers=pc)
    assert unknown.status_code == 404 and unknown.json()["code"] == "series_not_found"
    bad = await relay.client.get(url, params={"gtin": "123", "serial": SERIAL}, headers=pc)
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_gtin"


async def test_a_store_without_stock_and_a_failing_source_answer_clearly(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(configured_stock=True, stores=stores(stock="none"))
    pc = await relay.device()
    none = await relay.client.get(f"/stores/{STORE}/catalogue?sku=1", headers=pc)
    assert none.status_code == 409 and none.json()["code"] == "no_stock_source"

    class Down:
        async def stock(self, *args: object) -> None:
            raise StockUnavailable(UnavailableKind.DOWN, Operation.STOCK, source="1С", detail="нет соединения")

        async def aclose(self) -> None: ...

    relay = await relay_factory(configured_stock=True, stock_source=Down())
    pc = await relay.device()
    down = await relay.client.get(f"/stores/{STORE}/catalogue?sku=1", headers=pc)
    assert down.status_code == 503 and down.json()["code"] == "stock_unavailable"
    assert down.json()["message"] == "Проверка остатков: ошибка — 1С недоступна (нет соединения)."


async def test_marking_codes_held_by_other_orders(relay: Relay) -> None:
    pc = await relay.device()
    first = await relay.create_order("pickup")
    second = await relay.create_order("pickup")
    await relay.ok(first, {"kind": "start_assembly"}, pc)
    assembled = {"kind": "assembled", "composition": [{"sku": NUROFEN, "quantity": 1, "marking_codes": [MARK_A]}]}
    await relay.ok(first, assembled, pc)

    url = f"/stores/{STORE}/marking-codes/lookup"
    answer = await relay.client.post(url, json={"codes": [MARK_A, MARK_B]}, headers=pc)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {MARK_A: first}
    mine = await relay.client.post(url, json={"codes": [MARK_A], "except_number": first}, headers=pc)
    assert mine.json() == {}
    await relay.ok(first, {"kind": "cancel", "reason": "customer_request"}, pc)  # gives its codes back
    assert (await relay.client.post(url, json={"codes": [MARK_A]}, headers=pc)).json() == {}
    assert second
    too_many = await relay.client.post(url, json={"codes": ["x"] * 1001}, headers=pc)
    assert too_many.status_code == 400


async def test_acknowledgement_is_shared_idempotent_and_rings_off_the_desks_bell(relay: Relay) -> None:
    number = await relay.create_order("delivery")
    first_pc = await relay.device(name="Касса 1")
    second_pc = await relay.device(name="Касса 2")
    book = OrderBook()
    bell = NewOrderBell(book)
    book.load_snapshot(
        OrderList.model_validate((await relay.client.get(f"/stores/{STORE}/orders", headers=second_pc)).json()).orders
    )
    assert bell.ringing == {number}

    url = f"/stores/{STORE}/orders/{number}/acknowledge"
    received: list[StreamEvent] = []

    async def follow() -> None:
        async with aconnect_sse(
            relay.client, "GET", f"/stores/{STORE}/events", headers={**second_pc, "Last-Event-ID": "2"}
        ) as source:
            async for event in source.aiter_sse():
                received.append(StreamEvent(int(event.id), event.event, event.json()))
                return

    async with asyncio.timeout(5):
        reader = asyncio.create_task(follow())
        answer = await relay.client.post(url, json={"operator": "Петрова"}, headers=first_pc)
        await reader
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["first"] is True and body["acknowledged_by"]["device_name"] == "Касса 1"
    assert body["acknowledged_by"]["operator"] == "Петрова"
    (event,) = received
    assert event.kind == "acknowledged"
    assert event.data == {"number": number, "by": body["acknowledged_by"]}
    book.apply_event(event)
    assert bell.ringing == frozenset() and bell.acknowledged_by(number) == "Касса 1 (Петрова)"

    again = (await relay.client.post(url, headers=second_pc)).json()  # another PC, no body: the first one stays
    assert again["first"] is False and again["acknowledged_by"] == body["acknowledged_by"]
    assert [e["kind"] for e in await relay.events()].count("acknowledged") == 1

    listed = (await relay.client.get(f"/stores/{STORE}/orders", headers=second_pc)).json()["orders"]
    assert listed[0]["acknowledged_by"]["device_name"] == "Касса 1"
    detail = await relay.order(number, second_pc)
    assert detail["summary"]["acknowledged_by"]["operator"] == "Петрова"
    await relay.ok(number, {"kind": "start_assembly"}, second_pc)
    assert (await relay.order(number, second_pc))["summary"]["acknowledged_by"] is None  # no longer new
    missing = await relay.client.post(f"/stores/{STORE}/orders/A12-999999/acknowledge", headers=first_pc)
    assert missing.status_code == 404


async def test_openapi_describes_the_store_endpoints(relay: Relay) -> None:
    spec = (await relay.client.get("/openapi.json")).json()
    paths = spec["paths"]
    for path, method, model in [
        ("/health", "get", "Health"),
        ("/stores/{store}", "get", "StoreInfo"),
        ("/stores/{store}/catalogue", "get", "Catalogue"),
        ("/stores/{store}/orders/{number}/batches", "get", "OrderBatches"),
        ("/stores/{store}/series", "get", "FoundSeries"),
        ("/stores/{store}/equivalents", "get", "Equivalents"),
        ("/stores/{store}/marking-codes/lookup", "post", "CodeOwners"),
        ("/stores/{store}/orders/{number}/acknowledge", "post", "Acknowledgement"),
    ]:
        schema = paths[path][method]["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"].endswith(f"/{model}"), (path, schema)
    assert "acknowledged_by" in spec["components"]["schemas"]["OrderSummary"]["properties"]
