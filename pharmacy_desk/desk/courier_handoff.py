"""Giving a delivery bag to Kuper's courier at the counter, and the cold bag a cold-chain order needs.

Pure logic over an :class:`~pharmacy_desk.domain.Order` snapshot, no I/O (like :mod:`.handover`). The
hand-over screen's F9 on a delivery order asks :class:`CourierHandoff`:

- :attr:`~CourierHandoff.blocked`: why the bag cannot go now (a pickup order; not ready yet; the courier
  already has it), a Russian sentence, or None;
- :attr:`~CourierHandoff.question`: for a cold (+2…+8 °C) or cool (+8…+15 °C) order, the yes/no question
  "does it travel in a cold bag?" (None for room temperature: no question);
- :meth:`~CourierHandoff.decide`: the answer → the :class:`~pharmacy_desk.domain.HandToCourier` action to
  send, or :class:`ColdBagRefused` with what the screen says. A refusal sends nothing: the order stays
  in the pharmacy, unhanded.

The order's storage is the relay's flag (:func:`~pharmacy_desk.domain.cold_chain.storage_of_flags`); the
relay refuses a cold-chain hand-over without ``cold_bag`` too, whoever sends it.
"""

from __future__ import annotations

from dataclasses import dataclass

from pharmacy_desk.domain import Flow, HandToCourier, Order, OrderState
from pharmacy_desk.domain.cold_chain import cold_bag_question, cold_bag_refused, needs_cold_bag, storage_of_flags
from pharmacy_desk.domain.product import Storage

_READY = frozenset({OrderState.READY_TO_SHIP, OrderState.PAID})


class ColdBagRefused(Exception):
    """The pharmacist said the bag has no cold bag: nothing is sent, the order stays here."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@dataclass(frozen=True, slots=True)
class CourierHandoff:
    order: Order

    @property
    def storage(self) -> Storage:
        return storage_of_flags(self.order.flags)

    @property
    def blocked(self) -> str | None:
        order = self.order
        if order.flow is Flow.PICKUP:
            return f"Заказ {order.number} — самовывоз: его выдают покупателю по коду, не курьеру"
        if order.state in (OrderState.SHIPPING, OrderState.SHIPPED):
            return f"Заказ {order.number} уже у курьера"
        if order.state not in _READY:
            return f"Заказ {order.number} ещё не готов: курьеру отдают собранный и готовый пакет"
        return None

    @property
    def question(self) -> str | None:
        """The cold-bag question to ask first (None: room temperature)."""
        return cold_bag_question(self.order.number, self.storage)

    def decide(self, cold_bag: bool | None = None) -> HandToCourier:
        """The action for the pharmacist's answer (``None``: not asked, room temperature)."""
        if not needs_cold_bag(self.storage):
            return HandToCourier()
        if not cold_bag:
            raise ColdBagRefused(cold_bag_refused(self.order.number, self.storage))
        return HandToCourier(cold_bag=True)
