"""The courier's steps from Kuper's milestones, and an order's history merged in time order."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pharmacy_desk.api.orders import ActionRecord, OrderHistory, OutboxRecord, WebhookRecord
from pharmacy_desk.desk.timeline import Source, StepState, delivery_steps, history_entries
from pharmacy_desk.domain import KuperEventType

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


class _Order:
    def __init__(self, **milestones: datetime) -> None:
        self.milestones = {f"order.{key}": at for key, at in milestones.items()}


def test_delivery_steps_from_milestones() -> None:
    steps = delivery_steps(_Order())  # type: ignore[arg-type]
    assert [s.state for s in steps] == [StepState.WAITING] * 4
    steps = delivery_steps(_Order(paid=T0, delivering=T0 + timedelta(minutes=9)))  # type: ignore[arg-type]
    assert [(s.event, s.state) for s in steps] == [
        (KuperEventType.PAID, StepState.DONE),
        (KuperEventType.RECEIVED, StepState.SKIPPED),  # Kuper went on without it
        (KuperEventType.DELIVERING, StepState.DONE),
        (KuperEventType.DELIVERED, StepState.WAITING),
    ]
    assert steps[2].at == T0 + timedelta(minutes=9)


def _webhook(i: int, minutes: int, event: str, **kw: Any) -> WebhookRecord:
    return WebhookRecord(
        id=i, received_at=T0 + timedelta(minutes=minutes), event_type=event, status=kw.pop("status", "processed"), **kw
    )


def test_history_in_time_order_with_who_and_kupers_error() -> None:
    history = OrderHistory(
        webhooks=[_webhook(1, 0, "order.created"), _webhook(2, 5, "courier.assigned", status="anomaly", note="рано")],
        actions=[
            ActionRecord(
                id=1,
                kind="start_assembly",
                device_id="d1",
                device_name="Касса 1",
                operator="Иванова",
                status_code=200,
                answer={},
                created_at=T0 + timedelta(minutes=1),
            ),
            ActionRecord(
                id=2,
                kind="verify_pickup_code",
                device_id="d2",
                device_name=None,
                operator=None,
                status_code=422,
                answer={"code": "code_wrong", "message": "Неверный код выдачи", "tries_left": 4},
                created_at=T0 + timedelta(minutes=7),
            ),
        ],
        notifications=[
            OutboxRecord(
                id=9,
                event_type="order.in_work",
                status="failed",
                attempts=1,
                next_attempt_at=T0,
                last_status_code=422,
                last_error='{"error": "bad position"}',
                created_at=T0 + timedelta(minutes=1),
            )
        ],
    )
    entries = history_entries(history)
    assert [(e.source, e.kind) for e in entries] == [
        (Source.KUPER, "order.created"),
        (Source.STAFF, "start_assembly"),
        (Source.NOTIFICATION, "order.in_work"),  # the same moment: the action first, then what it sent
        (Source.KUPER, "courier.assigned"),
        (Source.STAFF, "verify_pickup_code"),
    ]
    start, failed, anomaly, refused = entries[1], entries[2], entries[3], entries[4]
    assert (start.device, start.operator, start.status, start.detail) == ("Касса 1", "Иванова", "accepted", None)
    assert failed.retryable and failed.failed and failed.detail == '{"error": "bad position"}'
    assert failed.status_code == 422 and failed.outbox_id == 9
    assert anomaly.failed and anomaly.detail == "рано" and not anomaly.retryable
    assert refused.status == "refused" and refused.detail == "Неверный код выдачи" and refused.device == "d2"
