"""What the counter screen's alert area shows: alerts grouped per kind, the most urgent first, each gone
by itself when its cause is gone. Plain Python (no Qt): the area (:mod:`pharmacy_desk.ui.alerts`) draws it.

- :class:`AlertGroup` is the kind an alert is merged into (new orders, courier arrived, stock
  problems, notifications Kuper refused, register problems...); :data:`URGENCY` orders the groups.
- :meth:`AlertBook.put` adds or replaces an alert by its key (the same key again replaces the text:
  a repeated stock alert about one order stays one alert).
- :meth:`AlertBook.follow` is fed every order summary the book changes: it drops the alerts of that order
  whose cause is gone — the order closed (canceled, handed over), assembled (stock problems), the
  courier gone or the bag taken (courier arrived). :meth:`AlertBook.forget_orders` drops those of
  orders that left the book.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.domain import OrderState
from pharmacy_desk.domain.states import TERMINAL_STATES


class AlertGroup(StrEnum):
    COURIER = "courier"  # a courier waits at the counter
    NEW_ORDERS = "new_orders"  # the bell: orders nobody has seen
    CANCELED = "canceled"  # canceled while another PC assembled it: packs to put back there
    CONFLICT = "conflict"  # an action saved offline was not accepted
    STOCK = "stock"  # stock problems of an order (short, out, the stock source away)
    KUPER_REFUSED = "kuper_refused"  # a notification Kuper did not accept
    REGISTER = "register"  # the cash register
    OTHER = "other"  # anything else the relay raised
    INFO = "info"  # calm information (the demo's note)


URGENCY: tuple[AlertGroup, ...] = tuple(AlertGroup)
"""Most urgent first: a waiting courier before new orders before the rest."""

ASSEMBLED_OR_LATER = frozenset(
    {
        OrderState.ASSEMBLED,
        OrderState.READY_TO_SHIP,
        OrderState.AWAITING_PICKUP,
        OrderState.PAID,
        OrderState.SHIPPING,
        OrderState.SHIPPED,
    }
)


@dataclass(frozen=True, slots=True)
class AlertItem:
    key: str
    group: AlertGroup
    text: str
    number: str | None = None  # the order it is about
    raised_at: float = 0.0


@dataclass(slots=True)
class AlertBook:
    clock: Callable[[], float] = time.monotonic
    _items: dict[str, AlertItem] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: object) -> bool:
        return key in self._items

    def get(self, key: str) -> AlertItem | None:
        return self._items.get(key)

    def put(self, key: str, group: AlertGroup, text: str, *, number: str | None = None) -> bool:
        """Add or replace; False when exactly this alert is already there (nothing to redraw)."""
        current = self._items.get(key)
        if current is not None and (current.group, current.text, current.number) == (group, text, number):
            return False
        raised = current.raised_at if current is not None else self.clock()
        self._items[key] = AlertItem(key, group, text, number, raised)
        return True

    def remove(self, key: str) -> bool:
        return self._items.pop(key, None) is not None

    def items(self) -> list[AlertItem]:
        """Every alert, the most urgent group first, the newest first within a group."""
        rank = {group: i for i, group in enumerate(URGENCY)}
        return sorted(self._items.values(), key=lambda a: (rank[a.group], -a.raised_at, a.key))

    def groups(self) -> list[tuple[AlertGroup, list[AlertItem]]]:
        found: dict[AlertGroup, list[AlertItem]] = {}
        for item in self.items():
            found.setdefault(item.group, []).append(item)
        return list(found.items())

    # --- causes gone ------------------------------------------------------------------------------

    def follow(self, summaries: Iterable[OrderSummary]) -> list[str]:
        """Orders that changed: drop the alerts whose cause is gone; the keys dropped."""
        by_number = {s.number: s for s in summaries}
        gone = [
            item.key
            for item in self._items.values()
            if item.number in by_number and cause_gone(item, by_number[item.number])
        ]
        for key in gone:
            del self._items[key]
        return gone

    def forget_orders(self, numbers: Iterable[str]) -> list[str]:
        wanted = set(numbers)
        gone = [item.key for item in self._items.values() if item.number in wanted]
        for key in gone:
            del self._items[key]
        return gone


def cause_gone(item: AlertItem, summary: OrderSummary) -> bool:
    """Whether ``summary`` (the order's current state) ends the alert ``item`` about it."""
    closed = summary.state in TERMINAL_STATES
    if item.group is AlertGroup.COURIER:
        return closed or summary.courier_arrived_at is None or summary.state is OrderState.SHIPPING
    if item.group in (AlertGroup.STOCK, AlertGroup.OTHER):
        return closed or summary.state in ASSEMBLED_OR_LATER
    if item.group is AlertGroup.NEW_ORDERS:
        return summary.state is not OrderState.NEW
    if item.group is AlertGroup.CONFLICT:
        return closed
    return False
