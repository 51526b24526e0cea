"""Until when a pickup order is kept for its customer: the store's hold, or the deadline staff set.

The order waits from the moment its pickup code was issued; the store keeps it
``hold`` (``stores[].rules.pickup.hold_hours``, the no-show rule of the pharmacy-rules work) — unless the
pharmacist moved the deadline («Продлить хранение до …», the ``extend_pickup`` action), which sets
``Order.pickup_hold_until``. :func:`pickup_deadline` is the one answer both the no-show check and
the screens use, so a moved deadline moves the no-show.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.states import OrderState


def pickup_deadline(order: Order, hold: timedelta) -> datetime | None:
    """When the order's hold ends (None: it is not waiting for pickup)."""
    if order.state is not OrderState.AWAITING_PICKUP or order.pickup is None:
        return None
    default = order.pickup.issued_at + hold
    moved = order.pickup_hold_until
    return max(default, moved) if moved is not None else default


def hold_over(order: Order, now: datetime, hold: timedelta) -> bool:
    """The order was not collected by its deadline: it is a no-show."""
    deadline = pickup_deadline(order, hold)
    return deadline is not None and now >= deadline
