"""«Продлить хранение до …»: the ``extend_pickup`` action moves the pickup deadline, and the no-show with it."""

from __future__ import annotations

from datetime import timedelta

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.lifecycle import decide
from pharmacy_desk.domain.no_show import no_show
from pharmacy_desk.domain.pickup_codes import AuditKind, PickupCodePolicy
from pharmacy_desk.domain.pickup_hold import hold_over, pickup_deadline
from pharmacy_desk.domain.refusals import RefusalCode
from tests.domain.factories import PC2, ctx, opened, ready

HOLD = timedelta(hours=48)


def test_a_moved_deadline_moves_the_no_show() -> None:
    order = ready(opened("pickup"))
    assert order.pickup is not None
    issued = order.pickup.issued_at
    assert pickup_deadline(order, HOLD) == issued + HOLD
    assert hold_over(order, issued + HOLD, HOLD)  # without the extension: a no-show after 48 h

    later = issued + timedelta(hours=72)
    outcome = decide(order, act.ExtendPickup(until=later), ctx(PC2, minutes=60))
    assert outcome.refusal is None and outcome.changed
    moved = outcome.order
    assert moved.pickup_hold_until == later and moved.version == order.version + 1
    assert pickup_deadline(moved, HOLD) == later
    assert not hold_over(moved, issued + HOLD, HOLD)  # 48 h: kept, the customer called
    assert hold_over(moved, later, HOLD)
    entry = moved.audit[-1]
    assert entry.kind is AuditKind.EXTENDED and entry.actor == "Касса 2" and entry.detail == f"до {later.isoformat()}"
    assert outcome.notifications == ()  # Kuper's API has no pickup deadline to tell
    # the store's no-show rule (issue 14) follows the moved deadline
    policy = PickupCodePolicy(hold_hours=48)
    assert no_show(order, issued + HOLD, policy) is not None
    assert no_show(moved, issued + HOLD, policy) is None
    assert no_show(moved, later, policy) is not None


def test_the_deadline_only_moves_later_and_at_most_a_week_ahead() -> None:
    order = ready(opened("pickup"))
    c = ctx(minutes=10)
    earlier = decide(order, act.ExtendPickup(until=c.now - timedelta(minutes=1)), c)
    assert earlier.refusal is not None and earlier.refusal.code is RefusalCode.DEADLINE_NOT_LATER
    too_far = decide(order, act.ExtendPickup(until=c.now + timedelta(days=8)), c)
    assert too_far.refusal is not None and too_far.refusal.code is RefusalCode.DEADLINE_TOO_FAR
    moved = decide(order, act.ExtendPickup(until=c.now + timedelta(days=3)), c).order
    back = decide(moved, act.ExtendPickup(until=c.now + timedelta(days=2)), c)
    assert back.refusal is not None and back.refusal.code is RefusalCode.DEADLINE_NOT_LATER
    delivery = decide(opened("by_courier"), act.ExtendPickup(until=c.now + timedelta(days=1)), c)
    assert delivery.refusal is not None and delivery.refusal.code is RefusalCode.PICKUP_ONLY
