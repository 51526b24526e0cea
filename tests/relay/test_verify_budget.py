"""Attempt budgets for verify_pickup_code (issue 13, Build 3): per PC and per store, 429 with Retry-After."""

from __future__ import annotations

from typing import Any

from tests.relay.relay_support import Relay, RelayFactory, config_data, new_uuid

AS_ORDERED = {"kind": "assembled", "composition": [{"sku": "100234", "quantity": 2}]}


async def _waiting(relay: Relay, pc: dict[str, str], count: int) -> list[tuple[str, str]]:
    """``count`` orders waiting for pickup: (number, the code Kuper got)."""
    found = []
    for _ in range(count):
        number = await relay.create_order("pickup", new_uuid())
        await relay.ok(number, {"kind": "start_assembly"}, pc)
        await relay.ok(number, AS_ORDERED, pc)
        await relay.ok(number, {"kind": "ready"}, pc)
        found.append((number, await relay.code_for_kuper(number)))
    return found


def _wrong(code: str) -> str:
    return "".join(str((int(ch) + 1) % 10) for ch in code)


async def _budgeted(relay_factory: RelayFactory, database_url: str, **budget: Any) -> Relay:
    stores = config_data(database_url)["stores"]
    stores[0]["rules"] = {"pickup": {"max_attempts": 5}}
    return await relay_factory(stores=stores, pickup_attempts=budget)


async def test_a_brute_force_over_many_orders_from_one_pc_is_stopped_with_429(
    relay_factory: RelayFactory, database_url: str
) -> None:
    relay = await _budgeted(relay_factory, database_url, device_failures=6, store_failures=100, alert_after=4)
    thief = await relay.device(name="Касса 3")
    orders = await _waiting(relay, thief, 4)
    statuses = []
    for number, code in orders:  # 2 wrong tries per order: never the order's own lock-out (5)
        for _ in range(2):
            response = await relay.act(number, {"kind": "verify_pickup_code", "code": _wrong(code)}, thief)
            statuses.append(response.status_code)
    assert statuses == [422] * 6 + [429] * 2
    number, code = orders[-1]
    stopped = await relay.act(number, {"kind": "verify_pickup_code", "code": code}, thief)  # even the right one
    assert stopped.status_code == 429 and stopped.json()["code"] == "too_many_attempts"
    assert 590 <= int(stopped.headers["Retry-After"]) <= 600
    assert "Касса 3" in stopped.json()["message"]
    # another PC of the store still checks codes
    other = await relay.device(name="Касса 1")
    # (the stopped tries were not decided: that order still has all its own attempts)
    assert (await relay.ok(number, {"kind": "verify_pickup_code", "code": code}, other))["tries_left"] == 5
    # the store was told, naming the PC: at the alert threshold and when it was stopped
    alerts = [e["payload"] for e in await relay.events() if e["kind"] == "alert"]
    burst = [a for a in alerts if "неверных кодов" in a]
    assert len(burst) == 2 and all("Касса 3" in a for a in burst)
    assert "4 неверных кодов" in burst[0] and "6 неверных кодов" in burst[1] and "приостановлена" in burst[1]


async def test_the_store_budget_stops_every_pc(relay_factory: RelayFactory, database_url: str) -> None:
    relay = await _budgeted(
        relay_factory, database_url, device_failures=100, store_failures=4, alert_after=50, window_seconds=120
    )
    pcs = [await relay.device(name=f"Касса {i}") for i in range(1, 5)]
    (number, code), (second, second_code) = await _waiting(relay, pcs[0], 2)
    for pc in pcs:
        assert (await relay.act(number, {"kind": "verify_pickup_code", "code": _wrong(code)}, pc)).status_code == 422
    late = await relay.device(name="Касса 5")
    refused = await relay.act(second, {"kind": "verify_pickup_code", "code": second_code}, late)
    assert refused.status_code == 429 and 110 <= int(refused.headers["Retry-After"]) <= 120
    assert "аптеке" in refused.json()["message"]
    # not stored: the same request is answered again once the budget allows (here it still does not)
    stored = [a for a in (await relay.order(second, late))["history"]["actions"] if a["kind"] == "verify_pickup_code"]
    assert stored == []
    # other actions are not budgeted
    assert (await relay.ok(second, {"kind": "label_printed"}, late))["order"]["number"] == second


async def test_the_budget_is_configurable_and_documented() -> None:
    from pathlib import Path

    from pharmacy_desk.relay.config import RelayConfig

    config = RelayConfig.model_validate({"pickup_attempts": {"device_failures": 3}})
    assert config.pickup_attempts.device_failures == 3 and config.pickup_attempts.store_failures == 40
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    for key in ("window_seconds", "device_failures", "store_failures", "alert_after"):
        assert f"`pickup_attempts.{key}`" in readme
