"""A steady stream of realistic orders for the demo: Kuper's side of each order, and optionally the staff's.

New orders arrive at random (a Poisson process at ``rate`` orders a minute), both flows mixed. For
each order Kuper behaves as in docs/kuper-protocol.md §4, reacting to the notifications that reach the
fake Kuper: in the delivery flow it assigns a courier after ``order.in_work`` (usually), the courier
arrives (sometimes); after ``order.ready_for_delivery`` a courier is found if none was, comes to the
counter, and only once the pharmacy has handed the bag over (F9 on the hand-over: ``hand_to_courier``, a
``courier`` entry in the order's audit) Kuper charges the customer and the courier delivers it (no bag
leaves without a courier, nor without the pharmacist: until then the order stays «Готов»). Now and then
a customer cancels before the order is ready.

With ``play_staff`` the generator also plays the pharmacy (assembly, sometimes a missing pack, the
customer at the counter with the code); without it, people at the counter app do that part.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from pharmacy_desk.domain import HandToCourier, OrderState
from pharmacy_desk.domain.pickup_codes import AuditKind
from pharmacy_desk.kuper import NotificationEvent, ShipmentMethod
from pharmacy_desk.sim import checks
from pharmacy_desk.sim.harness import OrderRun, ScenarioFailed, Sim, expected_total
from pharmacy_desk.sim.orders import Item, courier_name, random_order
from pharmacy_desk.sim.staff import RelayUnreachable

HANDED_TO_COURIER = AuditKind.COURIER.value
_CLOSED = frozenset(state.value for state in (OrderState.CANCELED, OrderState.SHIPPING, OrderState.SHIPPED))

E = NotificationEvent
_LIFETIME = 4 * 3600.0  # an order nobody finishes stops being followed after this long


@dataclass(frozen=True, slots=True)
class GeneratorSettings:
    rate: float = 4.0  # new orders a minute
    pickup_share: float = 0.5
    courier_share: float = 0.75  # delivery orders that get courier.assigned
    arrival_share: float = 0.5  # ... and courier.arrived
    cancel_share: float = 0.05  # customers who cancel before the order is ready
    short_share: float = 0.1  # (staff) orders with one pack missing at assembly
    pace: float = 4.0  # seconds between one party's steps, on average
    duration: float | None = None  # seconds of new orders; None: until stopped
    play_staff: bool = False


class OrderGenerator:
    """Makes orders and plays Kuper (and maybe the staff) for each of them."""

    def __init__(
        self,
        sim: Sim,
        settings: GeneratorSettings,
        *,
        say: Callable[[str], None] = print,
        items: Callable[[random.Random], list[Item]] | None = None,
        first_flows: Sequence[ShipmentMethod] = (),
    ) -> None:
        """``items`` makes an order's goods (default: the simulator's catalogue); ``first_flows`` fixes
        the flow of the first orders (the rest follow ``pickup_share``)."""
        self.sim = sim
        self.settings = settings
        self._say = say
        self._items = items
        self._first_flows = list(first_flows)
        self.created = 0
        self.finished = 0
        self.findings: list[str] = []

    async def _give_to_courier(self, run: OrderRun) -> None:
        """(staff) Once the courier is at the counter, the bag goes to them (in a cold bag: always)."""
        while True:
            detail = await run.staff.detail(run.known_number)
            if detail is None or detail["order"].get("state") in _CLOSED:
                return
            if detail["summary"].get("courier_arrived_at") is not None:
                break
            await asyncio.sleep(self.settings.pace / 2)
        await self._pause()
        if (await run.staff.act(run.known_number, HandToCourier(cold_bag=True))).accepted:
            self.say(f"{run.number}: the bag handed to the courier")

    def say(self, text: str) -> None:
        self._say(f"{datetime.now():%H:%M:%S} {text}")

    async def _pause(self) -> None:
        await asyncio.sleep(self.sim.rng.uniform(0.5, 1.5) * self.settings.pace)

    async def run(self) -> None:
        """Generate until ``duration`` is over, then wait for the orders in flight (up to 2 paces each step)."""
        rng = self.sim.rng
        lives: set[asyncio.Task[None]] = set()
        until = time.monotonic() + self.settings.duration if self.settings.duration is not None else None
        try:
            while until is None or time.monotonic() < until:
                task = asyncio.create_task(self._life())
                lives.add(task)
                task.add_done_callback(lives.discard)
                await asyncio.sleep(rng.expovariate(self.settings.rate / 60.0))
            if lives:
                await asyncio.wait(lives, timeout=self.settings.pace * 20)
        finally:
            for task in lives:
                task.cancel()
            for task in list(lives):
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    async def _life(self) -> None:
        rng = self.sim.rng
        if self._first_flows:
            flow = self._first_flows.pop(0)
        else:
            flow = ShipmentMethod.PICKUP if rng.random() < self.settings.pickup_share else ShipmentMethod.BY_COURIER
        items = self._items(rng) if self._items is not None else None
        order = random_order(rng, store_id=self.sim.store_id, flow=flow, items=items)
        self.sim.stub.expect_order(order.uuid)
        run = OrderRun(self.sim, order)
        try:
            await run.create()
        except (ScenarioFailed, RelayUnreachable) as exc:
            self.say(f"order.created was not accepted: {exc}")
            return
        self.created += 1
        kind = "pickup" if flow is ShipmentMethod.PICKUP else "delivery"
        goods = ", ".join(f"{item.drug.name} ×{item.quantity}" for item in order.items)
        self.say(f"{run.number} new {kind} order: {goods}; {order.total} ₽")
        parts = [self._kuper_side(run)]
        if self.settings.play_staff:
            parts.append(self._staff_side(run))
        try:
            async with asyncio.timeout(_LIFETIME):
                await asyncio.gather(*parts)
        except (ScenarioFailed, RelayUnreachable, TimeoutError) as exc:
            self.say(f"{run.number}: {exc}")
        self.finished += 1
        self.findings.extend([*run.findings, *run.wire_findings()])

    # --- Kuper -------------------------------------------------------------------------------------

    async def _notified(self, run: OrderRun, *events: NotificationEvent) -> NotificationEvent:
        """Wait until one of ``events`` (or a cancellation) reached Kuper; which one."""
        wanted = {*events, E.ORDER_CANCELED}

        def first() -> NotificationEvent | None:
            kinds = [item.notification.event_type for item in checks.first_deliveries(run.received)]
            return next((kind for kind in kinds if kind in wanted), None)

        await self.sim.stub.wait_for(lambda _: first() is not None, timeout=_LIFETIME, interval=0.05)
        found = first()
        assert found is not None
        return found

    async def _kuper_side(self, run: OrderRun) -> None:
        rng = self.sim.rng
        order = run.order
        if rng.random() < self.settings.cancel_share:
            await self._pause()
            await run.kuper(order.canceled("customer_request", "Клиент передумал"))
            self.say(f"{run.number}: the customer canceled")
            return
        if order.flow is ShipmentMethod.PICKUP:
            if await self._notified(run, E.ORDER_PICKUP_CODE_CREATED) is E.ORDER_PICKUP_CODE_CREATED:
                self.say(f"{run.number}: pickup code {run.code_now()} sent to the customer")
            return
        if await self._notified(run, E.ORDER_IN_WORK) is E.ORDER_CANCELED:
            return
        assigned = arrived = False
        if rng.random() < self.settings.courier_share:
            await self._pause()
            await run.kuper(order.courier_assigned(courier_name(rng)))
            assigned = True
            if rng.random() < self.settings.arrival_share:
                await self._pause()
                await run.kuper(order.courier_arrived())
                arrived = True
                self.say(f"{run.number}: the courier arrived")
        if await self._notified(run, E.ORDER_READY_FOR_DELIVERY) is E.ORDER_CANCELED:
            return
        # Nobody takes a bag without a courier: one is found (later, as Kuper does), comes to the
        # counter, and only then the bag is received and delivered. Until then the order stays ready.
        if not assigned:
            for _ in range(3):
                await self._pause()
            await run.kuper(order.courier_assigned(courier_name(rng)))
        if not arrived:
            await self._pause()
            await self._pause()
            await run.kuper(order.courier_arrived())
            self.say(f"{run.number}: the courier arrived")
        if not await self._bag_given(run):
            return
        await self._pause()
        total = checks.total_of(run.received, E.ORDER_READY_FOR_DELIVERY) or order.total
        for webhook in (order.paid(total), order.received(), order.delivering(), order.delivered()):
            await self._pause()
            await run.kuper(webhook)
        self.say(f"{run.number}: delivered by the courier")

    async def _bag_given(self, run: OrderRun) -> bool:
        """Wait until the pharmacy hands the bag to the courier; False when the order closed meanwhile."""
        while True:
            order = await run.staff.order(run.known_number)
            if any(entry.get("kind") == HANDED_TO_COURIER for entry in order.get("audit", ())):
                return True
            if order.get("state") in _CLOSED:
                return False
            await asyncio.sleep(self.settings.pace / 2)

    # --- the pharmacy ------------------------------------------------------------------------------

    async def _staff_side(self, run: OrderRun) -> None:
        rng = self.sim.rng
        await self._pause()
        if not (await run.staff.start_assembly(run.known_number)).accepted:
            return  # canceled meanwhile
        await self._pause()
        packs = {item.drug.sku: item.quantity for item in run.order.items}
        if rng.random() < self.settings.short_share and sum(packs.values()) > 1:
            sku = rng.choice([sku for sku, quantity in packs.items() if quantity > 0])
            packs[sku] -= 1
        run.lines = run.packed(packs)
        if not (await run.staff.assembled(run.known_number, run.lines)).accepted:
            return
        await self._pause()
        if not (await run.staff.ready(run.known_number)).accepted:
            return
        if run.order.flow is not ShipmentMethod.PICKUP:
            await self._give_to_courier(run)
            return
        await self._pause()
        code = await run.pickup_code()
        if not (await run.staff.verify_code(run.known_number, code)).accepted:
            return
        given = {sku: quantity for sku, quantity in packs.items() if quantity > 0}
        method: Literal["cash", "card"] = "cash" if rng.random() < 0.5 else "card"
        result = await run.staff.hand_over(run.known_number, method=method, amount=expected_total(given))
        if result.accepted:
            self.say(f"{run.number}: handed over, paid by {method}")
