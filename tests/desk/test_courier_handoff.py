"""Giving a delivery bag to the courier (issue 14, item 3): the cold-bag question and what a "no" does."""

from __future__ import annotations

import pytest

from pharmacy_desk.desk.courier_handoff import ColdBagRefused, CourierHandoff
from pharmacy_desk.domain import HandToCourier, OrderState
from pharmacy_desk.domain.cold_chain import FLAG_COLD, FLAG_COOL
from pharmacy_desk.domain.order import Order
from tests.domain.factories import nurofen, opened, ready


def _ready(*flags: str) -> Order:
    order = ready(opened("delivery", lines=(nurofen(2),)))
    return order.model_copy(update={"flags": flags})


@pytest.mark.parametrize(("flag", "range_ru"), [(FLAG_COLD, "+2…+8 °C"), (FLAG_COOL, "+8…+15 °C")])
def test_a_cold_chain_order_asks_and_a_refusal_sends_nothing(flag: str, range_ru: str) -> None:
    handoff = CourierHandoff(_ready(flag))
    assert handoff.blocked is None
    assert handoff.question is not None and range_ru in handoff.question
    with pytest.raises(ColdBagRefused) as refused:
        handoff.decide(False)
    assert "не передан курьеру" in refused.value.message and "остаётся в аптеке" in refused.value.message
    with pytest.raises(ColdBagRefused):
        handoff.decide(None)  # not asked is not a yes
    assert handoff.decide(True) == HandToCourier(cold_bag=True)


def test_a_room_temperature_order_does_not_ask() -> None:
    handoff = CourierHandoff(_ready())
    assert handoff.question is None and handoff.decide() == HandToCourier(cold_bag=False)


def test_pickup_unready_and_gone_orders_are_blocked_with_a_reason() -> None:
    assert "самовывоз" in (CourierHandoff(ready(opened("pickup", lines=(nurofen(2),)))).blocked or "")
    assert "ещё не готов" in (CourierHandoff(opened("delivery", lines=(nurofen(2),))).blocked or "")
    gone = _ready().model_copy(update={"state": OrderState.SHIPPING})
    assert "уже у курьера" in (CourierHandoff(gone).blocked or "")
