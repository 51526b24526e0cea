"""«Продлить хранение до …» through the relay: the action moves the deadline, the history keeps it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.relay.relay_support import Relay

AS_ORDERED = {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}


async def test_extend_pickup_moves_the_deadline_and_is_in_the_history(relay: Relay) -> None:
    number = await relay.create_order("pickup")
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, AS_ORDERED, pc)
    await relay.ok(number, {"kind": "ready"}, pc)
    until = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    body = await relay.ok(number, {"kind": "extend_pickup", "until": until.isoformat()}, pc, operator="Иванова")
    assert datetime.fromisoformat(body["order"]["pickup_hold_until"]) == until
    assert body["order"]["audit"][-1]["kind"] == "extended"
    detail = await relay.order(number, pc)
    assert [a["kind"] for a in detail["history"]["actions"]][-1] == "extend_pickup"
    refused = await relay.act(number, {"kind": "extend_pickup", "until": until.isoformat()}, pc)
    assert refused.status_code == 422 and refused.json()["code"] == "deadline_not_later"
