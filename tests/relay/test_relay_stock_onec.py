"""The relay on a 1C stock (the 1C extension's stub on loopback) that is slow, down or answers garbage.

Kuper's answer never waits for 1C longer than its time-out; the order gets a clear error (flag
``stock_unavailable`` and a stock alert with the adapter's Russian message); the retry loop repeats
until 1C answers, and then 1C holds exactly what the order needs (nothing twice, nothing lost).
"""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import pytest

from pharmacy_desk.inventory.onec.stub import Fault, OneCStub
from pharmacy_desk.sim.serving import serve
from tests.relay.relay_stock_support import NUROFEN, order_key, row, stock_alerts, stores, summary
from tests.relay.relay_support import STORE, Relay, RelayFactory, new_uuid, webhook
from tests.support import eventually

TIMEOUT = 0.3


@dataclass
class OneC:
    stub: OneCStub
    url: str

    def reserved(self, sku: str = NUROFEN) -> int:
        return sum(b.reserved for key, b in self.stub.one_c.batches[STORE].items() if key[0] == sku)

    def state(self, order_uuid: str) -> str | None:
        order = self.stub.one_c.orders.get((STORE, order_uuid))
        return order.state if order is not None else None

    def fault(self, operation: str, fault: Fault | None) -> None:
        self.stub.fault(STORE, operation, fault)


@pytest.fixture
async def onec() -> AsyncIterator[OneC]:
    stub = OneCStub(username="kuper", password="secret")
    stub.load(STORE, [row("NF-A", 3), row("NF-B", 5)])
    async with serve(stub.app()) as url:
        yield OneC(stub, url)


async def _relay(relay_factory: RelayFactory, onec: OneC, **overrides: Any) -> Relay:
    settings = {"base_url": onec.url, "username": "kuper", "password": "secret", "timeout_seconds": TIMEOUT}
    return await relay_factory(
        configured_stock=True,
        onec=settings,
        stores=stores(stock="onec", **overrides),
        stock_retry_seconds=0.1,
    )


async def _flags(relay: Relay, number: str, pc: dict[str, str]) -> list[str]:
    flags: list[str] = (await summary(relay, number, pc))["flags"]
    return flags


async def test_reservations_go_to_1c(relay_factory: RelayFactory, onec: OneC) -> None:
    relay = await _relay(relay_factory, onec)
    uid = new_uuid()
    number = await relay.create_order("delivery", order_uuid=uid)
    assert onec.reserved() == 2 and onec.state(uid) == "reserved"
    pc = await relay.device()
    await relay.ok(number, {"kind": "start_assembly"}, pc)
    await relay.ok(number, {"kind": "assembled", "composition": [{"sku": NUROFEN, "quantity": 1}]}, pc)
    assert onec.reserved() == 1
    await relay.ok(number, {"kind": "ready"}, pc)
    assert onec.reserved() == 1 and onec.state(uid) == "reserved"  # the bag waits for the courier
    for name in ("order_paid", "order_received"):  # the courier took it: the sale document in 1C
        assert (await relay.post_webhook(webhook(name, uid))).status_code == 200
    await eventually(lambda: onec.state(uid) == "committed", interval=0.05, what="the sale to reach 1C")
    assert onec.reserved() == 0
    assert await _flags(relay, number, pc) == []


async def test_1c_down_flags_the_order_and_the_reservation_is_made_once_it_is_back(
    relay_factory: RelayFactory, onec: OneC
) -> None:
    down = Fault(status=503, body=b'{"error": {"code": "down", "message": "infobase locked"}}', apply=False)
    onec.fault("reserve", down)
    onec.fault("adjust", down)
    relay = await _relay(relay_factory, onec)
    uid = new_uuid()
    number = await relay.create_order("delivery", order_uuid=uid)
    pc = await relay.device()

    assert await _flags(relay, number, pc) == ["stock_unavailable"]
    (alert,) = await stock_alerts(relay)
    assert alert["number"] == number
    assert alert["message"].startswith(f"Заказ {number}: Резервирование товара: ошибка — 1С вернула ошибку")
    assert "infobase locked" in alert["message"] and "Проверьте наличие на полке" in alert["message"]
    batches = (await relay.client.get(f"/stores/{STORE}/orders/{number}/batches", headers=pc)).json()
    assert batches["stock_problem"] and "infobase locked" in batches["stock_problem"]
    await eventually(lambda: _attempts_above(relay, 2))
    assert onec.state(uid) is None  # nothing reached 1C

    onec.fault("reserve", None)
    onec.fault("adjust", None)
    await eventually(lambda: _flags_empty(relay, number, pc))
    assert onec.reserved() == 2 and onec.state(uid) == "reserved"
    assert (await stock_alerts(relay))[-1][
        "message"
    ] == f"Заказ {number}: учёт остатков снова отвечает, резерв обновлён."
    assert await relay.state.stock_wiring.retries.pending() == []  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "fault",
    [
        Fault(delay=3.0, times=1),  # 1C reserves, then answers long after the relay's time-out
        Fault(body=b"<html>Service Unavailable</html>", content_type="text/html", times=1),  # garbage
    ],
    ids=["slow", "garbage"],
)
async def test_slow_or_garbage_1c_never_holds_the_answer_nor_reserves_twice(
    relay_factory: RelayFactory, onec: OneC, fault: Fault
) -> None:
    onec.fault("reserve", Fault(**vars(fault)))
    relay = await _relay(relay_factory, onec)
    uid = new_uuid()
    started = time.monotonic()
    response = await relay.post_webhook(webhook("order_created_delivery", uid))
    assert response.status_code == 200 and response.json()["status"] == "created"
    if fault.delay:  # answered on its own time-out, not when 1C finally did
        assert time.monotonic() - started < fault.delay
    number = response.json()["number"]
    pc = await relay.device()

    await eventually(lambda: _alerted(relay, 2))
    first, back = await stock_alerts(relay)
    assert "Резервирование товара: ошибка — 1С" in first["message"]
    assert "Операция могла пройти: она будет повторена" in first["message"]
    assert back["message"].endswith("учёт остатков снова отвечает, резерв обновлён.")
    await eventually(lambda: _flags_empty(relay, number, pc))
    assert onec.reserved() == 2 and onec.state(uid) == "reserved"  # reserved once, not twice


async def test_a_release_that_failed_is_repeated_once_1c_is_back(relay_factory: RelayFactory, onec: OneC) -> None:
    relay = await _relay(relay_factory, onec)
    uid = new_uuid()
    number = await relay.create_order("pickup", order_uuid=uid)
    assert onec.reserved() == 2
    onec.fault("release", Fault(status=500, apply=False))

    assert (await relay.post_webhook(webhook("order_canceled", uid))).status_code == 200
    pc = await relay.device()
    await eventually(lambda: _has_flag(relay, number, pc))
    assert onec.reserved() == 2
    alert = (await stock_alerts(relay))[-1]
    assert alert["message"].startswith(f"Заказ {number}: Снятие резерва: ошибка — 1С вернула ошибку (HTTP 500")

    onec.fault("release", None)
    await eventually(lambda: _flags_empty(relay, number, pc))
    assert onec.reserved() == 0 and onec.state(uid) == "released"
    assert await order_key(relay, number) == uid


async def test_a_reservation_made_late_still_tells_the_pharmacist_what_is_missing(
    relay_factory: RelayFactory, onec: OneC
) -> None:
    onec.stub.one_c.batches[STORE].clear()  # nothing of it on the shelf
    onec.fault("reserve", Fault(status=503, apply=False))
    onec.fault("adjust", Fault(status=503, apply=False, times=1))
    relay = await _relay(relay_factory, onec, out_of_stock="cancel")
    number = await relay.create_order("delivery")
    pc = await relay.device()
    await eventually(lambda: _state_is(relay, number, pc, "canceled"))  # still new when 1C answered: policy applies
    current = await summary(relay, number, pc)
    assert current["flags"] == ["out_of_stock"]
    assert (await stock_alerts(relay))[-1]["message"].startswith("Нет в наличии")


async def _attempts_above(relay: Relay, n: int) -> bool:
    pending = await relay.state.stock_wiring.retries.pending()  # type: ignore[union-attr]
    return bool(pending) and pending[0][2] > n


async def _state_is(relay: Relay, number: str, pc: dict[str, str], state: str) -> bool:
    return bool((await summary(relay, number, pc))["state"] == state)


async def _alerted(relay: Relay, n: int) -> bool:
    return len(await stock_alerts(relay)) >= n


async def _flags_empty(relay: Relay, number: str, pc: dict[str, str]) -> bool:
    return await _flags(relay, number, pc) == []


async def _has_flag(relay: Relay, number: str, pc: dict[str, str], flag: str = "stock_unavailable") -> bool:
    return flag in await _flags(relay, number, pc)
