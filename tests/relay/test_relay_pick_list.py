"""The pick list endpoint over real HTTP (issue 14, item 6), SQLite and PostgreSQL.

``GET /stores/{store}/pick-list?number=…``: one section per order in the order asked, lines by shelf
cell with cool and cold last and the Rx line at the end «не собирать», the FEFO batches to take; an
unknown number is a 404 naming it; a store without a stock source still gets the lines, without series.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from pharmacy_desk.api.pick_list import PickList
from pharmacy_desk.domain import Flow
from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage
from tests.relay.relay_stock_support import NUROFEN, load, row, stores
from tests.relay.relay_support import STORE, Relay, RelayFactory

ROOM = ProductAttributes(dispensing=Dispensing.OTC, storage=Storage.ROOM)
PRODUCTS: dict[str, tuple[str, str, ProductAttributes]] = {  # sku → name, cell, attributes
    NUROFEN: ("Нурофен таб. п/о 200мг №20", "А1-10", ROOM),
    "100412": ("Парацетамол таб. 500мг №20", "А1-2", ROOM),
    "102200": ("Виферон супп. рект. 500000МЕ №10", "Х1-01", ROOM.model_copy(update={"storage": Storage.COLD})),
    "102220": ("Облепиховые свечи №10", "Х2-01", ROOM.model_copy(update={"storage": Storage.COOL})),
    "100301": ("Амоксиклав таб. п/о 875+125мг №14", "Б1-01", ROOM.model_copy(update={"dispensing": Dispensing.RX})),
}


def _position(sku: str, quantity: int) -> dict[str, Any]:
    return {
        "id": sku,
        "name": PRODUCTS[sku][0],
        "originalQuantity": quantity,
        "quantity": quantity,
        "price": "100.00",
        "totalPrice": f"{100 * quantity}.00",
        "totalDiscountPrice": f"{100 * quantity}.00",
    }


def _positions(*items: tuple[str, int]) -> dict[str, Any]:
    total = f"{100 * sum(q for _, q in items)}.00"
    return {
        "positions": [_position(s, q) for s, q in items],
        "total": {"totalPrice": total, "discountTotalPrice": total},
    }


async def _stocked(relay_factory: RelayFactory) -> Relay:
    relay = await relay_factory(configured_stock=True)
    rows = []
    for line, (sku, (name, cell, attributes)) in enumerate(PRODUCTS.items(), start=2):
        base = replace(row(f"{sku}-LATE", 9, sku=sku, line=line), name=name, location=cell, attributes=attributes)
        rows.append(base)
        early = replace(base, series=f"{sku}-EARLY", expiry=date(2098, 1, 31), quantity=1, line=line + 10)
        rows.append(early)
    await load(relay, *rows)
    return relay


async def _pick_list(relay: Relay, pc: dict[str, str], *numbers: str) -> PickList:
    response = await relay.client.get(f"/stores/{STORE}/pick-list", params=[("number", n) for n in numbers], headers=pc)
    assert response.status_code == 200, response.text
    return PickList.model_validate(response.json())


async def test_lines_by_cell_cold_last_forbidden_not_picked_fefo_batches(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    everything = _positions(("102200", 1), (NUROFEN, 2), ("100301", 1), ("102220", 1), ("100412", 1))
    first = await relay.create_order("delivery", **everything)
    second = await relay.create_order("pickup", **_positions((NUROFEN, 1)))
    pc = await relay.device()

    answer = await _pick_list(relay, pc, second, first)
    assert answer.store == STORE
    assert [s.number for s in answer.sections] == [second, first]  # in the order asked
    section = answer.sections[1]
    assert (section.flow, section.original_order_id) == (Flow.DELIVERY, "H12345678901")
    assert section.due_to is not None and section.batches_known and section.note is None
    order = [(line.sku, line.cell) for line in section.lines]
    assert order == [
        ("100412", "А1-2"),  # А1-2 before А1-10: cells compare as numbers
        (NUROFEN, "А1-10"),
        ("102220", "Х2-01"),  # cool, then cold
        ("102200", "Х1-01"),
        ("100301", None),  # Rx: not to be picked, no batch
    ]
    nurofen = section.lines[1]
    assert [(b.series, b.quantity) for b in nurofen.batches] == [(f"{NUROFEN}-EARLY", 1), (f"{NUROFEN}-LATE", 1)]
    assert nurofen.batches[0].expiry == date(2098, 1, 31) and nurofen.shortfall == 0
    assert section.lines[3].storage_mark == "ХОЛОД +2…+8" and section.lines[2].storage_mark == "ПРОХЛАДА +8…+15"
    rx = section.lines[4]
    assert rx.forbidden is not None and "рецептурный" in rx.forbidden and rx.batches == ()
    assert section.packs == 5  # the Rx pack is not counted


async def test_unknown_numbers_are_named_and_nothing_is_printed(relay_factory: RelayFactory) -> None:
    relay = await _stocked(relay_factory)
    known = await relay.create_order("pickup")
    pc = await relay.device()
    url = f"/stores/{STORE}/pick-list"
    missing = await relay.client.get(url, params=[("number", known), ("number", "A12-999999")], headers=pc)
    assert missing.status_code == 404
    assert missing.json() == {
        "code": "order_not_found",
        "message": "Заказ A12-999999 не найден: сборочный лист не напечатан",
    }
    none = await relay.client.get(url, headers=pc)
    assert none.status_code == 400
    blank = await relay.client.get(url, params={"number": " "}, headers=pc)
    assert blank.status_code == 400 and blank.json()["code"] == "no_orders"
    assert (await relay.client.get(url, params={"number": known})).status_code == 401


async def test_without_a_stock_source_the_list_prints_what_the_order_knows(relay_factory: RelayFactory) -> None:
    relay = await relay_factory(configured_stock=True, stores=stores(stock="none"))
    number = await relay.create_order("pickup", **_positions(("102200", 1), (NUROFEN, 2)))
    pc = await relay.device()
    (section,) = (await _pick_list(relay, pc, number)).sections
    assert not section.batches_known and section.note == "Учёт остатков не подключён: серии и ячейки не указаны"
    assert [(line.sku, line.quantity, line.batches, line.shortfall) for line in section.lines] == [
        ("102200", 1, (), 0),  # by name (Виферон, Нурофен): no cells, no storage known
        (NUROFEN, 2, (), 0),
    ]
