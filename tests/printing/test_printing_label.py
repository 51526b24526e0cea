"""What a bag label says, built from domain orders (no Qt)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from pharmacy_desk.domain.bag_label import decode_bag_label, encode_bag_label
from pharmacy_desk.domain.states import Flow
from pharmacy_desk.printing.label import BagLabel, labels_for_order, short_kuper_id
from tests.printing.printing_support import CODE, MOSCOW, NUMBER, STORE_KEY, STORE_NAME, order


def test_pickup_label_carries_the_order_and_never_the_code() -> None:
    label = BagLabel.from_order(order("pickup"), STORE_NAME, tz=MOSCOW)

    assert label.store_name == STORE_NAME
    assert label.number == NUMBER
    assert label.kuper_id == "H12345678901"
    assert label.customer == "А. П."
    assert label.packs == 3
    assert label.flow_text == "Самовывоз"
    assert label.shelf_cell is None and label.number_tail == "0042"  # the big figure: no cells in this store
    assert CODE not in " ".join((label.qr_payload, label.number_tail, *label.details))
    assert label.due_text == "22.11 13:00–14:00"  # 10:00–11:00 UTC in Moscow
    assert label.bag_text == ""
    assert label.details == (
        "Купер: H12345678901",
        "Клиент: А. П.",
        "Упаковок в заказе: 3",
        "Срок: 22.11 13:00–14:00",
    )


def test_the_qr_identifies_the_order_and_never_holds_the_pickup_code() -> None:
    label = BagLabel.from_order(order("pickup"), STORE_NAME)

    assert label.qr_payload == encode_bag_label(STORE_KEY, NUMBER)
    decoded = decode_bag_label(label.qr_payload)
    assert decoded is not None and (decoded.store_key, decoded.number) == (STORE_KEY, NUMBER)
    assert CODE not in label.qr_payload


def test_a_store_with_numbered_cells_prints_the_cell() -> None:
    label = BagLabel.from_order(order("pickup"), STORE_NAME, shelf_cells=40)
    assert label.shelf_cell == "03"  # 42 % 40 + 1
    assert BagLabel.from_order(order("pickup"), STORE_NAME, shelf_cells=0).shelf_cell is None


@pytest.mark.parametrize("flow", ["by_courier", "something_new"])
def test_delivery_label_has_no_pickup_code(flow: str) -> None:
    label = BagLabel.from_order(order(flow), STORE_NAME, tz=MOSCOW)
    assert label.flow in (Flow.DELIVERY, Flow.UNKNOWN)
    assert label.flow_text == "Доставка"  # an unknown method is handled as delivery
    assert label.shelf_cell is None
    assert label.due_short == "14:00"


def test_bags_k_of_n() -> None:
    labels = labels_for_order(order(), STORE_NAME, bags=3)
    assert [label.bag_text for label in labels] == ["1 из 3", "2 из 3", "3 из 3"]
    assert {label.qr_payload for label in labels} == {encode_bag_label(STORE_KEY, NUMBER)}
    with pytest.raises(ValueError):
        labels_for_order(order(), STORE_NAME, bags=0)
    with pytest.raises(ValueError):
        BagLabel.from_order(order(), STORE_NAME, bag=4, bags=3)


def test_short_kuper_id_falls_back_to_the_uuid() -> None:
    assert short_kuper_id(order(original_id="H1")) == "H1"
    assert short_kuper_id(order(original_id=None)) == "265cb601"


def test_due_text_variants() -> None:
    base = BagLabel.from_order(order(), STORE_NAME, tz=UTC)
    end = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
    assert base.due_text == "22.11 10:00–11:00"
    assert replace(base, due_to=end).due_text == "22.11 10:00 – 23.11 09:30"
    assert replace(base, due_from=None).due_text == "до 22.11 11:00"
    assert replace(base, due_to=None).due_text == "с 22.11 10:00"
    empty = replace(base, due_from=None, due_to=None)
    assert (empty.due_text, empty.due_short) == ("—", "—")
