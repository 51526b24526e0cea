"""The queue model follows the order book row by row (never a reset per event); the proxy sorts and filters."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from PySide6.QtCore import QAbstractItemModel
from PySide6.QtTest import QSignalSpy

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.desk.order_book import OrderBook
from pharmacy_desk.desk.queue_rules import Stage, Urgency
from pharmacy_desk.domain import Courier, Flow, OrderState, Totals
from pharmacy_desk.ui.queue_model import (
    URGENCY_ROLE,
    Column,
    OrderQueueModel,
    OrderQueueProxy,
)

NOW = dt.datetime(2026, 11, 23, 12, 0, tzinfo=dt.UTC)


def summary(
    number: str, state: OrderState = OrderState.NEW, *, version: int = 1, due_in: float | None = 60, **extra: object
) -> OrderSummary:
    data: dict[str, object] = {
        "store": "apteka-12",
        "number": number,
        "kuper_id": f"retailer-slug:{number}-uuid",
        "state": state,
        "state_label": state.value,
        "version": version,
        "flow": Flow.DELIVERY,
        "totals": Totals(total_price=Decimal("100.00"), discount_total_price=Decimal("100.00")),
        "pack_count": 1,
        "due_from": NOW + dt.timedelta(minutes=due_in) if due_in is not None else None,
        "is_paid": False,
        "created_at": NOW,
    }
    data.update(extra)
    return OrderSummary.model_validate(data)


def spies(model: QAbstractItemModel) -> dict[str, QSignalSpy]:
    return {
        "reset": QSignalSpy(model.modelReset),
        "inserted": QSignalSpy(model.rowsInserted),
        "removed": QSignalSpy(model.rowsRemoved),
        "changed": QSignalSpy(model.dataChanged),
    }


def test_changes_are_inserted_updated_and_removed_row_by_row(qapp: object) -> None:
    book = OrderBook()
    model = OrderQueueModel(book, clock=lambda: NOW, tick_ms=0)
    book.changed.connect(model.apply)
    book.load_snapshot([summary("A-1"), summary("A-2")])  # the first snapshot: one reset
    assert model.numbers() == ["A-1", "A-2"]

    seen = spies(model)
    book.apply_summary(summary("A-3"))
    book.apply_summary(summary("A-2", OrderState.COLLECTING, version=2))
    book.apply_summary(summary("A-2", OrderState.NEW, version=1))  # older: nothing
    assert seen["reset"].count() == 0
    assert seen["inserted"].count() == 1 and seen["changed"].count() == 1
    changed_row = seen["changed"].at(0)[0].row()
    assert model.summary(changed_row).number == "A-2"
    assert model.stage_count(Stage.NEW) == 2 and model.stage_count(Stage.ASSEMBLY) == 1

    book.load_snapshot([summary("A-1"), summary("A-2", OrderState.COLLECTING, version=2)])  # A-3 gone
    assert seen["reset"].count() == 0 and seen["removed"].count() == 1
    assert model.numbers() == ["A-1", "A-2"] and model.row_of("A-3") is None


def test_stages_search_and_time_left_colours(qapp: object) -> None:
    book = OrderBook()
    book.load_snapshot(
        [
            summary("A-1", due_in=45),
            summary("A-2", OrderState.COLLECTING, due_in=20, courier=Courier(name="Иван")),
            summary("A-3", OrderState.READY_TO_SHIP, due_in=-5),
            summary("A-4", OrderState.CANCELED),
        ]
    )
    model = OrderQueueModel(book, clock=lambda: NOW, tick_ms=0)
    proxy = OrderQueueProxy()
    proxy.setSourceModel(model)
    proxy.sort(Column.TIME_LEFT)

    def shown() -> list[str | None]:
        return [proxy.number_at(row) for row in range(proxy.rowCount())]

    assert shown() == ["A-1"]
    proxy.set_stage(Stage.ALL)
    assert shown() == ["A-3", "A-2", "A-1", "A-4"]  # most urgent first, closed orders last
    proxy.set_search("a-2")
    assert shown() == ["A-2"]
    proxy.set_search("")
    proxy.set_stage(Stage.READY)
    assert shown() == ["A-3"]

    urgency = {n: model.index(model.row_of(n) or 0, Column.TIME_LEFT).data(URGENCY_ROLE) for n in model.numbers()}
    assert urgency == {"A-1": Urgency.CALM, "A-2": Urgency.SOON, "A-3": Urgency.LATE, "A-4": Urgency.NONE}
    assert model.index(model.row_of("A-2") or 0, Column.COURIER).data() == "Иван"
    assert model.index(model.row_of("A-4") or 0, Column.TIME_LEFT).data() == "—"


def test_search_finds_customer_and_phone_digits_once_the_detail_is_known(qapp: object) -> None:
    from pharmacy_desk.domain import Customer, Line, Order

    book = OrderBook()
    line = Line(sku="1", name="x", quantity=1, ordered_quantity=1, price=Decimal("10"))
    order = Order(
        store="apteka-12",
        kuper_id="retailer-slug:uuid-7",
        number="A-7",
        flow=Flow.PICKUP,
        created_at=NOW,
        customer=Customer(name="Анна Петрова", phone="+7 999 000-11-22"),
        ordered=(line,),
        composition=(line,),
    )
    book.apply_order(order)
    model = OrderQueueModel(book, clock=lambda: NOW, tick_ms=0)
    proxy = OrderQueueProxy()
    proxy.setSourceModel(model)
    proxy.set_stage(Stage.ALL)
    for text in ("петрова", "1122", "uuid-7", "A-7"):
        proxy.set_search(text)
        assert proxy.rowCount() == 1, text
    proxy.set_search("3344")
    assert proxy.rowCount() == 0


def test_rows_stay_sorted_and_consistent_under_random_changes(qapp: object) -> None:
    import random

    from PySide6.QtCore import Qt
    from PySide6.QtTest import QAbstractItemModelTester

    rng = random.Random(3)
    book = OrderBook()
    model = OrderQueueModel(book, clock=lambda: NOW, tick_ms=0)
    book.changed.connect(model.apply)
    proxy = OrderQueueProxy()
    proxy.setSourceModel(model)
    proxy.set_stage(Stage.ALL)
    testers = [
        QAbstractItemModelTester(m, QAbstractItemModelTester.FailureReportingMode.Warning) for m in (model, proxy)
    ]
    states = list(OrderState)
    versions: dict[str, int] = {}
    for step in range(400):
        if step % 60 == 0:
            order = rng.choice((Qt.SortOrder.AscendingOrder, Qt.SortOrder.DescendingOrder))
            proxy.sort(rng.choice(list(Column)), order)
        number = f"A-{rng.randrange(80):03d}"
        if number in versions and rng.random() < 0.1:
            book.load_snapshot(
                [
                    s
                    for s in book.orders()
                    if s.number != number and s.state not in (OrderState.SHIPPED, OrderState.CANCELED)
                ]
            )
            versions = {s.number: s.version for s in book.orders()}
            continue
        versions[number] = versions.get(number, 0) + 1
        book.apply_summary(
            summary(
                number,
                rng.choice(states),
                version=versions[number],
                due_in=rng.choice((None, rng.randint(-60, 300))),
                pack_count=rng.randint(1, 9),
            )
        )
        keys = [model._key(model.summary(row)) for row in range(model.rowCount())]
        assert keys == sorted(keys)
        assert all(model.row_of(model.summary(row).number) == row for row in range(model.rowCount()))
        assert proxy.rowCount() == model.rowCount()
    assert len(testers) == 2
