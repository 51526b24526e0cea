"""What a scenario works with: the fake Kuper, the webhook sender, the staff, and one order's run.

:class:`Sim` bundles the three actors; :class:`OrderRun` follows one simulated order through the
relay (sends its webhooks, remembers our number, waits for its notifications at the fake Kuper) and
collects the scenario's own findings; :meth:`OrderRun.final_findings` adds the protocol checks of
:mod:`pharmacy_desk.sim.checks` once the scenario is over.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Literal, TypeVar

from pharmacy_desk.domain import FinalLine
from pharmacy_desk.kuper import (
    KuperFormatError,
    NotificationEvent,
    OrderCreatedAnswer,
    ShipmentMethod,
    WebhookEnvelope,
)
from pharmacy_desk.kuper.totals import composition_total, position_total
from pharmacy_desk.sim import checks
from pharmacy_desk.sim.catalogue import BY_SKU, marking_code
from pharmacy_desk.sim.checks import WebhookAnswer
from pharmacy_desk.sim.kuper_stub import KuperStub, Received
from pharmacy_desk.sim.orders import Item, SimOrder, random_items, random_order
from pharmacy_desk.sim.staff import ActionResult, Staff
from pharmacy_desk.sim.webhook_sender import WebhookSender

E = NotificationEvent
T = TypeVar("T")


async def poll(probe: Callable[[], Awaitable[T | None]], *, timeout: float, interval: float = 0.05) -> T | None:
    """``probe()`` again and again until it gives something other than ``None``, or ``timeout`` seconds
    passed (then ``None``): a deadline, never a fixed wait, decides."""
    deadline = time.monotonic() + timeout
    while True:
        found = await probe()
        if found is not None or time.monotonic() >= deadline:
            return found
        await asyncio.sleep(interval)


@dataclass
class Sim:
    """The actors of a run against one relay and one store."""

    stub: KuperStub
    sender: WebhookSender
    staff: Staff
    store_id: str
    rng: random.Random = field(default_factory=random.Random)
    wait: float = 30.0  # longest wait for a notification (the relay's back-off after a storm)
    runs: list[OrderRun] = field(default_factory=list)  # the orders of the scenario running now

    def order(self, flow: ShipmentMethod, items: list[Item] | None = None, *, lines: int | None = None) -> OrderRun:
        chosen = items if items is not None else random_items(self.rng, lines=lines)
        order = random_order(self.rng, store_id=self.store_id, flow=flow, items=chosen)
        self.stub.expect_order(
            order.uuid,
            original_order_id=order.original_order_id,
            store_id=self.store_id,
            shipment=order.created().payload.model_dump(mode="json", exclude_unset=True, by_alias=True),
        )
        run = OrderRun(self, order)
        self.runs.append(run)
        return run


class ScenarioFailed(Exception):
    """A step went so wrong the scenario cannot go on (its findings say why)."""


@dataclass
class OrderRun:
    """One order's way through the relay, as Kuper and the staff see it."""

    sim: Sim
    order: SimOrder
    number: str | None = None
    findings: list[str] = field(default_factory=list)
    expected: list[NotificationEvent] = field(default_factory=list)
    lines: list[FinalLine] = field(default_factory=list)  # what the pharmacist scanned at assembly

    @property
    def label(self) -> str:
        return self.number or self.order.uuid.rsplit(":", 1)[-1][:8]

    def note(self, finding: str) -> None:
        self.findings.append(f"{self.label}: {finding}")

    def due(self, *events: NotificationEvent) -> None:
        """The scenario made these notifications due (in this order)."""
        self.expected.extend(events)

    # --- Kuper's side ----------------------------------------------------------------------------

    async def kuper(self, webhook: WebhookEnvelope) -> WebhookAnswer:
        """Deliver one webhook (redelivered until 200, as Kuper does)."""
        answer = await self.sim.sender.deliver(webhook)
        if answer.status is None:
            self.note(f"{webhook.event_type} never answered: {answer.body}")
        return answer

    async def create(self) -> str:
        """Send ``order.created`` and keep our number from the answer."""
        answer = await self.kuper(self.order.created())
        if answer.status != 200:
            if answer.status is not None:  # no answer at all is already noted
                self.note(f"order.created answered {answer.status}: {answer.body[:200]}")
            raise ScenarioFailed(self.findings[-1])
        try:
            number = OrderCreatedAnswer.parse(answer.body).number
        except KuperFormatError as exc:
            self.note(f"the answer to order.created is not valid: {exc}")
            raise ScenarioFailed(self.findings[-1]) from None
        if self.number is not None and number != self.number:
            self.note(f"order.created redelivered got number {number}, first {self.number}")
        self.number = number
        return number

    # --- the staff's side ------------------------------------------------------------------------

    @property
    def staff(self) -> Staff:
        return self.sim.staff

    @property
    def known_number(self) -> str:
        if self.number is None:
            raise ScenarioFailed(f"{self.label}: no number yet (order.created not answered)")
        return self.number

    def expect_accepted(self, result: ActionResult) -> ActionResult:
        if not result.accepted:
            self.note(f"{result.describe()}: {result.body.get('message', result.body)}")
            raise ScenarioFailed(self.findings[-1])
        return result

    def expect_refused(self, result: ActionResult, code: str) -> None:
        if result.accepted:
            self.note(f"{result.kind} was accepted, expected refusal {code}")
        elif result.status != 422 or result.code != code:
            self.note(f"{result.describe()}, expected 422 {code}")

    def packed(self, quantities: dict[str, int] | None = None) -> list[FinalLine]:
        """The composition the pharmacist scans: ``quantities`` per SKU (default: as ordered), one code a pack."""
        wanted = quantities if quantities is not None else {i.drug.sku: i.quantity for i in self.order.items}
        lines = []
        for sku, quantity in wanted.items():
            drug = BY_SKU[sku]
            codes = tuple(marking_code(drug, self.sim.rng) for _ in range(quantity)) if drug.is_marked else ()
            lines.append(FinalLine(sku=sku, quantity=quantity, marking_codes=codes))
        return lines

    async def start(self) -> None:
        self.expect_accepted(await self.staff.start_assembly(self.known_number))
        self.due(E.ORDER_IN_WORK)

    async def assembled(self, quantities: dict[str, int] | None = None) -> dict[str, int]:
        """The pharmacist scanned ``quantities`` packs per SKU; returns the packs that will be given."""
        self.lines = self.packed(quantities)
        self.expect_accepted(await self.staff.assembled(self.known_number, self.lines))
        self.due(E.ORDER_ASSEMBLED)
        return {line.sku: line.quantity for line in self.lines if line.quantity > 0}

    async def assemble(self, quantities: dict[str, int] | None = None) -> dict[str, int]:
        """start_assembly + assembled."""
        await self.start()
        return await self.assembled(quantities)

    async def ready(self) -> None:
        self.expect_accepted(await self.staff.ready(self.known_number))
        self.due(E.ORDER_READY_FOR_DELIVERY)
        if self.order.flow is ShipmentMethod.PICKUP:
            self.due(E.ORDER_PICKUP_CODE_CREATED)

    async def pickup_code(self) -> str:
        """The code Kuper got (and showed the customer in its app)."""
        if not await self.sim.stub.wait_for(lambda _: self.code_now() is not None, timeout=self.sim.wait):
            self.note("no order.pickup_code_created reached Kuper")
            raise ScenarioFailed(self.findings[-1])
        code = self.code_now()
        assert code is not None
        return code

    def code_now(self) -> str | None:
        return checks.pickup_code_of(self.received)

    async def collect_at_counter(self, method: Literal["cash", "card"] | None, packs: dict[str, int]) -> None:
        """The customer tells the code, pays ``method`` for ``packs`` and takes them."""
        code = await self.pickup_code()
        self.expect_accepted(await self.staff.verify_code(self.known_number, code))
        given = [
            FinalLine(sku=line.sku, quantity=packs[line.sku], marking_codes=line.marking_codes[: packs[line.sku]])
            for line in self.lines
            if packs.get(line.sku, 0) > 0
        ]
        amount = expected_total(packs) if method is not None else None
        result = await self.staff.hand_over(self.known_number, method=method, amount=amount, composition=given)
        self.expect_accepted(result)
        self.due(E.ORDER_DELIVERED)

    async def expect_state(self, state: str) -> None:
        """The relay shows the order in ``state`` (public API)."""
        order = await self.staff.order(self.known_number)
        if order.get("state") != state:
            self.note(f"order is {order.get('state')}, expected {state}")

    def check_composition(self, event: NotificationEvent, packs: dict[str, int]) -> None:
        """``event`` reached Kuper with ``packs`` per SKU and their total by the catalogue's prices."""
        received = self.received
        for finding in checks.composition_findings(received, event, packs):
            self.note(finding)
        total = checks.total_of(received, event)
        if total is not None and total != expected_total(packs):
            self.note(f"{event} total {total}, the packs cost {expected_total(packs)}")

    # --- what reached Kuper ----------------------------------------------------------------------

    @property
    def received(self) -> list[Received]:
        return self.sim.stub.received_for(self.order.uuid)

    async def wait_for_due(self) -> bool:
        """Wait until every due notification reached Kuper."""

        def arrived(_: KuperStub) -> bool:
            got = [item.notification.event_type for item in checks.first_deliveries(self.received)]
            return len(got) >= len(self.expected)

        ok = await self.sim.stub.wait_for(arrived, timeout=self.sim.wait)
        if not ok:
            got = [item.event_type for item in checks.first_deliveries(self.received)]
            self.note(f"after {self.sim.wait:g} s Kuper has {got}, due {[str(e) for e in self.expected]}")
        return ok

    async def notifications(self) -> list[dict[str, Any]]:
        """The order's notifications as the relay's history shows them (none before our number)."""
        if self.number is None:
            return []
        detail = await self.staff.detail(self.number)
        found: list[dict[str, Any]] = (detail or {}).get("history", {}).get("notifications", [])
        return found

    async def wait_until_sent(self) -> bool:
        """Wait until the relay has no notification of this order left to send (each done or failed)."""

        async def settled() -> bool | None:
            return all(n.get("status") in ("done", "failed") for n in await self.notifications()) or None

        ok = await poll(settled, timeout=self.sim.wait) is not None
        if not ok:
            self.note(f"after {self.sim.wait:g} s the relay still sends: {await self.notifications()}")
        return ok

    def wire_findings(self) -> list[str]:
        """Every protocol check of this order's traffic (§4/§5), whatever the scenario intended."""
        received = self.received
        found = [
            *checks.protocol_findings(self.order.flow, self.number, received),
            *checks.attempt_findings(self.sim.stub.attempts_for(self.order.uuid)),
            *checks.answer_findings(self.sim.sender.answers.get(self.order.uuid, [])),
        ]
        return [f"{self.label}: {finding}" for finding in found]

    def final_findings(self) -> list[str]:
        """The scenario's own findings, the notifications it made due, and the protocol checks."""
        due = [f"{self.label}: {finding}" for finding in checks.expectation_findings(self.received, self.expected)]
        return [*self.findings, *due, *self.wire_findings()]


def expected_total(quantities: dict[str, int]) -> Decimal:
    """What the customer pays for ``quantities`` packs per SKU, by the catalogue's prices."""
    return composition_total(position_total(BY_SKU[sku].unit_price, qty) for sku, qty in quantities.items())
