"""Judging what the relay sent Kuper against docs/kuper-protocol.md §4 (order of events) and §5 (mistakes).

Every function is pure: it takes what crossed the wire (the notifications the fake Kuper accepted,
the attempts it refused, the relay's answers to webhooks) and returns findings, one sentence each;
no finding means the check passed.

- :func:`protocol_findings`: one order's notifications obey the flow's order (§4), carry the
  composition and totals where due, the pickup code comes after ``ready_for_delivery``,
  ``order.delivered`` only in the pickup flow and only after the code, nothing after a cancellation,
  every notification exactly once (Kuper's ``202`` for a repeat counts as once), our number in each;
- :func:`expectation_findings`: the notifications are exactly the ones the scenario made due;
- :func:`composition_findings`: the composition sent is the one the pharmacist gave;
- :func:`attempt_findings`: Kuper never had to refuse a notification as malformed or unknown;
- :func:`answer_findings`: every webhook was answered ``200``; ``order.created`` with a valid answer
  and the same number on every redelivery;
- :func:`pickup_code_findings`: codes of orders waiting at the same time are unique (§5.2).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from pharmacy_desk.kuper import (
    CanceledNotification,
    CompositionPayload,
    KuperFormatError,
    NotificationEvent,
    OrderCreatedAnswer,
    PickupCodeCreatedNotification,
    ShipmentMethod,
    WebhookEvent,
)
from pharmacy_desk.kuper.totals import composition_total
from pharmacy_desk.sim.kuper_stub import LIVE_REPEAT, Attempt, Received

E = NotificationEvent

CHAINS: Mapping[ShipmentMethod, tuple[NotificationEvent, ...]] = {
    ShipmentMethod.BY_COURIER: (E.ORDER_IN_WORK, E.ORDER_ASSEMBLED, E.ORDER_READY_FOR_DELIVERY),
    ShipmentMethod.PICKUP: (
        E.ORDER_IN_WORK,
        E.ORDER_ASSEMBLED,
        E.ORDER_READY_FOR_DELIVERY,
        E.ORDER_PICKUP_CODE_CREATED,
        E.ORDER_DELIVERED,
    ),
}
"""The merchant's notifications of each flow, in the only order they may come (§4)."""

_COMPOSITION_EVENTS = (E.ORDER_READY_FOR_DELIVERY, E.ORDER_DELIVERED)


@dataclass(frozen=True, slots=True)
class WebhookAnswer:
    """How the relay answered one webhook delivery."""

    event_type: str
    status: int | None  # None: no answer (connection refused, time-out)
    body: str


def first_deliveries(received: Iterable[Received]) -> list[Received]:
    """The notifications as Kuper processed them: repeats answered ``202`` left out."""
    return [item for item in received if not item.is_repeat]


def protocol_findings(flow: ShipmentMethod, number: str | None, received: Sequence[Received]) -> list[str]:
    """What in one order's notifications breaks §4/§5, whatever the scenario."""
    findings: list[str] = []
    firsts = first_deliveries(received)
    kinds = [item.notification.event_type for item in firsts]
    for kind, count in Counter(kinds).items():
        if count > 1:
            findings.append(f"{kind} accepted {count} times with different bodies (must be exactly once)")
    for item in received:
        if number is not None and item.number != number:
            findings.append(f"{item.event_type} carries number {item.number!r}, the order's number is {number!r}")
    chain = CHAINS[flow]
    done = 0  # how many steps of the chain have come
    seen: set[NotificationEvent] = set()
    canceled = False
    for kind in kinds:
        if canceled:
            findings.append(f"{kind} after order.canceled (nothing may follow a cancellation)")
        elif kind is E.ORDER_CANCELED:
            canceled = True
            if E.ORDER_DELIVERED in seen:
                findings.append("order.canceled after order.delivered (the goods had left)")
        elif kind is E.ORDER_ACCEPTED:
            if seen:
                findings.append("order.accepted after assembly began")
        elif kind not in chain:
            findings.append(_not_in_flow(kind, flow))
        elif kind not in seen:
            step = chain.index(kind)
            if step > done:
                findings.append(f"{kind} before {chain[done]}")
            elif step < done:
                findings.append(f"{kind} after {chain[done - 1]}")
            done = max(done, step + 1)
        seen.add(kind)
    for item in firsts:
        findings.extend(_payload_findings(item))
    return findings


def _not_in_flow(kind: NotificationEvent, flow: ShipmentMethod) -> str:
    if kind is E.ORDER_DELIVERED:
        return "order.delivered sent by the pharmacy in the delivery flow (Kuper sends it there)"
    if kind is E.ORDER_PICKUP_CODE_CREATED:
        return "order.pickup_code_created in the delivery flow"
    return f"{kind} is not a notification of the {flow} flow"


def _payload_findings(item: Received) -> list[str]:
    payload = item.notification.payload
    kind = item.notification.event_type
    if kind in _COMPOSITION_EVENTS:
        if not isinstance(payload, CompositionPayload) or not payload.positions:
            return [f"{kind} without the composition"]
        expected = composition_total(position.total_price for position in payload.positions)
        if payload.total.total_price != expected or payload.total.discount_total_price != expected:
            return [f"{kind}: total {payload.total.total_price} is not the sum of the positions {expected}"]
    if isinstance(item.notification, PickupCodeCreatedNotification) and not item.notification.payload.pickup_code:
        return ["order.pickup_code_created without a code"]
    return []


def expectation_findings(received: Sequence[Received], expected: Sequence[NotificationEvent]) -> list[str]:
    """The notifications Kuper processed are exactly ``expected``, in that order."""
    got = [item.notification.event_type for item in first_deliveries(received)]
    if got == list(expected):
        return []
    return [f"notifications {_names(got)}, expected {_names(expected)}"]


def cancellation_findings(received: Sequence[Received], slug: str) -> list[str]:
    """The pharmacy's ``order.canceled`` carries reason ``slug``."""
    cancels = [item.notification for item in received if isinstance(item.notification, CanceledNotification)]
    if not cancels:
        return [f"no order.canceled (expected reason {slug})"]
    sent = cancels[0].payload.cancellation.slug.value
    return [] if sent == slug else [f"order.canceled with reason {sent}, expected {slug}"]


def composition_findings(
    received: Sequence[Received], event: NotificationEvent, expected: Mapping[str, int]
) -> list[str]:
    """The composition in ``event`` gives ``expected`` packs per SKU (lines with 0 packs may be listed)."""
    found = [item.notification.payload for item in first_deliveries(received) if item.event_type == event]
    if not found:
        return [f"no {event} to check the composition of"]
    payload = found[0]
    if not isinstance(payload, CompositionPayload):
        return [f"{event} without the composition"]
    given = {position.sku: position.quantity for position in payload.positions if position.quantity > 0}
    wanted = {sku: quantity for sku, quantity in expected.items() if quantity > 0}
    if given != wanted:
        return [f"{event} gives {_packs(given)}, expected {_packs(wanted)}"]
    return []


def total_of(received: Sequence[Received], event: NotificationEvent) -> Decimal | None:
    """``total.totalPrice`` of the first ``event`` with a composition."""
    for item in first_deliveries(received):
        payload = item.notification.payload
        if item.event_type == event and isinstance(payload, CompositionPayload):
            return payload.total.total_price
    return None


def attempt_findings(attempts: Sequence[Attempt]) -> list[str]:
    """Kuper refused nothing as malformed (``4xx`` but 401 and 429) or for an unknown order.

    A live 422 for a repeat (the relay sent again what Kuper had: its answer was lost) is Kuper's way of
    saying 202 and no finding; the relay's state check makes it done (:func:`expectation_findings`
    would show a notification left out)."""
    return [
        f"Kuper answered {attempt.status} to {attempt.event_type or 'a request'}: {attempt.reason}"
        for attempt in attempts
        if 400 <= attempt.status < 500
        and attempt.status not in (401, 429)
        and attempt.reason not in ("storm", LIVE_REPEAT)
    ]


def answer_findings(answers: Sequence[WebhookAnswer]) -> list[str]:
    """Every answer is ``200``; ``order.created`` answers valid and with one number.

    A delivery that got no answer at all (``status`` ``None``: the relay was down) is not a finding by
    itself: Kuper delivers it again, and :meth:`~pharmacy_desk.sim.harness.OrderRun.kuper` notes a
    webhook that never got its ``200``.
    """
    findings: list[str] = []
    numbers: set[str] = set()
    for answer in answers:
        if answer.status is None:
            continue
        if answer.status != 200:
            findings.append(f"{answer.event_type} answered {answer.status} (Kuper's events are answered 200)")
            continue
        if answer.event_type != WebhookEvent.ORDER_CREATED:
            continue
        try:
            numbers.add(OrderCreatedAnswer.parse(answer.body).number)
        except KuperFormatError as exc:
            findings.append(f"the answer to order.created is not valid: {exc}")
    if len(numbers) > 1:
        findings.append(f"order.created answered with different numbers: {', '.join(sorted(numbers))}")
    return findings


def pickup_code_findings(codes: Mapping[str, str]) -> list[str]:
    """Codes of orders waiting for pickup at the same time (order uuid → code) are all different."""
    holders: dict[str, list[str]] = {}
    for order_uuid, code in codes.items():
        holders.setdefault(code, []).append(order_uuid)
    return [
        f"pickup code {code} given to {len(orders)} waiting orders"
        for code, orders in holders.items()
        if len(orders) > 1
    ]


def pickup_code_of(received: Sequence[Received]) -> str | None:
    for item in received:
        if isinstance(item.notification, PickupCodeCreatedNotification):
            return item.notification.payload.pickup_code
    return None


def _names(kinds: Iterable[str]) -> str:
    listed = ", ".join(str(kind).removeprefix("order.") for kind in kinds)
    return f"[{listed}]"


def _packs(quantities: Mapping[str, int]) -> str:
    return "{" + ", ".join(f"{sku}×{quantity}" for sku, quantity in sorted(quantities.items())) + "}"
