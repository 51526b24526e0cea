"""The demo's Kuper never lets a delivery bag go without a courier: a courier is assigned and arrives
before the bag is received, whatever happened before «ready» (no courier, or no arrival), and the bag
is received only after the pharmacy handed it to the courier (``hand_to_courier`` in the order's audit)."""

from __future__ import annotations

import random
from types import SimpleNamespace
from typing import Any

import pytest

from pharmacy_desk.kuper import NotificationEvent, ShipmentMethod
from pharmacy_desk.sim.generator import GeneratorSettings, OrderGenerator
from pharmacy_desk.sim.orders import random_order


class KuperOnly(OrderGenerator):
    """The generator's Kuper side with the notifications already there and no pauses."""

    async def _pause(self) -> None:
        return None

    async def _notified(self, run: Any, *events: NotificationEvent) -> NotificationEvent:
        return events[0]


class Counter:
    """The relay as the staff client reads it: the order's audit gets the hand-off after ``give_after`` reads."""

    def __init__(self, give_after: int = 0, state: str = "ready_to_ship") -> None:
        self.give_after = give_after
        self.state = state
        self.reads = 0

    async def order(self, number: str) -> dict[str, Any]:
        self.reads += 1
        audit = [{"kind": "courier", "detail": "в термосумке"}] if self.reads > self.give_after else []
        return {"number": number, "state": self.state, "audit": audit}


class Run:
    def __init__(self, order: Any, staff: Counter | None = None) -> None:
        self.order = order
        self.number = "D-000001"
        self.known_number = self.number
        self.received: list[Any] = []
        self.sent: list[str] = []
        self.staff = staff or Counter()

    async def kuper(self, webhook: Any) -> None:
        self.sent.append(webhook.event_type)


@pytest.mark.parametrize(("courier_share", "arrival_share"), [(0.0, 0.0), (1.0, 0.0), (1.0, 1.0)])
async def test_no_delivery_bag_leaves_without_a_courier(courier_share: float, arrival_share: float) -> None:
    rng = random.Random(3)
    sim = SimpleNamespace(rng=rng)
    settings = GeneratorSettings(courier_share=courier_share, arrival_share=arrival_share, cancel_share=0.0)
    generator = KuperOnly(sim, settings, say=lambda _: None)  # type: ignore[arg-type]
    run = Run(random_order(rng, store_id="apteka-sim", flow=ShipmentMethod.BY_COURIER))
    await generator._kuper_side(run)  # type: ignore[arg-type]
    sent = [str(kind) for kind in run.sent]
    assigned = next(i for i, kind in enumerate(sent) if "assigned" in kind)
    arrived = next(i for i, kind in enumerate(sent) if "arrived" in kind)
    received = next(i for i, kind in enumerate(sent) if kind.endswith("received"))
    assert assigned < arrived < received, sent
    assert sent.count(sent[assigned]) == 1 and sent.count(sent[arrived]) == 1  # once each


async def test_the_bag_is_received_only_after_the_pharmacy_handed_it_over() -> None:
    rng = random.Random(5)
    settings = GeneratorSettings(courier_share=1.0, arrival_share=1.0, cancel_share=0.0, pace=0.01)
    generator = KuperOnly(SimpleNamespace(rng=rng), settings, say=lambda _: None)  # type: ignore[arg-type]
    counter = Counter(give_after=3)  # the pharmacist presses F9 while Kuper looks for the fourth time
    run = Run(random_order(rng, store_id="apteka-sim", flow=ShipmentMethod.BY_COURIER), counter)
    await generator._kuper_side(run)  # type: ignore[arg-type]
    assert counter.reads == 4
    assert any(str(kind).endswith("received") for kind in run.sent)


async def test_an_order_canceled_while_the_courier_waits_is_never_received() -> None:
    rng = random.Random(5)
    settings = GeneratorSettings(courier_share=1.0, arrival_share=1.0, cancel_share=0.0, pace=0.01)
    generator = KuperOnly(SimpleNamespace(rng=rng), settings, say=lambda _: None)  # type: ignore[arg-type]
    run = Run(random_order(rng, store_id="apteka-sim", flow=ShipmentMethod.BY_COURIER), Counter(10**6, "canceled"))
    await generator._kuper_side(run)  # type: ignore[arg-type]
    assert not any(str(kind).endswith("received") for kind in run.sent)
    assert any("arrived" in str(kind) for kind in run.sent)  # the courier came, but took nothing
