"""An order's story for the screen: the courier's progress, and every event of its history in time order.

- :func:`delivery_steps`: paid → received → delivering → delivered, from the order's milestones (Kuper's
  webhooks); a step Kuper skipped is marked as such once a later one came;
- :func:`history_entries`: the relay's :class:`~pharmacy_desk.api.orders.OrderHistory` (Kuper's webhooks,
  the staff's actions with the PC and the person, our notifications with their delivery state and
  Kuper's error text) merged into one list, oldest first.

Pure: no Qt, no I/O. Labels are the UI's (it translates the stable keys given here).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from pharmacy_desk.api.orders import ActionRecord, OrderHistory, OutboxRecord, WebhookRecord
from pharmacy_desk.domain import KuperEventType, Order

DELIVERY_STEPS: tuple[KuperEventType, ...] = (
    KuperEventType.PAID,
    KuperEventType.RECEIVED,
    KuperEventType.DELIVERING,
    KuperEventType.DELIVERED,
)


class StepState(StrEnum):
    DONE = "done"
    SKIPPED = "skipped"  # a later step came without this one
    WAITING = "waiting"


@dataclass(frozen=True, slots=True)
class Step:
    event: KuperEventType
    state: StepState
    at: dt.datetime | None = None


def delivery_steps(order: Order) -> tuple[Step, ...]:
    """The courier's progress (delivery flow) from Kuper's milestones on the order."""
    times = [order.milestones.get(event.value) for event in DELIVERY_STEPS]
    last_done = max((i for i, at in enumerate(times) if at is not None), default=-1)
    steps = []
    for i, (event, at) in enumerate(zip(DELIVERY_STEPS, times, strict=True)):
        if at is not None:
            steps.append(Step(event, StepState.DONE, at))
        else:
            steps.append(Step(event, StepState.SKIPPED if i < last_done else StepState.WAITING))
    return tuple(steps)


class Source(StrEnum):
    KUPER = "kuper"  # a webhook Kuper sent us
    STAFF = "staff"  # an action of a counter PC
    NOTIFICATION = "notification"  # what we sent (or are sending) Kuper


_SOURCE_ORDER = {Source.KUPER: 0, Source.STAFF: 1, Source.NOTIFICATION: 2}


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    at: dt.datetime
    source: Source
    kind: str  # Kuper's event type, the action's kind, or the notification's event type
    status: str  # webhook: processed, anomaly...; action: accepted / refused / ...; notification: pending...
    device: str | None = None  # the PC's name (staff actions)
    operator: str | None = None  # the person at it, when known
    detail: str | None = None  # a refusal's message, a webhook's note, Kuper's error text
    status_code: int | None = None  # the action's answer / Kuper's last answer
    attempts: int = 0
    outbox_id: int | None = None
    sent_at: dt.datetime | None = None
    id: int = 0

    @property
    def retryable(self) -> bool:
        """A notification Kuper refused for good: the staff may send it again."""
        return self.source is Source.NOTIFICATION and self.status == "failed" and self.outbox_id is not None

    @property
    def failed(self) -> bool:
        return self.status in ("failed", "refused", "rejected", "anomaly", "invalid", "error")


def _action_status(code: int) -> str:
    if code == 200:
        return "accepted"
    if code == 422:
        return "refused"
    if code == 409:
        return "stale"
    return "rejected"


def _answer_message(answer: dict[str, Any]) -> str | None:
    message = answer.get("message")
    return str(message) if isinstance(message, str) and message else None


def _webhook(record: WebhookRecord) -> HistoryEntry:
    return HistoryEntry(
        at=record.received_at,
        source=Source.KUPER,
        kind=record.event_type,
        status=record.status,
        detail=record.note,
        id=record.id,
    )


def _action(record: ActionRecord) -> HistoryEntry:
    return HistoryEntry(
        at=record.created_at,
        source=Source.STAFF,
        kind=record.kind,
        status=_action_status(record.status_code),
        device=record.device_name or record.device_id,
        operator=record.operator,
        detail=None if record.status_code == 200 else _answer_message(record.answer),
        status_code=record.status_code,
        id=record.id,
    )


def _notification(record: OutboxRecord) -> HistoryEntry:
    return HistoryEntry(
        at=record.created_at,
        source=Source.NOTIFICATION,
        kind=record.event_type,
        status=record.status,
        detail=record.last_error,
        status_code=record.last_status_code,
        attempts=record.attempts,
        outbox_id=record.id,
        sent_at=record.sent_at,
        id=record.id,
    )


def history_entries(history: OrderHistory) -> list[HistoryEntry]:
    """Every webhook, action and notification of the order, oldest first."""
    entries = [
        *(_webhook(r) for r in history.webhooks),
        *(_action(r) for r in history.actions),
        *(_notification(r) for r in history.notifications),
    ]
    return sorted(entries, key=lambda e: (e.at, _SOURCE_ORDER[e.source], e.id))
