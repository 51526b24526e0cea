"""The queue's rules (stages, urgency, hand-over states), outside any widget."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.desk.queue_rules import (
    HANDOVER_STATES,
    LATE_SECONDS,
    SOON_SECONDS,
    STAGE_STATES,
    Stage,
    Urgency,
    seconds_left,
    stage_of,
    urgency,
)
from pharmacy_desk.domain import Flow, OrderState
from pharmacy_desk.domain.states import TERMINAL_STATES

NOW = dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC)


def _summary(state: OrderState, *, due_from: dt.datetime | None, due_to: dt.datetime | None = None) -> OrderSummary:
    return OrderSummary.model_validate(
        {
            "store": "apteka-12",
            "number": "A-1",
            "kuper_id": "k-1",
            "state": state,
            "state_label": state.value,
            "version": 1,
            "flow": Flow.PICKUP,
            "totals": {"total_price": Decimal("100"), "discount_total_price": Decimal("100")},
            "pack_count": 1,
            "due_from": due_from,
            "due_to": due_to,
            "is_paid": False,
            "created_at": NOW,
        }
    )


def test_every_open_state_belongs_to_exactly_one_stage() -> None:
    for state in OrderState:
        stages = [stage for stage, states in STAGE_STATES.items() if state in states]
        if state in TERMINAL_STATES or state is OrderState.SHIPPED:
            assert stage_of(state) is None or len(stages) == 1
        else:
            assert len(stages) == 1, state
            assert stage_of(state) is stages[0]
    assert stage_of(OrderState.COLLECTING) is Stage.ASSEMBLY


@pytest.mark.parametrize(
    ("left", "expected"),
    [
        (None, Urgency.NONE),
        (SOON_SECONDS, Urgency.CALM),
        (SOON_SECONDS - 1, Urgency.SOON),
        (LATE_SECONDS, Urgency.SOON),
        (LATE_SECONDS - 1, Urgency.LATE),
        (-5, Urgency.LATE),
    ],
)
def test_urgency_thresholds(left: float | None, expected: Urgency) -> None:
    assert urgency(left) is expected


def test_time_left_counts_to_the_start_of_the_window_and_stops_when_closed() -> None:
    start, end = NOW + dt.timedelta(minutes=20), NOW + dt.timedelta(minutes=50)
    assert seconds_left(_summary(OrderState.COLLECTING, due_from=start, due_to=end), NOW) == 20 * 60
    assert seconds_left(_summary(OrderState.COLLECTING, due_from=None, due_to=end), NOW) == 50 * 60
    assert seconds_left(_summary(OrderState.COLLECTING, due_from=None), NOW) is None
    closed = next(iter(TERMINAL_STATES))
    assert seconds_left(_summary(closed, due_from=start), NOW) is None


def test_hand_over_states_are_those_with_a_bag() -> None:
    assert OrderState.READY_TO_SHIP in HANDOVER_STATES and OrderState.AWAITING_PICKUP in HANDOVER_STATES
    assert OrderState.COLLECTING not in HANDOVER_STATES and OrderState.NEW not in HANDOVER_STATES
