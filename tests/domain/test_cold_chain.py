"""The cold-chain rules (issue 14, item 3): order storage, the flag, the assembly order, the courier's cold bag."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from pharmacy_desk.domain import OrderState, RefusalCode, decide
from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.cold_chain import (
    FLAG_COLD,
    FLAG_COOL,
    LABEL_RU,
    assembly_order,
    cold_bag_question,
    line_storages,
    order_storage,
    storage_flags,
    storage_of_flags,
)
from pharmacy_desk.domain.pickup_codes import AuditKind
from pharmacy_desk.domain.product import ProductAttributes, Storage
from tests.domain.factories import aspirin, ctx, nurofen, ok, opened, ready

COLD = ProductAttributes(storage=Storage.COLD)
COOL = ProductAttributes(storage=Storage.COOL)
ROOM = ProductAttributes(storage=Storage.ROOM)


def test_the_order_takes_its_coldest_lines_storage() -> None:
    lines = (nurofen(2), aspirin(1))
    assert order_storage(lines, {}) is Storage.ROOM  # unknown: room temperature
    assert order_storage(lines, {"100234": ROOM, "100777": COOL}) is Storage.COOL
    assert order_storage(lines, {"100234": COLD, "100777": COOL}) is Storage.COLD
    assert line_storages(lines, {"100234": COLD, "100777": ROOM}) == {"100234": Storage.COLD}
    removed = nurofen(2).model_copy(update={"quantity": 0, "ordered_quantity": 0})
    assert order_storage((removed, aspirin(1)), {"100234": COLD}) is Storage.ROOM  # a line Kuper dropped


@pytest.mark.parametrize("storage", list(Storage))
def test_the_flag_says_the_storage_back(storage: Storage) -> None:
    assert storage_of_flags(("stock_short", *storage_flags(storage))) is storage
    assert storage_flags(Storage.ROOM) == ()
    assert storage_of_flags((FLAG_COOL, FLAG_COLD)) is Storage.COLD


@dataclass(frozen=True)
class _Item:
    name: str
    storage: Storage | None


def test_cold_and_cool_lines_are_assembled_last_the_rest_keep_their_order() -> None:
    items = [
        _Item("insulin", Storage.COLD),
        _Item("nurofen", None),
        _Item("candles", Storage.COOL),
        _Item("aspirin", Storage.ROOM),
        _Item("vaccine", Storage.COLD),
    ]
    ordered = assembly_order(items, lambda item: item.storage)
    assert [i.name for i in ordered] == ["nurofen", "aspirin", "candles", "insulin", "vaccine"]


def test_the_question_and_the_label_name_the_range() -> None:
    assert LABEL_RU[Storage.COLD] == "ХОЛОД +2…+8" and LABEL_RU[Storage.COOL] == "ПРОХЛАДА +8…+15"
    assert cold_bag_question("D-1", Storage.ROOM) is None
    question = cold_bag_question("D-1", Storage.COLD)
    assert question is not None and "+2…+8 °C" in question and "термосумк" in question


def test_a_cold_order_goes_to_the_courier_only_in_a_cold_bag() -> None:
    order = ready(opened("delivery", lines=(nurofen(2),))).model_copy(update={"flags": (FLAG_COLD,)})
    refused = decide(order, act.HandToCourier(), ctx())
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.COLD_BAG_REQUIRED
    assert not refused.changed
    handed = ok(decide(order, act.HandToCourier(cold_bag=True), ctx()))
    assert handed.state is OrderState.READY_TO_SHIP  # Kuper's "received" moves the state
    (entry,) = [e for e in handed.audit if e.kind is AuditKind.COURIER]
    assert entry.detail == "в термосумке"


def test_a_room_temperature_order_needs_no_cold_bag_and_a_pickup_order_no_courier() -> None:
    order = ready(opened("delivery", lines=(nurofen(2),)))
    assert any(e.kind is AuditKind.COURIER for e in ok(decide(order, act.HandToCourier(), ctx())).audit)
    pickup = ready(opened("pickup", lines=(nurofen(2),)))
    refused = decide(pickup, act.HandToCourier(cold_bag=True), ctx())
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.DELIVERY_ONLY
    not_ready = opened("delivery", lines=(nurofen(2),))
    refused = decide(not_ready, act.HandToCourier(), ctx())
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.WRONG_STATE
