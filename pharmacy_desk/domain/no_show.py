"""Pickup orders nobody collects: how long each has waited, and when its hold is over.

5–10 % of confirmed pickup orders are never collected; a pharmacy holds the reserve for
``stores[].rules.pickup.hold_hours`` (default 48 h), then cancels the order and puts the goods back
(the lifecycle's cancel releases the reservation). A pickup order waits from the moment its pickup
code was issued (the order is ``awaiting_pickup``) until it is handed over.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict

from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.pickup_codes import PickupCodePolicy
from pharmacy_desk.domain.pickup_hold import hold_over
from pharmacy_desk.domain.states import OrderState


class NoShow(BaseModel):
    """One order past its hold."""

    model_config = ConfigDict(frozen=True)

    number: str
    waiting_since: datetime
    waited: timedelta
    hold: timedelta

    def description_ru(self) -> str:
        """The cancellation's description for Kuper and the order's history."""
        return f"Заказ не забрали: ждал {waited_text(self.waited)} (срок хранения {waited_text(self.hold)})"


def waiting_since(order: Order) -> datetime | None:
    """When the order started waiting for its customer (None: it is not waiting)."""
    if order.state is not OrderState.AWAITING_PICKUP or order.pickup is None:
        return None
    return order.pickup.issued_at


def hold_of(policy: PickupCodePolicy) -> timedelta:
    return timedelta(hours=policy.hold_hours)


def overdue(since: datetime | None, now: datetime, policy: PickupCodePolicy) -> bool:
    """The hold is over for an order waiting ``since``."""
    return since is not None and now - since >= hold_of(policy)


def no_show(order: Order, now: datetime, policy: PickupCodePolicy) -> NoShow | None:
    """The order past its hold, or None; a deadline staff moved («Продлить хранение до …») is honoured."""
    since = waiting_since(order)
    if since is None or not hold_over(order, now, hold_of(policy)):
        return None
    return NoShow(number=order.number, waiting_since=since, waited=now - since, hold=hold_of(policy))


def no_shows(orders: Iterable[Order], now: datetime, policy: PickupCodePolicy) -> list[NoShow]:
    """The orders past their hold, longest waiting first."""
    found = [n for order in orders if (n := no_show(order, now, policy)) is not None]
    return sorted(found, key=lambda n: n.waiting_since)


def waited_text(waited: timedelta) -> str:
    """``2 дн 3 ч``, ``5 ч 20 мин``, ``45 мин`` (Russian, for the screen)."""
    minutes = max(0, int(waited.total_seconds() // 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{days} дн {hours} ч" if hours else f"{days} дн"
    if hours:
        return f"{hours} ч {mins} мин" if mins else f"{hours} ч"
    return f"{mins} мин"
