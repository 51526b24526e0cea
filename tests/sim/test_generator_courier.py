"""The demo's Kuper never lets a delivery bag go without a courier: a courier is assigned and arrives
before the bag is received, whatever happened before «ready» (no courier, or no arrival)."""

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


class Run:
    def __init__(self, order: Any) -> None:
        self.order = order
        self.number = "D-000001"
        self.received: list[Any] = []
        self.sent: list[str] = []

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
