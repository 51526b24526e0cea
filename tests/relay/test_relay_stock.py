"""The relay with its embedded stock, over real HTTP: reservations follow each order's whole life.

Delivery and pickup, every way an order ends (Kuper cancels, the pharmacy cancels, the customer will
not pay), out of stock at ``order.created`` (answered ``created``, then ``order.canceled`` to Kuper),
part of an order in stock (flagged, not canceled), two orders racing for the last pack.
"""

from __future__ import annotations

import asyncio
import json
import time
from datetime import date
from typing import Any

import pytest

from pharmacy_desk.inventory import ReservationState
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from tests.relay.relay_stock_support import NUROFEN, load, reservation, row, stock, stock_alerts, stores, summary
from tests.relay.relay_support import Relay, RelayFactory, new_uuid, receipt, webhook
from tests.support import eventually


async def _stocked(relay_factory: RelayFactory, *rows: Any, **overrides: Any) -> Relay:
    relay = await relay_factory(configured_stock=True, **overrides)
    await load(relay, *(rows or (row("NF-A", 3, expiry=date(2098, 1, 31)), row("NF-B", 5))))
    return relay


def _assembled(quantity: int) -> dict[str, Any]:
    return {"kind": "assembled", "composition": [{"sku": NUROFEN, "quantity": quantity}]}


async def test_delivery_reserves_adjusts_and_commits_what_was_given(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    uid = new_uuid()
    number = await relay.create_order("delivery", order_uuid=uid)
    held = await reservation(relay, number)
    assert held is not None and held.state is ReservationState.RESERVED
    assert [(b.series, b.quantity) for b in held.lines[0].batches] == [("NF-A", 2)]  # FEFO: the earlier series
    assert (await stock(relay)).available == 6

    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, _assembled(1), pc)  # one pack short on the shelf: the reservation follows
    held = await reservation(relay, number)
    assert held is not None and held.reserved == 1
    assert (await stock(relay)).available == 7

    await relay.ok(number, {"kind": "ready"}, pc)  # delivery: the bag waits for the courier, still reserved
    held = await reservation(relay, number)
    assert held is not None and held.state is ReservationState.RESERVED and held.reserved == 1
    for name in ("order_paid", "order_received"):  # the courier took the bag: the sale is recorded
        assert (await relay.post_webhook(webhook(name, uid))).status_code == 200
    await wait_until_committed(relay, number)
    after = await stock(relay)
    assert (after.quantity, after.available) == (7, 7)
    held = await reservation(relay, number)
    assert held is not None and held.state is ReservationState.COMMITTED
    assert await stock_alerts(relay) == []
    assert (await summary(relay, number, pc))["flags"] == []


async def wait_until_committed(relay: Relay, number: str) -> None:
    """Stock effects of a webhook run right after its answer: wait for the commit with a deadline."""

    async def committed() -> bool:
        held = await reservation(relay, number)
        return held is not None and held.state is ReservationState.COMMITTED

    await eventually(committed, interval=0.05, what=f"order {number}: the sale committed")


async def test_pickup_commits_what_the_customer_took(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    number = await relay.create_order("pickup")
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, _assembled(2), pc)
    ready = await relay.ok(number, {"kind": "ready"}, pc)
    assert (await stock(relay)).available == 6  # ready, but the goods are still at the counter
    assert ready["order"]["state"] == "awaiting_pickup"
    code = await relay.code_for_kuper(number)
    await relay.ok(number, {"kind": "verify_pickup_code", "code": code}, pc)
    one = {"sku": NUROFEN, "quantity": 1}
    paid = {
        "kind": "hand_over",
        "payment": {"method": "cash", "amount": "189.99"},
        "composition": [one],
        "receipt": receipt([], "189.99"),
    }
    await relay.ok(number, paid, pc)
    after = await stock(relay)
    assert (after.quantity, after.available) == (7, 7)  # one sold, the declined pack back in stock
    held = await reservation(relay, number)
    assert held is not None and held.state is ReservationState.COMMITTED


async def _kuper_cancels(relay: Relay, number: str, uid: str, pc: dict[str, str]) -> None:
    assert (await relay.post_webhook(webhook("order_canceled", uid))).status_code == 200


async def _pharmacy_cancels(relay: Relay, number: str, uid: str, pc: dict[str, str]) -> None:
    await relay.ok(number, {"kind": "cancel", "reason": "technical_issues", "description": "Сломался холодильник"}, pc)


async def _customer_refuses_to_pay(relay: Relay, number: str, uid: str, pc: dict[str, str]) -> None:
    assert (await relay.ok(number, {"kind": "ready"}, pc))["order"]["state"] == "awaiting_pickup"
    await relay.ok(number, {"kind": "verify_pickup_code", "code": await relay.code_for_kuper(number)}, pc)
    refused = await relay.act(number, {"kind": "hand_over"}, pc)
    assert refused.status_code == 422 and refused.json()["code"] == "payment_missing"
    await relay.ok(number, {"kind": "cancel", "reason": "order_not_paid", "description": "Отказ от оплаты"}, pc)


@pytest.mark.parametrize(
    ("flow", "cancel"),
    [
        ("delivery", _kuper_cancels),
        ("pickup", _kuper_cancels),
        ("delivery", _pharmacy_cancels),
        ("pickup", _customer_refuses_to_pay),
    ],
    ids=["kuper-delivery", "kuper-pickup", "pharmacy", "customer-refuses-to-pay"],
)
async def test_every_cancellation_releases(relay_factory: RelayFactory, flow: str, cancel: Any) -> None:
    relay = await _stocked(relay_factory)
    uid = new_uuid()
    number = await relay.create_order(flow, order_uuid=uid)
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, _assembled(2), pc)
    assert (await stock(relay)).available == 6

    await cancel(relay, number, uid, pc)

    after = await stock(relay)
    assert (after.quantity, after.available) == (8, 8)
    held = await reservation(relay, number)
    assert held is not None and held.state is ReservationState.RELEASED


async def test_out_of_stock_at_created_answers_created_then_cancels(relay_factory: RelayFactory) -> None:
    kuper = KuperStub()
    async with serve(kuper.app) as kuper_url:
        kuper_config = {"base_url": kuper_url, "client_id": kuper.client_id, "client_secret": kuper.client_secret}
        relay = await _stocked(
            relay_factory, row("OTHER", 4, sku="100777"), kuper=kuper_config, stores=stores(out_of_stock="cancel")
        )
        uid = new_uuid()
        response = await relay.post_webhook(webhook("order_created_delivery", uid))
        answered_at = time.monotonic()
        assert response.status_code == 200
        answer = response.json()
        assert answer["status"] == "created"
        number = answer["number"]

        assert await kuper.wait_for(lambda k: len(k.received_for(uid)) == 1, timeout=5)
        (sent,) = kuper.received_for(uid)
        assert sent.event_type == "order.canceled" and sent.number == number
        assert all(attempt.at >= answered_at - 0.05 for attempt in kuper.attempts_for(uid))
        rows = await relay.outbox_rows()
        assert [r["event_type"] for r in rows] == ["order.canceled"]
        wire = json.loads(rows[0]["body"])
        assert wire["payload"]["cancellation"]["slug"] == "out_of_stock"
        assert "Нурофен" in wire["payload"]["cancellation"]["description"]

    pc = await relay.device()
    detail = await relay.order(number, pc)
    assert detail["order"]["state"] == "canceled"
    assert detail["order"]["cancellation"]["by_kuper"] is False
    assert "out_of_stock" in detail["order"]["flags"]
    (action,) = detail["history"]["actions"]
    assert (action["kind"], action["device_id"]) == ("cancel", "relay")
    (alert,) = await stock_alerts(relay)
    assert alert["number"] == number and alert["message"].startswith("Нет в наличии")
    held = await reservation(relay, number)
    assert held is not None and held.state is ReservationState.RELEASED


@pytest.mark.parametrize("policy", ["cancel", "ask_staff"])
async def test_part_in_stock_is_flagged_for_the_pharmacist_not_canceled(
    relay_factory: RelayFactory, policy: str
) -> None:
    relay = await _stocked(relay_factory, row("NF-LAST", 1), stores=stores(out_of_stock=policy))
    number = await relay.create_order("delivery")
    pc = await relay.device()
    current = await summary(relay, number, pc)
    assert current["state"] == "new" and current["flags"] == ["stock_short"]
    (alert,) = await stock_alerts(relay)
    assert alert["message"].startswith("Не хватает товара") and "есть 1 из 2 уп." in alert["message"]
    assert await relay.outbox_rows() == []
    # the pharmacist assembles what there is
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, _assembled(1), pc)
    held = await reservation(relay, number)
    assert held is not None and held.reserved == 1 and held.lines[0].shortfall == 0


async def test_nothing_in_stock_with_ask_staff_is_flagged(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory, row("OTHER", 4, sku="100777"))
    number = await relay.create_order("pickup")
    pc = await relay.device()
    current = await summary(relay, number, pc)
    assert current["state"] == "new" and current["flags"] == ["out_of_stock"]
    (alert,) = await stock_alerts(relay)
    assert alert["message"].startswith("Нет в наличии") and "Решите" in alert["message"]


async def test_two_orders_race_for_the_last_packs(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory, row("NF-LAST", 2))
    numbers = await asyncio.gather(*(relay.create_order("delivery") for _ in range(2)))
    pc = await relay.device()
    held = [await reservation(relay, n) for n in numbers]
    assert sorted(h.reserved for h in held if h is not None) == [0, 2]
    flags = sorted([tuple((await summary(relay, n, pc))["flags"]) for n in numbers])
    assert flags == [(), ("out_of_stock",)]
    after = await stock(relay)
    assert (after.quantity, after.available) == (2, 0)


async def test_a_store_without_stock_makes_no_calls(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(configured_stock=True, stores=stores(stock="none"))
    number = await relay.create_order("delivery")
    pc = await relay.device()
    assert (await summary(relay, number, pc))["flags"] == []
    assert await stock_alerts(relay) == []
    assert await reservation(relay, number) is None


async def test_an_embedded_store_never_loaded_reserves_nothing_and_flags_nothing(
    relay_factory: RelayFactory, caplog: pytest.LogCaptureFixture
) -> None:
    relay = await relay_factory(configured_stock=True)
    number = await relay.create_order("delivery")
    pc = await relay.device()
    assert (await summary(relay, number, pc))["flags"] == []
    assert await stock_alerts(relay) == []
    assert await reservation(relay, number) is None
    assert "no stock loaded" in caplog.text


async def test_an_effect_lost_in_a_crash_is_applied_at_the_next_start(relay_factory: RelayFactory) -> None:
    """The order change committed, the relay died before the stock call: the next start reconciles."""
    from sqlalchemy import select, update

    from pharmacy_desk.domain import Order, OrderState
    from pharmacy_desk.relay.storage.schema import orders

    relay = await _stocked(relay_factory)
    number = await relay.create_order("delivery")
    assert (await stock(relay)).available == 6
    async with relay.state.engine.begin() as conn:  # canceled in the database, release never called
        snapshot = (await conn.execute(select(orders.c.snapshot).where(orders.c.number == number))).scalar_one()
        canceled = Order.model_validate_json(snapshot).model_copy(update={"state": OrderState.CANCELED})
        await conn.execute(
            update(orders)
            .where(orders.c.number == number)
            .values(state="canceled", is_open=False, snapshot=canceled.model_dump_json())
        )
    assert (await stock(relay)).available == 6

    restarted = await relay_factory(configured_stock=True)

    async def released() -> bool:
        return (await stock(restarted)).available == 8

    await eventually(released, interval=0.05, what="the lost release applied after the restart")
    held = await reservation(restarted, number)
    assert held is not None and held.state is ReservationState.RELEASED


async def test_a_restart_raises_no_alert_for_orders_whose_reservation_did_not_change(
    relay_factory: RelayFactory,
) -> None:
    """Every start reconciles the recent orders with the stock source; one already right is no news."""
    relay = await _stocked(relay_factory)
    numbers = [await relay.create_order("delivery") for _ in range(3)]
    before = await stock_alerts(relay)
    held = [await reservation(relay, n) for n in numbers]

    restarted = await relay_factory(configured_stock=True)
    deadline = time.monotonic() + 10
    while await _retries_waiting(restarted):  # the reconciling calls ran
        assert time.monotonic() < deadline, "the start-up reconciliation did not run"
        await asyncio.sleep(0.05)
    assert await stock_alerts(restarted) == before  # no «учёт остатков снова отвечает» per order
    assert [await reservation(restarted, n) for n in numbers] == held


async def _retries_waiting(relay: Relay) -> int:
    from sqlalchemy import func, select

    from pharmacy_desk.relay.storage.schema import stock_retries

    async with relay.state.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(stock_retries))).scalar_one())
