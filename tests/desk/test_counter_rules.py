"""The counter screen's plain rules (no Qt): alerts merged and gone with their cause, finding an order at the
hand-over (never by the pickup code), the next step on the assembly screen, shelf cells."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from pharmacy_desk.desk.alert_book import AlertBook, AlertGroup
from pharmacy_desk.desk.assembly import AssemblySession
from pharmacy_desk.desk.assembly_store import AssemblyStore, restore
from pharmacy_desk.desk.conflicts import explain
from pharmacy_desk.desk.next_step import FIRST_F5, FIRST_F8, assembly_step, starts_on_scan
from pharmacy_desk.desk.offline_queue import QueueConflict, QueuedAction
from pharmacy_desk.desk.order_book import OrderBook
from pharmacy_desk.desk.order_lookup import find_order
from pharmacy_desk.domain import Assembled, Cancellation, CancelReason, Customer, OrderState
from pharmacy_desk.domain.pickup_codes import PickupCodeState
from pharmacy_desk.domain.shelf import shelf_cell
from pharmacy_desk.domain.states import Flow
from tests.desk.book_support import NOW, line, order, summary


def test_alerts_are_merged_per_kind_most_urgent_first() -> None:
    clock = [0.0]
    book = AlertBook(clock=lambda: clock[0])
    book.put("stock:A12-000001", AlertGroup.STOCK, "Не хватает товара заказа A12-000001", number="A12-000001")
    clock[0] += 1
    book.put("other:x", AlertGroup.OTHER, "Купер изменил состав")
    clock[0] += 1
    book.put("courier:A12-000002", AlertGroup.COURIER, "Курьер прибыл", number="A12-000002")
    # the same stock alert again: one alert, its text replaced, its place kept
    assert book.put("stock:A12-000001", AlertGroup.STOCK, "Нет в наличии: Нурофен", number="A12-000001")
    assert not book.put("stock:A12-000001", AlertGroup.STOCK, "Нет в наличии: Нурофен", number="A12-000001")
    assert len(book) == 3
    assert [group for group, _ in book.groups()] == [AlertGroup.COURIER, AlertGroup.STOCK, AlertGroup.OTHER]
    assert book.get("stock:A12-000001").text == "Нет в наличии: Нурофен"  # type: ignore[union-attr]


def test_an_alert_goes_when_its_cause_is_gone() -> None:
    book = AlertBook()
    book.put("stock:A12-000001", AlertGroup.STOCK, "Не хватает товара", number="A12-000001")
    book.put("stock:A12-000002", AlertGroup.STOCK, "Не хватает товара", number="A12-000002")
    book.put("courier:A12-000003", AlertGroup.COURIER, "Курьер прибыл", number="A12-000003")
    book.put("canceled:A12-000004", AlertGroup.CANCELED, "Отменён", number="A12-000004")

    assert book.follow([summary("A12-000001", state=OrderState.COLLECTING)]) == []  # still being assembled
    assert book.follow([summary("A12-000001", state=OrderState.ASSEMBLED)]) == ["stock:A12-000001"]
    assert book.follow([summary("A12-000002", state=OrderState.CANCELED)]) == ["stock:A12-000002"]
    here = summary("A12-000003", state=OrderState.READY_TO_SHIP, courier_arrived_at=NOW)
    assert book.follow([here]) == []  # the courier waits
    assert book.follow([summary("A12-000003", state=OrderState.SHIPPING, courier_arrived_at=NOW)]) == [
        "courier:A12-000003"
    ]  # the bag is taken
    # a cancellation is itself the news: it stays until seen, or until the order leaves the book
    assert book.follow([summary("A12-000004", state=OrderState.CANCELED)]) == []
    assert book.forget_orders(["A12-000004"]) == ["canceled:A12-000004"]
    assert len(book) == 0


def _book() -> OrderBook:
    book = OrderBook()
    waiting = order(
        "A12-000042",
        version=2,
        state=OrderState.AWAITING_PICKUP,
        flow=Flow.PICKUP,
        original_order_id="H52598629800",
        customer=Customer(name="Ирина", phone="+7 (916) 555-12-34"),
        pickup=PickupCodeState(code="9261", issued_at=NOW),
    )
    other = order("A12-001234", version=2, state=OrderState.NEW, customer=Customer(phone="+79160000000"))
    book.load_snapshot([summary("A12-000042"), summary("A12-001234")])
    book.apply_order(waiting)
    book.apply_order(other)
    return book


def test_the_hand_over_finds_an_order_by_number_kuper_number_or_phone_never_by_the_code() -> None:
    book = _book()
    assert find_order(book, "A12-000042").unique == "A12-000042"
    assert find_order(book, "42").unique == "A12-000042"  # the last digits are enough
    assert find_order(book, "H52598629800").unique == "A12-000042"  # Kuper's number
    found = find_order(book, "1234")  # a phone's last four: this customer's order, and a number's tail
    assert set(found.numbers) == {"A12-000042"} and found.by == "number"  # the waiting one first
    assert find_order(book, "9261").numbers == ()  # the pickup code finds nothing
    assert find_order(book, "").numbers == ()


def test_the_next_step_names_its_key_and_why_the_others_do_not_apply() -> None:
    lines = (line("100234", 1, name="Нурофен"), line("200100", 1, name="Аспирин"))
    session = AssemblySession(order(lines=lines), catalogue={"4600000000008": "200100", "4600000000015": "100234"})
    new = assembly_step(OrderState.NEW, session)
    assert starts_on_scan(OrderState.NEW) and "Сканируйте первую упаковку" in new.prompt
    assert new.refusals["F9"] == FIRST_F8 and new.refusals["F8"] == FIRST_F5 and new.allows("F5")

    assert session.scan("4600000000015").ok
    collecting = assembly_step(OrderState.COLLECTING, session)
    assert "осталось 1" in collecting.prompt and not collecting.allows("F8") and not collecting.allows("F5")
    assert "Аспирин" in collecting.refusals["F8"]  # the blocker, in words
    assert session.scan("4600000000008").ok
    complete = assembly_step(OrderState.COLLECTING, session)
    assert complete.prompt == "Всё собрано: F8 — собрано" and complete.allows("F8")
    assert complete.refusals["F9"] == "Сначала F8 — собрано"

    assembled = assembly_step(OrderState.ASSEMBLED, session)
    assert "F9" in assembled.prompt and assembled.allows("F9") and not assembled.allows("F8")
    ready = assembly_step(OrderState.AWAITING_PICKUP, session, shelf_cell="07")
    assert "на полку 07" in ready.prompt and ready.allows("Esc") and not ready.allows("F9")
    other = assembly_step(OrderState.COLLECTING, None, assembled_elsewhere_by="Касса 2")
    assert "Касса 2" in other.prompt and other.allows("F5") and not other.allows("F8")


def test_shelf_cells_come_from_the_number() -> None:
    assert shelf_cell("A12-000042", 40) == "03"
    assert shelf_cell("A12-000042", 0) is None
    assert shelf_cell("A12-000039", 40) == "40"
    assert shelf_cell("D-000001", 100) == "002"


def test_a_replay_conflict_says_who_changed_the_order_what_and_what_now() -> None:
    queued = QueuedAction(1, "apteka-12", "A12-000001", Assembled(composition=()), 3, "key", None, NOW)
    cancel = Cancellation(reason=CancelReason.STORE_CLOSED, slug="store_closed", by_kuper=False, at=NOW)
    canceled = order("A12-000001", state=OrderState.CANCELED, cancellation=cancel)
    said = explain(QueueConflict("A12-000001", queued, "stale_version", "Заказ изменился", current_order=canceled))
    assert "другая касса аптеки отменил(а) заказ (Аптека закрыта)" in said
    assert "«собрано»" in said and "Верните на полку: Нурофен — 2 уп." in said
    by_kuper = cancel.model_copy(update={"by_kuper": True})
    gone = canceled.model_copy(update={"cancellation": by_kuper})
    assert "Купер" in explain(QueueConflict("A12-000001", queued, "stale_version", "x", current_order=gone))


def test_a_saved_assembly_is_restored_with_its_substitutes_and_reasons(tmp_path: Path) -> None:
    lines = (line("100234", 2, name="Нурофен"), line("200100", 1, name="Аспирин"))
    catalogue = {"4600000000008": "200100", "4600000000015": "100234"}
    session = AssemblySession(order(lines=lines), catalogue=catalogue)
    assert session.scan("4600000000015").ok
    session.declare_short("100234", "нет в наличии")
    session.substitute(
        "200100",
        sku="300300",
        name="Аспирин Кардио",
        price=Decimal("120.00"),
        reason="замена",
        gtins=("4600000000022",),
    )
    assert session.scan("4600000000022").ok
    store = AssemblyStore(tmp_path)
    store.save(session)

    fresh = AssemblySession(order(lines=lines), catalogue=catalogue)  # the app started again
    saved = store.load(fresh.order.number)
    assert saved is not None and restore(fresh, saved) == 2
    assert fresh.final_lines() == session.final_lines() and fresh.complete
    store.forget(fresh.order.number)
    assert store.load(fresh.order.number) is None
    store.path("A12-000009").parent.mkdir(parents=True, exist_ok=True)
    store.path("A12-000009").write_text("{broken", encoding="utf-8")
    assert store.load("A12-000009") is None  # ignored (logged): scanned again, nothing else lost
