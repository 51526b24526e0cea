"""The pick list's ordering rule (issue 14, item 6): by shelf cell, cool and cold last, not-to-pick at the end."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.pick_list import PickBatch, PickGroup, PickLine, cell_key, line_order, pick_section
from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage
from pharmacy_desk.domain.states import Flow
from tests.domain.factories import opened


def _line(sku: str, name: str, quantity: int = 1) -> Line:
    return Line(sku=sku, name=name, quantity=quantity, ordered_quantity=quantity, price=Decimal("100"))


def _batch(location: str | None, series: str = "S1", quantity: int = 1) -> PickBatch:
    return PickBatch(series=series, expiry=date(2027, 6, 30), quantity=quantity, location=location)


def test_cells_compare_as_numbers_and_a_missing_cell_sorts_last() -> None:
    cells = ["Б1-01", "А1-10", None, "А1-2", "а1-3", "А10-1", "А2-1", ""]
    assert sorted(cells, key=cell_key) == ["А1-2", "а1-3", "А1-10", "А2-1", "А10-1", "Б1-01", None, ""]


def test_room_by_cell_then_cool_then_cold_then_not_to_pick() -> None:
    lines = [
        PickLine(sku="c", name="Инсулин", quantity=1, storage=Storage.COLD, batches=(_batch("Х1-01"),)),
        PickLine(sku="r2", name="Нурофен", quantity=1, storage=Storage.ROOM, batches=(_batch("А1-10"),)),
        PickLine(sku="x", name="Амоксиклав", quantity=1, forbidden="рецептурный", storage=Storage.COLD),
        PickLine(sku="k", name="Свечи", quantity=1, storage=Storage.COOL, batches=(_batch("Х2-01"),)),
        PickLine(sku="r1", name="Парацетамол", quantity=1, batches=(_batch("А1-2"),)),  # storage unknown: room
        PickLine(sku="r3", name="Без ячейки", quantity=1, storage=Storage.ROOM),
        PickLine(sku="c0", name="Виферон", quantity=1, storage=Storage.COLD, batches=(_batch("Х0-05"),)),
    ]
    ordered = sorted(lines, key=line_order)
    assert [line.sku for line in ordered] == ["r1", "r2", "r3", "k", "c0", "c", "x"]
    assert [line.group for line in ordered] == [PickGroup.ROOM] * 3 + [PickGroup.COOL] + [PickGroup.COLD] * 2 + [
        PickGroup.FORBIDDEN
    ]
    assert [line.storage_mark for line in ordered][3:5] == ["ПРОХЛАДА +8…+15", "ХОЛОД +2…+8"]


def test_a_section_from_an_order_its_attributes_and_batches() -> None:
    order = opened(
        "pickup",
        lines=(
            _line("cold", "Хумалог", 1),
            _line("rx", "Амоксиклав", 1),
            _line("room", "Нурофен", 3),
            _line("gone", "Убранный", 1).model_copy(update={"quantity": 0}),
        ),
    )
    attributes = {
        "cold": ProductAttributes(dispensing=Dispensing.OTC, storage=Storage.COLD),
        "rx": ProductAttributes(dispensing=Dispensing.RX, storage=Storage.ROOM),
        "room": ProductAttributes(storage=Storage.ROOM),
    }
    batches = {
        "room": [_batch("А1-01", "EARLY", 1), _batch("А1-02", "LATE", 1)],  # one pack short
        "rx": [_batch("Б1-01")],
        "cold": [_batch("Х1-01")],
    }
    section = pick_section(order, attributes, batches)
    assert (section.number, section.flow, section.original_order_id) == (order.number, Flow.PICKUP, "H12345678901")
    assert [line.sku for line in section.lines] == ["room", "cold", "rx"]  # the emptied line is not listed
    room, cold, rx = section.lines
    assert [b.series for b in room.batches] == ["EARLY", "LATE"] and room.shortfall == 1 and room.cell == "А1-01"
    assert cold.storage_mark == "ХОЛОД +2…+8" and cold.shortfall == 0
    assert rx.forbidden is not None and "рецептурный" in rx.forbidden
    assert rx.batches == () and rx.shortfall == 0  # never sent to the shelf
    assert section.packs == 4 and section.batches_known

    unknown = pick_section(order, {}, None, note="нет остатков")
    assert not unknown.batches_known and unknown.note == "нет остатков"
    assert [line.sku for line in unknown.lines] == ["rx", "room", "cold"]  # by name only: nothing else is known
    assert all(line.batches == () and line.shortfall == 0 for line in unknown.lines)


def test_the_orders_own_forbidden_skus_mark_a_line_without_attributes() -> None:
    order = opened("pickup", lines=(_line("rx", "Амоксиклав"), _line("room", "Нурофен")))
    order = order.model_copy(update={"forbidden_skus": {"rx": "рецептурный препарат"}})
    section = pick_section(order, {}, None)
    assert [(line.sku, line.forbidden) for line in section.lines] == [("room", None), ("rx", "рецептурный препарат")]
