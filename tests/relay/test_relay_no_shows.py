"""Pickup orders nobody collected (issue 14, item 4), over real HTTP, SQLite and PostgreSQL: past
``rules.pickup.hold_hours`` the relay cancels them (``auto_cancel``) with the configured slug, the
reserve goes back to stock, Kuper is told and the counter gets the lines to put back."""

from __future__ import annotations

import asyncio
import json
import time
from datetime import datetime, timedelta
from typing import Any

from relay_stock_support import NUROFEN, load, reservation, row, stock, stores
from relay_support import Relay, RelayFactory

from pharmacy_desk.inventory import ReservationState
from pharmacy_desk.relay.no_shows import NoShowSweeper


def _rules(**pickup: Any) -> dict[str, Any]:
    return {"rules": {"pickup": {"max_attempts": 3, **pickup}}}


async def _waiting(relay: Relay) -> tuple[str, datetime, dict[str, str]]:
    """A pickup order ready and waiting for its customer; its number and when it started waiting."""
    number = await relay.create_order("pickup")
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, {"kind": "assembled", "composition": [{"sku": NUROFEN, "quantity": 2}]}, pc)
    ready = await relay.ok(number, {"kind": "ready"}, pc)
    assert ready["order"]["state"] == "awaiting_pickup"
    summary = (await relay.order(number, pc))["summary"]
    since = datetime.fromisoformat(summary["waiting_since"])
    assert since == datetime.fromisoformat(ready["order"]["pickup"]["issued_at"])
    return number, since, pc


async def _no_show_alerts(relay: Relay) -> list[dict[str, Any]]:
    alerts = [json.loads(e["payload"]) for e in await relay.events() if e["kind"] == "alert"]
    return [a for a in alerts if a["kind"] == "no_show"]


async def test_past_the_hold_the_order_is_canceled_released_and_kuper_told(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(configured_stock=True, stores=stores(**_rules(hold_hours=48, auto_cancel=True)))
    await load(relay, row("NF-A", 5))
    number, since, pc = await _waiting(relay)
    sweeper = NoShowSweeper(relay.state, 60)

    assert await sweeper.sweep(since + timedelta(hours=47, minutes=59)) == []  # still within the hold
    assert (await stock(relay)).available == 3
    assert await sweeper.sweep(since + timedelta(hours=48, minutes=5)) == [number]

    detail = await relay.order(number, pc)
    assert detail["order"]["state"] == "canceled"
    cancellation = detail["order"]["cancellation"]
    assert cancellation["slug"] == "order_not_paid" and cancellation["by_kuper"] is False
    assert cancellation["description"] == "Заказ не забрали: ждал 2 дн (срок хранения 2 дн)"
    (action,) = [a for a in detail["history"]["actions"] if a["kind"] == "cancel"]
    assert action["device_id"] == "relay"
    held = await reservation(relay, number)
    assert held is not None and held.state is ReservationState.RELEASED
    assert (await stock(relay)).available == 5  # the packs are back
    (sent,) = [r for r in await relay.outbox_rows() if r["event_type"] == "order.canceled"]
    assert json.loads(sent["body"])["payload"]["cancellation"]["slug"] == "order_not_paid"
    (alert,) = await _no_show_alerts(relay)
    assert alert["number"] == number and "верните товар на полку" in alert["message"]
    assert [(line["sku"], line["quantity"]) for line in alert["lines"]] == [(NUROFEN, 2)]
    assert await sweeper.sweep(since + timedelta(hours=60)) == []  # once


async def test_without_auto_cancel_nothing_is_canceled_and_the_slug_is_configurable(
    relay_factory: RelayFactory,
) -> None:
    relay = await relay_factory(stores=stores(**_rules(hold_hours=0.5, no_show_slug="customer_request")))
    number, since, pc = await _waiting(relay)
    sweeper = NoShowSweeper(relay.state, 60)
    assert await sweeper.sweep(since + timedelta(hours=5)) == []
    assert (await relay.order(number, pc))["order"]["state"] == "awaiting_pickup"

    from pharmacy_desk.relay.no_shows import cancel_no_show  # the counter's key ends here too

    assert not await cancel_no_show(relay.state, "apteka-12", number, now=since + timedelta(minutes=29))
    assert await cancel_no_show(relay.state, "apteka-12", number, now=since + timedelta(minutes=31))
    order = (await relay.order(number, pc))["order"]
    assert order["state"] == "canceled" and order["cancellation"]["slug"] == "customer_request"
    assert order["cancellation"]["description"] == "Заказ не забрали: ждал 31 мин (срок хранения 30 мин)"


async def test_the_relay_checks_the_holds_by_itself(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(
        no_show_check_seconds=0.2, stores=stores(**_rules(hold_hours=1 / 3600, auto_cancel=True))
    )
    number, _, pc = await _waiting(relay)
    deadline = time.monotonic() + 10
    while not await _no_show_alerts(relay):  # the alert follows the cancellation
        assert time.monotonic() < deadline, "not canceled by the relay's own check"
        await asyncio.sleep(0.1)
    assert (await relay.order(number, pc))["order"]["state"] == "canceled"
    await asyncio.sleep(0.5)  # more rounds of the check: still one cancellation, one alert
    assert len(await _no_show_alerts(relay)) == 1
