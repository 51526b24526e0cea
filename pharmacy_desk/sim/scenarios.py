"""The named scenarios: every test scenario of docs/kuper-protocol.md §6, both flows, and the hard cases.

A scenario plays Kuper (webhooks) and the staff (actions API) for one or more orders, notes what each
step should have made due at Kuper, and leaves the judging to :meth:`OrderRun.final_findings`
(run by :mod:`pharmacy_desk.sim.runner`). Kuper's error storms hit only the scenario's own orders.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pharmacy_desk.domain import CancelReason
from pharmacy_desk.kuper import NotificationEvent, ShipmentMethod
from pharmacy_desk.sim.catalogue import CATALOGUE, UNSTOCKED
from pharmacy_desk.sim.checks import cancellation_findings
from pharmacy_desk.sim.harness import OrderRun, Sim, expected_total, poll
from pharmacy_desk.sim.orders import Item, courier_name
from pharmacy_desk.sim.webhook_sender import WebhookAuth, WebhookSender

E = NotificationEvent
PICKUP = ShipmentMethod.PICKUP
DELIVERY = ShipmentMethod.BY_COURIER
_ALL_PICKUP = (E.ORDER_IN_WORK, E.ORDER_ASSEMBLED, E.ORDER_READY_FOR_DELIVERY, E.ORDER_PICKUP_CODE_CREATED)


@dataclass(frozen=True, slots=True)
class Scenario:
    name: str
    summary: str
    play: Callable[[Sim], Awaitable[None]]


SCENARIOS: dict[str, Scenario] = {}


def scenario(name: str, summary: str) -> Callable[[Callable[[Sim], Awaitable[None]]], None]:
    def register(play: Callable[[Sim], Awaitable[None]]) -> None:
        SCENARIOS[name] = Scenario(name, summary, play)

    return register


def _marked_items(sim: Sim, lines: int) -> list[Item]:
    marked = [drug for drug in CATALOGUE if drug.is_marked and drug.max_per_order >= 2]
    return [Item(drug, 2) for drug in sim.rng.sample(marked, lines)]


async def _ready_pickup(run: OrderRun, quantities: dict[str, int] | None = None) -> dict[str, int]:
    await run.create()
    packs = await run.assemble(quantities)
    await run.ready()
    return packs


# --- pickup (§6) -----------------------------------------------------------------------------------


async def _paid_at_pickup(sim: Sim, method: str) -> None:
    run = sim.order(PICKUP, _marked_items(sim, 2) if method == "card" else None)
    packs = await _ready_pickup(run)
    await run.collect_at_counter("card" if method == "card" else "cash", packs)
    await run.wait_for_due()
    run.check_composition(E.ORDER_READY_FOR_DELIVERY, packs)
    run.check_composition(E.ORDER_DELIVERED, packs)
    await run.expect_state("shipped")


@scenario("pickup_paid_cash", "pickup: code checked, paid in cash at the counter, delivered with the composition")
async def pickup_paid_cash(sim: Sim) -> None:
    await _paid_at_pickup(sim, "cash")


@scenario("pickup_paid_card", "pickup: marked drugs, paid by card at the counter")
async def pickup_paid_card(sim: Sim) -> None:
    await _paid_at_pickup(sim, "card")


@scenario("pickup_cancel_before_code", "pickup: the pharmacy cancels during assembly (no code yet)")
async def pickup_cancel_before_code(sim: Sim) -> None:
    run = sim.order(PICKUP)
    await run.create()
    await run.start()
    run.expect_accepted(await run.staff.cancel(run.known_number, CancelReason.CUSTOMER_REQUEST, "Клиент позвонил"))
    run.due(E.ORDER_CANCELED)
    run.expect_refused(await run.staff.ready(run.known_number), "order_canceled")
    await run.wait_for_due()
    await run.expect_state("canceled")


@scenario("pickup_kuper_cancel_before_code", "pickup: Kuper cancels during assembly; later actions refused")
async def pickup_kuper_cancel_before_code(sim: Sim) -> None:
    run = sim.order(PICKUP)
    await run.create()
    await run.start()
    await run.kuper(run.order.canceled())
    run.expect_refused(await run.staff.assembled(run.known_number, run.packed()), "order_canceled")
    await run.wait_for_due()
    await run.expect_state("canceled")


@scenario("pickup_cancel_after_code", "pickup: the customer never came; the pharmacy cancels after the code")
async def pickup_cancel_after_code(sim: Sim) -> None:
    run = sim.order(PICKUP)
    await _ready_pickup(run)
    code = await run.pickup_code()
    reason = CancelReason.CUSTOMER_REQUEST
    run.expect_accepted(await run.staff.cancel(run.known_number, reason, "Покупатель не пришёл"))
    run.due(E.ORDER_CANCELED)
    run.expect_refused(await run.staff.verify_code(run.known_number, code), "order_canceled")
    await run.wait_for_due()
    await run.expect_state("canceled")


@scenario("pickup_kuper_cancel_after_code", "pickup: Kuper cancels after the code; the code no longer opens it")
async def pickup_kuper_cancel_after_code(sim: Sim) -> None:
    run = sim.order(PICKUP)
    await _ready_pickup(run)
    code = await run.pickup_code()
    await run.kuper(run.order.canceled())
    run.expect_refused(await run.staff.verify_code(run.known_number, code), "order_canceled")
    await run.wait_for_due()
    await run.expect_state("canceled")


@scenario("pickup_composition_changed", "pickup: Kuper changes the order during assembly, one drug is missing")
async def pickup_composition_changed(sim: Sim) -> None:
    first, second, third = sim.rng.sample([d for d in CATALOGUE if d.max_per_order >= 3], 3)
    run = sim.order(PICKUP, [Item(first, 3), Item(second, 1), Item(third, 2)])
    await run.create()
    await run.start()
    # The customer, called by Kuper, wants one pack of the first drug less.
    await run.kuper(run.order.updated([Item(first, 2), Item(second, 1), Item(third, 2)]))
    packs = await run.assembled({first.sku: 2, second.sku: 0, third.sku: 2})  # the second is out of stock
    await run.ready()
    await run.collect_at_counter("cash", packs)
    await run.wait_for_due()
    run.check_composition(E.ORDER_READY_FOR_DELIVERY, packs)
    run.check_composition(E.ORDER_DELIVERED, packs)


@scenario("pickup_code_unique", "pickup: codes of waiting orders are unique; wrong and unchecked codes refused")
async def pickup_code_unique(sim: Sim) -> None:
    runs = [sim.order(PICKUP) for _ in range(8)]
    packs = await asyncio.gather(*(_ready_pickup(run) for run in runs))
    codes = {run.order.uuid: await run.pickup_code() for run in runs}
    for code, holders in _holders(codes).items():
        if len(holders) > 1:
            runs[0].note(f"pickup code {code} given to {len(holders)} orders waiting at the same time")
    first, second = runs[0], runs[1]
    wrong = next(f"{n:04d}" for n in range(10000) if f"{n:04d}" not in codes.values())
    first.expect_refused(await first.staff.verify_code(first.known_number, wrong), "code_wrong")
    amount = expected_total(packs[1])
    unchecked = await second.staff.hand_over(second.known_number, method="cash", amount=amount)
    second.expect_refused(unchecked, "code_not_verified")
    for run, given in zip(runs, packs, strict=True):
        await run.collect_at_counter("cash", given)
    for run in runs:
        await run.wait_for_due()


def _holders(codes: dict[str, str]) -> dict[str, list[str]]:
    holders: dict[str, list[str]] = {}
    for order_uuid, code in codes.items():
        holders.setdefault(code, []).append(order_uuid)
    return holders


@scenario("pickup_refuses_to_pay", "pickup: the customer refuses to pay; no hand-over, the pharmacy cancels")
async def pickup_refuses_to_pay(sim: Sim) -> None:
    run = sim.order(PICKUP)
    packs = await _ready_pickup(run)
    code = await run.pickup_code()
    run.expect_accepted(await run.staff.verify_code(run.known_number, code))
    run.expect_refused(await run.staff.hand_over(run.known_number, method=None), "payment_missing")
    short = expected_total(packs) - 1
    run.expect_refused(await run.staff.hand_over(run.known_number, method="cash", amount=short), "payment_amount")
    run.expect_accepted(await run.staff.cancel(run.known_number, CancelReason.ORDER_NOT_PAID, "Отказ от оплаты"))
    run.due(E.ORDER_CANCELED)
    await run.wait_for_due()
    await run.expect_state("canceled")


@scenario("pickup_partial_handover", "pickup: the customer declines packs at the counter; delivered has less")
async def pickup_partial_handover(sim: Sim) -> None:
    first, second = sim.rng.sample([d for d in CATALOGUE if d.max_per_order >= 3], 2)
    run = sim.order(PICKUP, [Item(first, 3), Item(second, 1)])
    packs = await _ready_pickup(run)
    taken = {first.sku: 2}
    await run.collect_at_counter("card", taken)
    await run.wait_for_due()
    run.check_composition(E.ORDER_READY_FOR_DELIVERY, packs)
    run.check_composition(E.ORDER_DELIVERED, taken)


@scenario("pickup_paid_by_kuper", "pickup: Kuper took the payment (order.paid); handed over without paying")
async def pickup_paid_by_kuper(sim: Sim) -> None:
    run = sim.order(PICKUP)
    packs = await _ready_pickup(run)
    await run.kuper(run.order.paid(expected_total(packs)))
    await run.collect_at_counter(None, packs)
    await run.wait_for_due()
    await run.expect_state("shipped")


# --- delivery by Kuper (§6) ------------------------------------------------------------------------


async def _delivered_by_kuper(sim: Sim, *, courier_events: bool) -> None:
    run = sim.order(DELIVERY)
    await run.create()
    await run.start()
    if courier_events:
        await run.kuper(run.order.courier_assigned(courier_name(sim.rng)))
    packs = await run.assembled()
    if courier_events:
        await run.kuper(run.order.courier_arrived())
    await run.ready()
    for webhook in (run.order.paid(expected_total(packs)), run.order.received()):
        await run.kuper(webhook)
    await run.kuper(run.order.delivering())
    await run.kuper(run.order.delivered())
    await run.wait_for_due()
    run.check_composition(E.ORDER_READY_FOR_DELIVERY, packs)
    await run.expect_state("shipped")


@scenario("delivery_happy_path", "delivery: assembled, ready, paid, received, delivered; no courier events")
async def delivery_happy_path(sim: Sim) -> None:
    await _delivered_by_kuper(sim, courier_events=False)


@scenario("delivery_with_courier", "delivery: courier.assigned after in_work, courier.arrived before ready")
async def delivery_with_courier(sim: Sim) -> None:
    await _delivered_by_kuper(sim, courier_events=True)


@scenario("delivery_out_of_stock", "delivery: answered created, then canceled out_of_stock")
async def delivery_out_of_stock(sim: Sim) -> None:
    run = sim.order(DELIVERY, [Item(UNSTOCKED, 1)])
    await run.create()
    reason = CancelReason.OUT_OF_STOCK
    run.expect_accepted(await run.staff.cancel(run.known_number, reason, f"Нет в наличии: {UNSTOCKED.name}"))
    run.due(E.ORDER_CANCELED)
    await run.wait_for_due()
    for finding in cancellation_findings(run.received, reason.value):
        run.note(finding)
    await run.expect_state("canceled")


@scenario("delivery_kuper_cancel_during_assembly", "delivery: Kuper cancels while the pharmacist assembles")
async def delivery_kuper_cancel_during_assembly(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    await run.create()
    await run.start()
    await run.kuper(run.order.canceled("customer_request", "Клиент отменил заказ в приложении"))
    run.expect_refused(await run.staff.assembled(run.known_number, run.packed()), "order_canceled")
    await run.wait_for_due()
    await run.expect_state("canceled")


@scenario("delivery_pharmacy_cancel", "delivery: the pharmacy cancels after assembly (technical issues)")
async def delivery_pharmacy_cancel(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    await run.create()
    await run.assemble()
    reason = CancelReason.TECHNICAL_ISSUES
    run.expect_accepted(await run.staff.cancel(run.known_number, reason, "Сломался холодильник"))
    run.due(E.ORDER_CANCELED)
    run.expect_refused(await run.staff.ready(run.known_number), "order_canceled")
    await run.wait_for_due()
    await run.expect_state("canceled")


@scenario("delivery_cancel_after_handover_refused", "delivery: after order.received the pharmacy cannot cancel")
async def delivery_cancel_after_handover_refused(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    await run.create()
    packs = await run.assemble()
    await run.ready()
    await run.kuper(run.order.paid(expected_total(packs)))
    await run.kuper(run.order.received())
    run.expect_refused(await run.staff.cancel(run.known_number, CancelReason.TECHNICAL_ISSUES), "goods_left")
    await run.wait_for_due()


# --- Kuper's redeliveries and disorder ------------------------------------------------------------


@scenario("duplicate_webhooks", "every webhook delivered twice, order.created three times: one number, one of each")
async def duplicate_webhooks(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    first = await run.create()
    await run.create()
    await run.create()
    if run.number != first:
        run.note(f"redelivered order.created got {run.number}, first {first}")
    await run.start()
    assigned = run.order.courier_assigned(courier_name(sim.rng))
    await run.kuper(assigned)
    await run.kuper(assigned)
    packs = await run.assembled()
    await run.ready()
    # "Ready" pressed again on a second PC: refused, nothing is sent twice.
    run.expect_refused(await run.staff.ready(run.known_number), "wrong_state")
    for webhook in (run.order.paid(expected_total(packs)), run.order.received(), run.order.delivered()):
        await run.kuper(webhook)
        await run.kuper(webhook)
    await run.wait_for_due()
    await run.expect_state("shipped")


@scenario("out_of_order_webhooks", "Kuper's events early and out of order: all answered 200, notifications right")
async def out_of_order_webhooks(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    # The courier is assigned before order.created reaches us; courier.arrived before courier.assigned.
    await run.kuper(run.order.courier_arrived())
    await run.kuper(run.order.courier_assigned(courier_name(sim.rng)))
    await run.create()
    await run.start()
    packs = await run.assembled()
    await run.kuper(run.order.paid(expected_total(packs)))  # paid before ready
    await run.ready()
    await run.kuper(run.order.delivered())  # delivered before received and delivering
    await run.kuper(run.order.delivering())
    await run.kuper(run.order.received())
    await run.wait_for_due()
    await run.expect_state("shipped")


# --- Kuper answering errors ---------------------------------------------------------------------------
# Storms hit only the scenario's own order, so the other scenarios may run at the same time.


async def _pickup_through_storm(sim: Sim, status: int, **storm: Any) -> None:
    """A whole pickup order whose first notification meets the storm; the rest queue behind it."""
    run = sim.order(PICKUP)
    await run.create()
    sim.stub.storm(status, orders=[run.order.uuid], **storm)
    packs = await run.assemble()
    await run.ready()
    await run.collect_at_counter("cash", packs)
    await run.wait_for_due()
    if not any(attempt.status == status for attempt in sim.stub.attempts_for(run.order.uuid)):
        run.note(f"the storm of {status} never hit this order (nothing was tested)")


@scenario("kuper_storm_5xx", "Kuper answers 503 for a while: every notification arrives once, in order")
async def kuper_storm_5xx(sim: Sim) -> None:
    await _pickup_through_storm(sim, 503, seconds=1.5)


@scenario("kuper_storm_429", "Kuper answers 429 with Retry-After: the relay waits and sends once")
async def kuper_storm_429(sim: Sim) -> None:
    await _pickup_through_storm(sim, 429, requests=1, retry_after=1)


@scenario("kuper_token_refused", "Kuper refuses the token (401): the relay refreshes it and sends once")
async def kuper_token_refused(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    before = sim.stub.token_requests
    await run.create()
    sim.stub.storm(401, requests=1, orders=[run.order.uuid])
    await run.start()
    await run.wait_for_due()
    sim.stub.revoke_tokens()
    await run.assembled()
    await run.ready()
    await run.wait_for_due()
    if sim.stub.token_requests < before + 2:
        run.note(f"the relay fetched {sim.stub.token_requests - before} tokens, expected a refresh after each 401")


@scenario("kuper_rejects_422", "Kuper rejects a notification (422): held, shown, retried by hand")
async def kuper_rejects_422(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    await run.create()
    sim.stub.storm(422, requests=1, orders=[run.order.uuid])
    await run.start()
    await run.assembled()
    # The rejected in_work holds the order's later notifications until a person decides: wait (with a
    # deadline) until the order's history shows it failed, then nothing else may have gone out.

    async def rejected() -> list[dict[str, Any]] | None:
        return [n for n in await run.notifications() if n.get("status") == "failed"] or None

    failed = await poll(rejected, timeout=sim.wait) or []
    tries = [a for a in sim.stub.attempts_for(run.order.uuid) if a.event_type == E.ORDER_IN_WORK]
    if len(tries) != 1:
        run.note(f"order.in_work was tried {len(tries)} times after Kuper's 422 (expected once, then a person)")
    if run.received:
        run.note(f"{[r.event_type for r in run.received]} reached Kuper past the rejected order.in_work")
    if not failed or failed[0].get("last_status_code") != 422:
        run.note(f"the order's history does not show the rejected notification: {failed}")
        return
    status = await run.staff.retry_notification(failed[0]["id"])
    if status != 200:
        run.note(f"retrying the failed notification answered {status}")
    await run.ready()
    await run.wait_for_due()


# --- authentication ----------------------------------------------------------------------------------


@scenario("webhook_auth_refused", "a webhook with a wrong Client-Token is refused 401 and not stored")
async def webhook_auth_refused(sim: Sim) -> None:
    run = sim.order(DELIVERY)
    async with WebhookSender(sim.sender.base_url, sim.sender.store, WebhookAuth(client_token="wrong")) as intruder:
        answer = await intruder.send(run.order.created())
    if answer.status != 401 or answer.body:
        run.note(f"a wrong Client-Token got {answer.status} {answer.body[:100]!r}, expected 401 with no body")
    await run.create()
    detail = await run.staff.detail(run.known_number)
    hooks = (detail or {}).get("history", {}).get("webhooks", [])
    if len(hooks) != 1:
        run.note(f"the order's history holds {len(hooks)} webhooks, expected the one authenticated order.created")
