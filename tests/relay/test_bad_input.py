"""Every bad input is a 4xx naming the field, the same on SQLite and PostgreSQL, never a 5xx (issue 13).

Each case is one the attack run found answered 500 (or accepted silently): a malformed
``order.created`` (negative or 28-digit money and quantities, ``"1e309"``), deep JSON, a lone
surrogate, NUL in ids and in staff actions, 28-digit staff money, an outbox id above 2^63.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.relay.relay_support import STORE, Relay, new_uuid, webhook

AS_ORDERED = {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}
HUGE = "1" + "0" * 29  # 10^29: 30 digits


def _created(**position: Any) -> dict[str, Any]:
    body = webhook("order_created_pickup", new_uuid())
    body["payload"]["positions"][0].update(position)
    return body


def _with_total(**total: Any) -> dict[str, Any]:
    body = webhook("order_created_pickup", new_uuid())
    body["payload"]["total"] = {**body["payload"].get("total", {}), **total}
    return body


BAD_ORDERS = {
    "negative price": (_created(price="-5.00"), "positions[0].price"),
    "negative discountPrice": (_created(discountPrice=-1), "positions[0].discountPrice"),
    "28-digit price": (_created(price=HUGE), "positions[0].price"),
    "price 1e309 as text": (_created(price="1e309"), "positions[0].price"),
    "price 1e309 as a number": (_created(price=float("inf")), "positions[0].price"),
    "negative total": (_with_total(totalPrice="-379.98"), "total.totalPrice"),
    "total of 10^30": (_with_total(totalPrice=HUGE), "total.totalPrice"),
    "negative quantity": (_created(quantity=-2), "positions[0].quantity"),
    "28-digit quantity": (_created(quantity=int(HUGE)), "positions[0].quantity"),
    "orderUUID of 300 characters": (webhook("order_created_pickup", "x" * 300), "orderUUID"),
}


def _raw(body: dict[str, Any]) -> bytes:
    # json.dumps writes inf as Infinity (Python's parser reads it back); 1e309 as Kuper would send it
    return json.dumps(body, ensure_ascii=False).replace("Infinity", "1e309").encode()


@pytest.mark.parametrize("case", list(BAD_ORDERS))
async def test_a_malformed_order_is_refused_stored_as_invalid_and_alerted_once(relay: Relay, case: str) -> None:
    body, field = BAD_ORDERS[case]
    answer = await relay.post_webhook(_raw(body), store=STORE)
    assert answer.status_code == 400, answer.text
    assert answer.json()["error"] == "invalid_webhook" and field in answer.json()["message"]
    again = await relay.post_webhook(_raw(body), store=STORE)  # Kuper delivers it again
    assert again.status_code == 400 and again.json() == answer.json()
    rows = await relay.webhook_rows()
    assert [(r["status"], r["event_type"]) for r in rows] == [("invalid", "order.created")]  # no pile-up
    alerts = [json.loads(e["payload"])["message"] for e in await relay.events() if e["kind"] == "alert"]
    assert len(alerts) == 1 and alerts[0].startswith("Купер прислал заказ, который нельзя принять: ")
    assert field in alerts[0]
    pc = await relay.device()
    assert (await relay.client.get(f"/stores/{STORE}/orders", headers=pc)).json()["orders"] == []


async def test_json_nested_a_thousand_deep_is_refused_before_parsing(relay: Relay) -> None:
    deep = b'{"event_type": "order.created", "payload": ' + b"[" * 1000 + b"]" * 1000 + b"}"
    answer = await relay.post_webhook(deep)
    assert answer.status_code == 400 and answer.json()["error"] == "too_deep"
    assert await relay.webhook_rows() == []
    pc = await relay.device()
    action = b'{"action": ' + b"[" * 5000 + b"]" * 5000 + b"}"
    refused = await relay.client.post(
        f"/stores/{STORE}/orders/A12-000001/actions", content=action, headers={**pc, "Content-Type": "application/json"}
    )
    assert refused.status_code == 400 and refused.json()["errors"][0]["loc"] == ["body"]
    assert (await relay.client.get("/health")).status_code == 200


@pytest.mark.parametrize("where", ["comment", "orderUUID", "event_type"])
@pytest.mark.parametrize("bad", ["\\ud800", "\\u0000"])
async def test_nul_and_lone_surrogates_are_refused_and_the_webhook_kept(relay: Relay, where: str, bad: str) -> None:
    body = webhook("order_created_pickup", new_uuid())
    if where == "event_type":
        body["event_type"] = "order.created@@"
    else:
        body["payload"][where] = f"{body['payload'].get(where, '')}@@"
    raw = json.dumps(body, ensure_ascii=False).replace("@@", bad).encode()
    answer = await relay.post_webhook(raw, store=STORE)
    assert answer.status_code == 400, answer.text
    assert where in answer.json()["message"]
    assert (await relay.post_webhook(raw, store=STORE)).status_code == 400
    rows = await relay.webhook_rows()
    assert [r["status"] for r in rows] == ["invalid"]
    assert rows[0]["body"] == raw.decode()  # kept as received (the escape is text)


async def test_a_number_of_5000_digits_is_refused(relay: Relay) -> None:
    raw = json.dumps(webhook("order_created_pickup", new_uuid())).replace(
        '"payload": {', '"payload": {"x": ' + "9" * 5000 + ", "
    )
    answer = await relay.post_webhook(raw.encode())
    assert answer.status_code == 400 and answer.json()["error"] == "not_json"


async def _collecting(relay: Relay) -> tuple[str, dict[str, str]]:
    number = await relay.create_order("pickup")
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    return number, pc


@pytest.mark.parametrize(
    ("field", "value", "loc"),
    [
        ("operator", "Ива\x00нова", ["body", "operator"]),
        ("idempotency_key", "key\x00", ["body", "idempotency_key"]),
        ("operator", "\ud800", ["body", "operator"]),
    ],
)
async def test_nul_or_a_surrogate_in_a_staff_action_is_400_naming_the_field(
    relay: Relay, field: str, value: str, loc: list[str]
) -> None:
    number, pc = await _collecting(relay)
    version = (await relay.order(number, pc))["order"]["version"]
    body: dict[str, Any] = {"action": AS_ORDERED, "expected_version": version, "idempotency_key": "k-1", field: value}
    raw = json.dumps(body).encode()  # \u0000 and \ud800 as JSON escapes
    answer = await relay.client.post(
        f"/stores/{STORE}/orders/{number}/actions", content=raw, headers={**pc, "Content-Type": "application/json"}
    )
    assert answer.status_code == 400, answer.text
    assert answer.json()["errors"][0]["loc"] == loc
    assert (await relay.order(number, pc))["order"]["version"] == version  # nothing applied


async def test_nul_in_the_order_number_is_400(relay: Relay) -> None:
    pc = await relay.device()
    for path in (f"/stores/{STORE}/orders/A12%00", f"/stores/{STORE}/orders/A12%00/actions"):
        answer = await relay.client.get(path, headers=pc)
        assert answer.status_code == 400 and answer.json()["errors"][0]["loc"] == ["path"], answer.text
    query = await relay.client.get(f"/stores/{STORE}/webhooks", params={"status": "x\x00"}, headers=pc)
    assert query.status_code == 400 and query.json()["errors"][0]["loc"] == ["query", "status"]


@pytest.mark.parametrize("amount", [HUGE, "1" * 28 + ".00", "-1.00", "1e309", "NaN"])
async def test_staff_money_out_of_bounds_is_400_naming_the_amount(relay: Relay, amount: str) -> None:
    number, pc = await _collecting(relay)
    answer = await relay.act(number, {"kind": "hand_over", "payment": {"method": "cash", "amount": amount}}, pc)
    assert answer.status_code == 400, answer.text
    (error,) = answer.json()["errors"]
    assert error["loc"][-1] == "amount" and "payment" in error["loc"]


@pytest.mark.parametrize("outbox_id", [2**63, 2**64, 10**30])
async def test_an_outbox_id_beyond_64_bits_is_400(relay: Relay, outbox_id: int) -> None:
    pc = await relay.device()
    answer = await relay.client.post(f"/stores/{STORE}/outbox/{outbox_id}/retry", headers=pc)
    assert answer.status_code == 400 and answer.json()["errors"][0]["loc"] == ["path", "outbox_id"]
    largest = await relay.client.post(f"/stores/{STORE}/outbox/{2**63 - 1}/retry", headers=pc)
    assert largest.status_code == 404


async def test_a_last_event_id_beyond_64_bits_is_a_resync_not_a_500(relay: Relay) -> None:
    pc = await relay.device()
    query = await relay.client.get(f"/stores/{STORE}/events", params={"last_event_id": str(2**64)}, headers=pc)
    assert query.status_code == 400
