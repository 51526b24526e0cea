"""How the counter app groups and ranks orders: the queue's stages, how late an order is, which
orders are at the hand-over. Plain rules over the relay's order summaries (no Qt), shown by
:mod:`pharmacy_desk.ui.queue_model` and the order tools."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.domain import OrderState
from pharmacy_desk.domain.states import TERMINAL_STATES

SOON_SECONDS = 30 * 60
LATE_SECONDS = 10 * 60


class Stage(StrEnum):
    """The queue's tabs. A display grouping of the domain's states (see ``STAGE_STATES``)."""

    NEW = "new"
    ASSEMBLY = "assembly"
    READY = "ready"
    HANDOVER = "handover"
    ALL = "all"
    NOT_COLLECTED = "not_collected"  # pickup orders past the store's hold (by time, not by state)


STAGE_STATES: dict[Stage, frozenset[OrderState]] = {
    Stage.NEW: frozenset({OrderState.NEW, OrderState.ACCEPTED}),
    Stage.ASSEMBLY: frozenset({OrderState.COLLECTING}),
    Stage.READY: frozenset({OrderState.ASSEMBLED, OrderState.READY_TO_SHIP}),
    Stage.HANDOVER: frozenset({OrderState.AWAITING_PICKUP, OrderState.PAID, OrderState.SHIPPING}),
}


def stage_of(state: OrderState) -> Stage | None:
    return next((stage for stage, states in STAGE_STATES.items() if state in states), None)


class Urgency(StrEnum):
    CALM = "calm"  # green: 30 minutes or more
    SOON = "soon"  # amber: 10 to 30 minutes
    LATE = "late"  # red: under 10 minutes, or past the due time
    NONE = "none"  # no due time, or the order is closed


HANDOVER_STATES = frozenset(
    {OrderState.READY_TO_SHIP, OrderState.AWAITING_PICKUP, OrderState.PAID, OrderState.SHIPPING, OrderState.SHIPPED}
)
"""States in which a bag exists and waits for (or went to) its customer or courier."""


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def due_time(summary: OrderSummary) -> dt.datetime | None:
    """When the order must be ready: the start of the delivery window, else its end."""
    return summary.due_from or summary.due_to


def seconds_left(summary: OrderSummary, now: dt.datetime) -> float | None:
    due = due_time(summary)
    if due is None or summary.state in TERMINAL_STATES:
        return None
    return (due - now).total_seconds()


def urgency(left: float | None) -> Urgency:
    if left is None:
        return Urgency.NONE
    if left < LATE_SECONDS:
        return Urgency.LATE
    if left < SOON_SECONDS:
        return Urgency.SOON
    return Urgency.CALM
