"""Which new orders ring: every order still ``new`` that nobody has acknowledged.

"A new order rings until someone acknowledges it on any PC." Three things stop the bell:

- the order leaves ``new`` on *any* PC (start assembly, accept, cancel): the ``order`` event reaches
  every PC's book and the bell stops everywhere;
- the relay's shared acknowledgement (``DeskService.acknowledge`` posts it): the stream's
  ``event: acknowledged``, ``data: {"number": "A12-000042", "by": {"device_id", "device_name",
  "operator"}}`` (:meth:`NewOrderBell.on_stream_event`), and the order summary's ``acknowledged_by``
  in every snapshot (a PC started later does not ring for it);
- :meth:`NewOrderBell.acknowledge` on this PC ("seen, later"): local only when the relay cannot be
  reached, forgotten on restart.
"""

from __future__ import annotations

from collections.abc import Callable

from pharmacy_desk.desk.hooks import Hook
from pharmacy_desk.desk.order_book import AlertEvent, BookChange, OrderBook
from pharmacy_desk.desk.stream import StreamEvent
from pharmacy_desk.domain import AlertKind, OrderState

ACK_EVENT = "acknowledged"


def _label(by: dict[str, object]) -> str | None:
    label = str(by.get("device_name") or "") or None
    if label and by.get("operator"):
        label = f"{label} ({by['operator']})"
    return label


class NewOrderBell:
    def __init__(self, book: OrderBook) -> None:
        self.book = book
        self._ringing: set[str] = set()
        self._acknowledged: dict[str, str | None] = {}  # number → who (None: this PC)
        self.ringing_changed: Hook[frozenset[str]] = Hook("bell.ringing_changed")
        book.changed.connect(self._on_change)
        book.alerts.connect(self._on_alert)
        book.extra_events.connect(self.on_stream_event)

    @property
    def ringing(self) -> frozenset[str]:
        return frozenset(self._ringing)

    def acknowledged_by(self, number: str) -> str | None:
        return self._acknowledged.get(number)

    def acknowledge(self, number: str, by: str | None = None) -> None:
        self._acknowledged[number] = by
        self._update(lambda ringing: ringing.discard(number))

    def acknowledge_all(self) -> None:
        for number in self._ringing:
            self._acknowledged[number] = None
        self._update(lambda ringing: ringing.clear())

    def on_stream_event(self, event: StreamEvent) -> None:
        if event.kind != ACK_EVENT or not isinstance(event.data.get("number"), str):
            return
        by = event.data.get("by")
        self.acknowledge(event.data["number"], by=_label(by) if isinstance(by, dict) else None)

    def _should_ring(self, number: str) -> bool:
        summary = self.book.get(number)
        if summary is None or summary.state is not OrderState.NEW:
            return False
        if summary.acknowledged_by is not None:  # acknowledged on the relay (by any PC, before a restart too)
            self._acknowledged.setdefault(number, _label(summary.acknowledged_by.model_dump()))
            return False
        return number not in self._acknowledged

    def _on_change(self, change: BookChange) -> None:
        def apply(ringing: set[str]) -> None:
            if change.reset:
                ringing.clear()
            for summary in (*change.added, *change.changed):
                if self._should_ring(summary.number):
                    ringing.add(summary.number)
                else:
                    ringing.discard(summary.number)
                    if summary.state is not OrderState.NEW:
                        self._acknowledged.pop(summary.number, None)
            for number in change.removed:
                ringing.discard(number)
                self._acknowledged.pop(number, None)

        self._update(apply)

    def _on_alert(self, alert: AlertEvent) -> None:
        if alert.kind is AlertKind.NEW_ORDER and alert.number is not None and self._should_ring(alert.number):
            number = alert.number
            self._update(lambda ringing: ringing.add(number))

    def _update(self, change: Callable[[set[str]], None]) -> None:
        before = frozenset(self._ringing)
        change(self._ringing)
        if self._ringing != before:
            self.ringing_changed.emit(frozenset(self._ringing))
