"""Orders as the relay shows them to the counter PCs, and the staff actions the PCs send.

The order itself is the domain's :class:`~pharmacy_desk.domain.Order` (full snapshot); the list and
the stream carry :class:`OrderSummary`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain import Action, Actor, Courier, Flow, Order, OrderState, Totals
from pharmacy_desk.domain.no_show import waiting_since
from pharmacy_desk.domain.states import STATE_RU


class _View(BaseModel):
    model_config = ConfigDict(frozen=True)


class OrderSummary(_View):
    store: str
    number: str
    kuper_id: str
    state: OrderState
    state_label: str  # Russian, for the screen
    version: int
    flow: Flow
    totals: Totals
    pack_count: int
    due_from: datetime | None = None
    due_to: datetime | None = None
    courier: Courier | None = None
    courier_arrived_at: datetime | None = None
    assembler: Actor | None = None
    acknowledged_by: Actor | None = None  # who acknowledged the order while it is new (shared by the PCs)
    is_paid: bool
    flags: tuple[str, ...] = ()
    anomaly_count: int = 0
    created_at: datetime
    waiting_since: datetime | None = None  # pickup: waiting for the customer since (the code was issued)

    @classmethod
    def of(cls, order: Order, *, acknowledged_by: Actor | None = None) -> OrderSummary:
        return cls(
            store=order.store,
            number=order.number,
            kuper_id=order.kuper_id,
            state=order.state,
            state_label=STATE_RU[order.state],
            version=order.version,
            flow=order.flow,
            totals=order.totals,
            pack_count=order.pack_count,
            due_from=order.due_from,
            due_to=order.due_to,
            courier=order.courier,
            courier_arrived_at=order.courier_arrived_at,
            assembler=order.assembler,
            acknowledged_by=acknowledged_by if order.state is OrderState.NEW else None,
            is_paid=order.is_paid,
            flags=order.flags,
            anomaly_count=len(order.anomalies),
            created_at=order.created_at,
            waiting_since=waiting_since(order),
        )


class WebhookRecord(_View):
    id: int
    received_at: datetime
    event_type: str
    order_uuid: str | None = None
    status: str
    note: str | None = None


class ActionRecord(_View):
    id: int
    kind: str
    device_id: str
    device_name: str | None = None
    operator: str | None = None
    status_code: int
    answer: dict[str, Any]
    created_at: datetime


class OutboxRecord(_View):
    id: int
    event_type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    last_status_code: int | None = None
    last_error: str | None = None
    created_at: datetime
    sent_at: datetime | None = None


class OrderHistory(_View):
    webhooks: list[WebhookRecord]
    actions: list[ActionRecord]
    notifications: list[OutboxRecord]


class OrderDetail(_View):
    order: Order
    summary: OrderSummary
    history: OrderHistory


class OrderList(_View):
    orders: list[OrderSummary]


class Problem(_View):
    """An error answer: a stable ``code`` and a Russian ``message`` for the screen."""

    code: str
    message: str


class Refused(_View):
    """A staff action the lifecycle refused (422)."""

    code: str
    message: str
    tries_left: int | None = None
    order: OrderSummary | None = None


class Conflict(_View):
    """409: the order changed since the counter PC read it; here is the current one."""

    code: str = "stale_version"
    message: str = "Заказ изменился: обновите его и повторите действие"
    order: Order


class ActionAccepted(_View):
    order: Order
    tries_left: int | None = None


class ActionRequest(BaseModel):
    """What a counter PC asks."""

    model_config = ConfigDict(extra="forbid")

    action: Action
    expected_version: int = Field(ge=1, description="The order version the PC saw")
    idempotency_key: str = Field(min_length=1, max_length=128, description="Unique per attempt; a retry reuses it")
    operator: str | None = Field(default=None, max_length=100, description="The person at the PC, if known")
