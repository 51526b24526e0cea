"""The queue always has a current order once it has rows, so Enter opens one: also after a reset.

The book's first list of orders after connecting (and a model reset for any other reason) replaces the
rows at once: Qt drops the current index then, and the rows never pass ``rowsInserted``. Seen as a UI
test failing in CI: an order created while the PC was connecting came in that first list, and the PC
started with no order selected (Enter opened nothing).
"""

from __future__ import annotations

from pharmacy_desk.desk.order_book import BookChange, OrderBook
from pharmacy_desk.ui.queue_model import NUMBER_ROLE, OrderQueueModel
from pharmacy_desk.ui.queue_view import QueueView
from tests.ui.test_queue_model import NOW, summary


def queue() -> tuple[OrderBook, OrderQueueModel, QueueView]:
    book = OrderBook()
    model = OrderQueueModel(book, clock=lambda: NOW, tick_ms=0)
    book.changed.connect(model.apply)
    return book, model, QueueView(model)


def shown(view: QueueView) -> list[str]:
    return [view.proxy.index(row, 0).data(NUMBER_ROLE) for row in range(view.proxy.rowCount())]


def test_the_first_list_of_orders_selects_the_top_one(qapp: object) -> None:
    book, _, view = queue()
    book.load_snapshot([summary("A-2", due_in=90), summary("A-1", due_in=30), summary("A-3", due_in=60)])
    assert len(shown(view)) == 3
    assert view.selected_number() == shown(view)[0]
    assert view.selected_numbers() == [shown(view)[0]]


def test_a_reset_keeps_the_order_that_was_selected(qapp: object) -> None:
    book, model, view = queue()
    book.load_snapshot([summary("A-1", due_in=30), summary("A-2", due_in=60)])
    assert view.select("A-2") and shown(view)[0] != "A-2"
    model.apply(BookChange(added=(summary("A-1", due_in=30), summary("A-2", due_in=60), summary("A-3")), reset=True))
    assert view.selected_number() == "A-2"


def test_a_reset_without_the_selected_order_selects_the_top_one_and_an_empty_one_nothing(qapp: object) -> None:
    book, model, view = queue()
    book.load_snapshot([summary("A-1", due_in=30), summary("A-2", due_in=60)])
    assert view.select("A-2")
    model.apply(BookChange(added=(summary("A-3", due_in=10), summary("A-1", due_in=30)), reset=True))
    assert view.selected_number() == shown(view)[0] == "A-3"
    model.apply(BookChange(reset=True))
    assert view.selected_number() is None and shown(view) == []
