"""Pickup holds (issue 14, item 4): when a waiting pickup order is a no-show, and how its wait reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from factories import T0, ctx, opened, ready

from pharmacy_desk.domain.no_show import no_show, no_shows, waited_text, waiting_since
from pharmacy_desk.domain.pickup_codes import PickupCodePolicy
from pharmacy_desk.domain.states import CancelReason


def test_a_pickup_order_waits_from_its_code_and_is_a_no_show_after_the_hold() -> None:
    order = ready(opened("pickup"), ctx(minutes=5))
    assert order.pickup is not None
    since = waiting_since(order)
    assert since == order.pickup.issued_at == T0 + timedelta(minutes=5)
    policy = PickupCodePolicy(hold_hours=1.5)
    assert no_show(order, since + timedelta(hours=1, minutes=29), policy) is None
    found = no_show(order, since + timedelta(hours=1, minutes=30), policy)
    assert found is not None and found.waited == timedelta(hours=1, minutes=30)
    assert found.description_ru() == "Заказ не забрали: ждал 1 ч 30 мин (срок хранения 1 ч 30 мин)"
    assert no_shows([order, opened("by_courier")], since + timedelta(days=3), policy) == [
        no_show(order, since + timedelta(days=3), policy)
    ]


def test_orders_not_waiting_are_never_no_shows() -> None:
    delivery = ready(opened("by_courier"))
    assert waiting_since(delivery) is None and waiting_since(opened("pickup")) is None
    assert no_show(delivery, T0 + timedelta(days=30), PickupCodePolicy()) is None


def test_the_defaults_and_limits() -> None:
    policy = PickupCodePolicy()
    assert (policy.hold_hours, policy.auto_cancel, policy.no_show_slug) == (48.0, False, CancelReason.ORDER_NOT_PAID)
    with pytest.raises(ValueError):
        PickupCodePolicy(hold_hours=0)


@pytest.mark.parametrize(
    ("waited", "text"),
    [
        (timedelta(seconds=59), "0 мин"),
        (timedelta(minutes=45), "45 мин"),
        (timedelta(hours=5), "5 ч"),
        (timedelta(hours=5, minutes=20), "5 ч 20 мин"),
        (timedelta(days=2), "2 дн"),
        (timedelta(days=2, hours=3, minutes=7), "2 дн 3 ч"),
    ],
)
def test_waited_text(waited: timedelta, text: str) -> None:
    assert waited_text(waited) == text
