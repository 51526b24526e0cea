"""The store's orders as this PC knows them: one summary per order number, never going backwards.

Fed by the relay's snapshot (``GET /orders``), the stream (``order`` events carry the new
:class:`OrderSummary`), and the answers to this PC's own actions (a full :class:`Order`). Each source
only wins when its ``version`` is newer than what the book has, so an old snapshot loaded after a
newer stream event, or a replayed event, changes nothing.

Listeners (``changed``: :class:`BookChange`) get exactly what changed: the Qt model inserts, updates
or removes those rows (a 5,000-order book is a dict; nothing is rebuilt on an event). A snapshot
that replaces everything is one ``BookChange`` with ``reset=True`` and all orders in ``added``.

Closed orders (shipped, canceled) stay until :meth:`OrderBook.prune_closed` drops them, so the staff
still see a cancellation; a snapshot (open orders only) removes the open orders it no longer lists.

Full snapshots (:meth:`OrderBook.apply_order`) are kept as ``detail``: they carry the composition and
its marking codes, indexed by pack (SGTIN) so that :meth:`OrderBook.code_owner` answers "is this pack
already in another order?" in O(1). Canceled orders give their packs back.

Alerts (``alert`` events) become :class:`AlertEvent`; notification status changes (``notification``)
become :class:`NotificationStatus`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.desk.hooks import Hook
from pharmacy_desk.desk.marks import sgtin_of
from pharmacy_desk.desk.stream import StreamEvent
from pharmacy_desk.domain import AlertKind, Line, Order, OrderState
from pharmacy_desk.domain.states import TERMINAL_STATES

log = logging.getLogger("pharmacy_desk.desk.book")


@dataclass(frozen=True, slots=True)
class BookChange:
    added: tuple[OrderSummary, ...] = ()
    changed: tuple[OrderSummary, ...] = ()
    removed: tuple[str, ...] = ()  # order numbers
    reset: bool = False  # everything was replaced: ``added`` is the whole book

    def __bool__(self) -> bool:
        return bool(self.added or self.changed or self.removed or self.reset)


@dataclass(frozen=True, slots=True)
class AlertEvent:
    """Something the staff must notice now.

    ``kind``: new order, courier arrived, canceled during assembly (``lines``: put these back on the
    shelf), canceled after hand-over, anomaly; ``None`` for a kind this version does not know
    (``raw_kind`` has it). ``number`` is the order's, when the alert is about one.
    """

    kind: AlertKind | None
    raw_kind: str
    message: str
    number: str | None = None
    lines: tuple[Line, ...] = ()
    event_id: int | None = None

    @property
    def to_return_to_shelf(self) -> tuple[Line, ...]:
        return self.lines if self.kind in (AlertKind.CANCELED_DURING_ASSEMBLY, AlertKind.NO_SHOW) else ()


@dataclass(frozen=True, slots=True)
class NotificationStatus:
    """A notification to Kuper changed state (``pending``, ``sent``, ``failed``...)."""

    outbox_id: int
    event_type: str
    status: str
    attempts: int = 0
    last_error: str | None = None
    last_status_code: int | None = None
    event_id: int | None = None


def alert_of(data: dict[str, Any], event_id: int | None = None) -> AlertEvent:
    raw_kind = str(data.get("kind") or "")
    try:
        kind: AlertKind | None = AlertKind(raw_kind)
    except ValueError:
        kind = None
    lines: list[Line] = []
    for item in data.get("lines") or ():
        try:
            lines.append(Line.model_validate(item))
        except ValidationError:
            log.warning("alert %s: a line could not be read", raw_kind)
    number = data.get("number")
    return AlertEvent(
        kind=kind,
        raw_kind=raw_kind,
        message=str(data.get("message") or ""),
        number=str(number) if number is not None else None,
        lines=tuple(lines),
        event_id=event_id,
    )


class OrderBook:
    def __init__(self, *, clock: Callable[[], float] = time.monotonic) -> None:
        self._orders: dict[str, OrderSummary] = {}
        self._details: dict[str, Order] = {}
        self._packs: dict[str, frozenset[str]] = {}  # number → SGTINs its composition holds
        self._owner: dict[str, str] = {}  # SGTIN → number
        self._closed_at: dict[str, float] = {}
        self._clock = clock
        self.changed: Hook[BookChange] = Hook("book.changed")
        self.alerts: Hook[AlertEvent] = Hook("book.alerts")
        self.notifications: Hook[NotificationStatus] = Hook("book.notifications")
        self.extra_events: Hook[StreamEvent] = Hook("book.extra_events")  # kinds the book does not know

    # --- reading ----------------------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self._orders)

    def __contains__(self, number: object) -> bool:
        return number in self._orders

    def get(self, number: str) -> OrderSummary | None:
        return self._orders.get(number)

    def orders(self) -> list[OrderSummary]:
        return list(self._orders.values())

    def version(self, number: str) -> int | None:
        summary = self._orders.get(number)
        return summary.version if summary is not None else None

    def detail(self, number: str) -> Order | None:
        """The full snapshot, when one is known at the book's version (else None: fetch it)."""
        order = self._details.get(number)
        summary = self._orders.get(number)
        if order is None or summary is None or order.version < summary.version:
            return None
        return order

    def code_owner(self, code: str, *, except_number: str | None = None) -> str | None:
        """The number of the order (but ``except_number``) whose composition holds this pack."""
        owner = self._owner.get(sgtin_of(code))
        return owner if owner != except_number else None

    def stale_details(self, states: Iterable[OrderState]) -> list[str]:
        """Numbers in ``states`` whose full snapshot is missing or older than their summary."""
        wanted = frozenset(states)
        return [n for n, s in self._orders.items() if s.state in wanted and self.detail(n) is None]

    # --- writing ----------------------------------------------------------------------------------

    def load_snapshot(self, summaries: Iterable[OrderSummary]) -> BookChange:
        """The relay's list of open orders: the book follows it without going backwards."""
        fresh = {s.number: s for s in summaries}
        if not self._orders:
            for summary in fresh.values():
                self._store(summary)
            change = BookChange(added=tuple(self._orders.values()), reset=True)
            self._emit(change)
            return change
        added: list[OrderSummary] = []
        changed: list[OrderSummary] = []
        removed: list[str] = []
        for number, held in list(self._orders.items()):
            if number not in fresh and held.state not in TERMINAL_STATES:
                self._drop(number)
                removed.append(number)
        for number, summary in fresh.items():
            current = self._orders.get(number)
            if current is None:
                self._store(summary)
                added.append(summary)
            elif summary.version > current.version:
                self._store(summary)
                changed.append(summary)
        change = BookChange(added=tuple(added), changed=tuple(changed), removed=tuple(removed))
        self._emit(change)
        return change

    def apply_summary(self, summary: OrderSummary) -> bool:
        """A newer summary replaces the book's; True when it did."""
        current = self._orders.get(summary.number)
        if current is not None and summary.version <= current.version:
            return False
        self._store(summary)
        self._emit(BookChange(changed=(summary,)) if current is not None else BookChange(added=(summary,)))
        return True

    def apply_order(self, order: Order) -> bool:
        """A full snapshot (an action's answer, a fetched detail); True when the book's summary changed."""
        known = self._details.get(order.number)
        if known is None or order.version >= known.version:
            self._details[order.number] = order
            self._index_packs(order)
        return self.apply_summary(OrderSummary.of(order))

    def apply_event(self, event: StreamEvent) -> None:
        """One stream event: ``order`` → summary, ``alert`` → :class:`AlertEvent`, ``notification``."""
        if event.kind == "order":
            try:
                summary = OrderSummary.model_validate(event.data.get("order"))
            except ValidationError:
                log.warning("order event %d could not be read: skipped", event.id)
                return
            self.apply_summary(summary)
        elif event.kind == "alert":
            self.alerts.emit(alert_of(event.data, event.id))
        elif event.kind == "notification":
            try:
                self.notifications.emit(
                    NotificationStatus(
                        outbox_id=int(event.data["outbox_id"]),
                        event_type=str(event.data["event_type"]),
                        status=str(event.data["status"]),
                        attempts=int(event.data.get("attempts") or 0),
                        last_error=event.data.get("last_error"),
                        last_status_code=event.data.get("last_status_code"),
                        event_id=event.id,
                    )
                )
            except (KeyError, TypeError, ValueError):
                log.warning("notification event %d could not be read: skipped", event.id)
        else:
            self.extra_events.emit(event)

    def prune_closed(self, older_than_seconds: float) -> BookChange:
        """Forget shipped and canceled orders closed more than ``older_than_seconds`` ago."""
        now = self._clock()
        gone = [n for n, at in self._closed_at.items() if now - at > older_than_seconds]
        for number in gone:
            self._drop(number)
        change = BookChange(removed=tuple(gone))
        self._emit(change)
        return change

    def clear(self) -> None:
        numbers = tuple(self._orders)
        self._orders.clear()
        self._details.clear()
        self._packs.clear()
        self._owner.clear()
        self._closed_at.clear()
        self._emit(BookChange(removed=numbers))

    # --- internals --------------------------------------------------------------------------------

    def _store(self, summary: OrderSummary) -> None:
        number = summary.number
        self._orders[number] = summary
        if summary.state in TERMINAL_STATES:
            self._closed_at.setdefault(number, self._clock())
        else:
            self._closed_at.pop(number, None)
        if summary.state is OrderState.CANCELED:
            self._unindex_packs(number)  # a canceled order gives its packs back

    def _drop(self, number: str) -> None:
        self._orders.pop(number, None)
        self._details.pop(number, None)
        self._closed_at.pop(number, None)
        self._unindex_packs(number)

    def _index_packs(self, order: Order) -> None:
        self._unindex_packs(order.number)
        if order.state is OrderState.CANCELED:
            return
        packs = frozenset(sgtin_of(code) for code in order.marking_codes)
        if packs:
            self._packs[order.number] = packs
            for pack in packs:
                self._owner[pack] = order.number

    def _unindex_packs(self, number: str) -> None:
        for pack in self._packs.pop(number, ()):
            if self._owner.get(pack) == number:
                del self._owner[pack]

    def _emit(self, change: BookChange) -> None:
        if change:
            self.changed.emit(change)
