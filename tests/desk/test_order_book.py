"""The order book: versions never go backwards, exact changes, packs of other orders, alerts, the bell."""

from __future__ import annotations

from pharmacy_desk.desk.order_book import AlertEvent, BookChange, NotificationStatus, OrderBook
from pharmacy_desk.desk.ringing import NewOrderBell
from pharmacy_desk.desk.stream import StreamEvent
from pharmacy_desk.domain import AlertKind, OrderState
from tests.desk.book_support import line, order, summary
from tests.desk.desk_support import marking_code

CODE_1 = marking_code("SERIAL0000001")
CODE_1_OTHER_TAIL = CODE_1.replace("92VW", "92XW")  # the same pack (GTIN + serial), another crypto tail


def recorded(book: OrderBook) -> list[BookChange]:
    changes: list[BookChange] = []
    book.changed.connect(changes.append)
    return changes


def test_first_snapshot_is_a_reset_later_ones_are_exact_diffs() -> None:
    book = OrderBook()
    changes = recorded(book)
    book.load_snapshot([summary("1"), summary("2"), summary("3")])
    assert changes[-1].reset and [s.number for s in changes[-1].added] == ["1", "2", "3"]

    book.apply_summary(summary("2", version=5, state=OrderState.COLLECTING))
    change = book.load_snapshot([summary("2", version=4), summary("3", version=2), summary("4")])
    assert [s.number for s in change.added] == ["4"]
    assert [(s.number, s.version) for s in change.changed] == [("3", 2)]
    assert change.removed == ("1",)
    assert book.version("2") == 5  # the older snapshot did not win
    assert len(book) == 3


def test_events_apply_by_version_only() -> None:
    book = OrderBook()
    changes = recorded(book)
    assert book.apply_summary(summary("1", version=2))
    assert not book.apply_summary(summary("1", version=2))
    assert not book.apply_summary(summary("1", version=1))
    event = StreamEvent(7, "order", {"order": summary("1", version=3).model_dump(mode="json")})
    book.apply_event(event)
    book.apply_event(event)  # a replay changes nothing
    assert book.version("1") == 3
    assert [(bool(c.added), bool(c.changed)) for c in changes] == [(True, False), (False, True)]


def test_a_large_book_updates_one_order_without_rebuilding() -> None:
    book = OrderBook()
    book.load_snapshot(summary(f"A12-{n:06d}") for n in range(5000))
    changes = recorded(book)
    book.apply_summary(summary("A12-004321", version=2, state=OrderState.COLLECTING))
    assert changes == [BookChange(changed=(book.get("A12-004321"),))]  # type: ignore[arg-type]
    assert len(book) == 5000


def test_closed_orders_stay_until_pruned_and_survive_a_snapshot() -> None:
    now = [1000.0]
    book = OrderBook(clock=lambda: now[0])
    book.load_snapshot([summary("1"), summary("2")])
    book.apply_summary(summary("1", version=2, state=OrderState.CANCELED))
    book.load_snapshot([summary("2")])  # the relay lists open orders only
    assert "1" in book
    now[0] += 100
    assert book.prune_closed(60).removed == ("1",)
    assert "1" not in book and "2" in book


def test_packs_of_other_orders_are_known_by_gtin_and_serial() -> None:
    book = OrderBook()
    held = line("100234", 1, marking_codes=(CODE_1,))
    book.apply_order(order("1", state=OrderState.ASSEMBLED, version=3, composition=(held,)))
    assert book.code_owner(CODE_1_OTHER_TAIL) == "1"
    assert book.code_owner(CODE_1, except_number="1") is None
    assert book.detail("1") is not None
    book.apply_summary(summary("1", version=4, state=OrderState.READY_TO_SHIP))
    assert book.detail("1") is None  # older than the book: fetch it again
    assert book.code_owner(CODE_1) == "1"  # but its packs are still taken
    book.apply_summary(summary("1", version=5, state=OrderState.CANCELED))
    assert book.code_owner(CODE_1) is None  # a canceled order gives its packs back


def test_alerts_and_notifications_become_typed_events() -> None:
    book = OrderBook()
    alerts: list[AlertEvent] = []
    notes: list[NotificationStatus] = []
    book.alerts.connect(alerts.append)
    book.notifications.connect(notes.append)
    lines = [line("100234", 2).model_dump(mode="json")]
    book.apply_event(
        StreamEvent(
            3,
            "alert",
            {"number": "1", "kind": "canceled_during_assembly", "message": "Заказ 1 отменён", "lines": lines},
        )
    )
    book.apply_event(StreamEvent(4, "alert", {"kind": "something_new", "message": "?"}))
    book.apply_event(StreamEvent(5, "notification", {"outbox_id": 9, "event_type": "order.in_work", "status": "sent"}))
    assert alerts[0].kind is AlertKind.CANCELED_DURING_ASSEMBLY
    assert [(x.sku, x.quantity) for x in alerts[0].to_return_to_shelf] == [("100234", 2)]
    assert alerts[1].kind is None and alerts[1].raw_kind == "something_new"
    assert notes == [NotificationStatus(9, "order.in_work", "sent", event_id=5)]


def test_a_listener_that_raises_does_not_stop_the_others() -> None:
    book = OrderBook()
    seen: list[BookChange] = []

    def broken(change: BookChange) -> None:
        raise RuntimeError("widget bug")

    book.changed.connect(broken)
    book.changed.connect(seen.append)
    book.apply_summary(summary("1"))
    assert len(seen) == 1


def test_new_orders_ring_until_acknowledged_or_taken_anywhere() -> None:
    book = OrderBook()
    bell = NewOrderBell(book)
    rings: list[frozenset[str]] = []
    bell.ringing_changed.connect(rings.append)
    book.load_snapshot([summary("1"), summary("2", state=OrderState.COLLECTING, version=2)])
    assert bell.ringing == {"1"}
    book.apply_summary(summary("3"))
    book.alerts.emit(AlertEvent(AlertKind.NEW_ORDER, "new_order", "Новый заказ 3", number="3"))
    assert bell.ringing == {"1", "3"}
    bell.acknowledge("1")
    assert bell.ringing == {"3"}
    book.apply_summary(summary("1", version=2))  # still new: stays acknowledged
    assert bell.ringing == {"3"}
    book.apply_summary(summary("3", version=2, state=OrderState.COLLECTING))  # another PC started it
    assert bell.ringing == frozenset()
    assert rings == [frozenset({"1"}), frozenset({"1", "3"}), frozenset({"3"}), frozenset()]


def test_a_shared_acknowledgement_event_stops_the_bell() -> None:
    book = OrderBook()
    bell = NewOrderBell(book)
    book.apply_summary(summary("7"))
    book.apply_event(
        StreamEvent(11, "acknowledged", {"number": "7", "by": {"device_name": "Касса 2", "operator": "Петров"}})
    )
    assert bell.ringing == frozenset()
    assert bell.acknowledged_by("7") == "Касса 2 (Петров)"
