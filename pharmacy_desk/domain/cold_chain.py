"""The cold chain: which lines and orders need +2…+8 °C (cold) or +8…+15 °C (cool), and what follows.

The pharmacy keeps a product's storage condition during delivery too (ПП РФ № 697). From the products'
``storage`` attribute (:class:`~pharmacy_desk.domain.product.Storage`, given per SKU by the stock
source):

- an order's storage is its coldest line's (:func:`order_storage`); the relay keeps it on the order
  as a flag (:data:`FLAG_COLD` or :data:`FLAG_COOL`, :func:`storage_flags`) computed at
  ``order.created`` from the same attributes as the remote-sale rules, so the queue, the label and
  the hand-over know it without asking the stock source again (:func:`storage_of_flags`);
- cold and cool lines are assembled last, the coldest at the very end, so they stay out of the
  fridge the shortest time (:func:`assembly_order`; the rest keep their order);
- the bag label prints :data:`LABEL_RU` big; a cold or cool order goes to the courier only in a cold
  bag (:func:`cold_bag_question`).

A product whose storage is unknown counts as room temperature: the rule applies where the source says.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TypeVar

from pharmacy_desk.domain.composition import Line
from pharmacy_desk.domain.product import ProductAttributes, Storage

FLAG_COLD = "cold_chain"  # a line needs +2…+8 °C
FLAG_COOL = "cool_chain"  # a line needs +8…+15 °C (and none +2…+8)
CHAIN_FLAGS: tuple[str, ...] = (FLAG_COLD, FLAG_COOL)

MARK = "❄"
"""The mark the screens put on a cold or cool order or line."""

LABEL_RU: dict[Storage, str] = {Storage.COLD: "ХОЛОД +2…+8", Storage.COOL: "ПРОХЛАДА +8…+15"}
"""What the bag label prints big."""

RANGE_RU: dict[Storage, str] = {Storage.COLD: "+2…+8 °C", Storage.COOL: "+8…+15 °C"}

HINT_RU: dict[Storage, str] = {
    Storage.COLD: "Холодовая цепь +2…+8 °C: собрать последним, хранить в холодильнике, курьеру — в термосумке",
    Storage.COOL: "Прохлада +8…+15 °C: собрать последним, курьеру — в термосумке",
}
"""The tooltip of the mark, for the pharmacist."""

_RANK = {Storage.ROOM: 0, Storage.COOL: 1, Storage.COLD: 2}
_FLAG = {Storage.COLD: FLAG_COLD, Storage.COOL: FLAG_COOL}

T = TypeVar("T")


def coldest(storages: Iterable[Storage | None]) -> Storage:
    """The strictest condition among ``storages`` (unknown counts as room temperature)."""
    return max((s or Storage.ROOM for s in storages), key=_RANK.__getitem__, default=Storage.ROOM)


def line_storages(lines: Iterable[Line], attributes: Mapping[str, ProductAttributes]) -> dict[str, Storage]:
    """SKU → storage of the lines with packs ordered whose product needs cold or cool (others left out)."""
    found: dict[str, Storage] = {}
    for line in lines:
        attrs = attributes.get(line.sku)
        if (
            attrs is None
            or attrs.storage in (None, Storage.ROOM)
            or (line.ordered_quantity == 0 and line.quantity == 0)
        ):
            continue
        found[line.sku] = attrs.storage
    return found


def order_storage(lines: Iterable[Line], attributes: Mapping[str, ProductAttributes]) -> Storage:
    """The storage the whole bag needs: its coldest line's."""
    return coldest(line_storages(lines, attributes).values())


def storage_flags(storage: Storage) -> tuple[str, ...]:
    """The order flag that says ``storage`` (none for room temperature)."""
    flag = _FLAG.get(storage)
    return (flag,) if flag is not None else ()


def storage_of_flags(flags: Iterable[str]) -> Storage:
    """An order's storage from its flags (what the relay set)."""
    given = set(flags)
    if FLAG_COLD in given:
        return Storage.COLD
    if FLAG_COOL in given:
        return Storage.COOL
    return Storage.ROOM


def needs_cold_bag(storage: Storage) -> bool:
    return storage is not Storage.ROOM


def assembly_order(items: Sequence[T], storage_of: Callable[[T], Storage | None]) -> list[T]:
    """``items`` in the order to assemble them: room temperature first, then cool, cold last (stable)."""
    return sorted(items, key=lambda item: _RANK[storage_of(item) or Storage.ROOM])


def cold_bag_question(number: str, storage: Storage) -> str | None:
    """The question to ask before a courier takes order ``number`` (None: room temperature, no question)."""
    if not needs_cold_bag(storage):
        return None
    return (
        f"В заказе {number} товар, который хранят при {RANGE_RU[storage]}. "
        "Пакет уезжает с курьером в термосумке (с хладоэлементом)?"
    )


def cold_bag_refused(number: str, storage: Storage) -> str:
    """What the screen says when the pharmacist answers "no": the order stays at the counter."""
    return (
        f"Заказ {number} не передан курьеру: товар {RANGE_RU[storage]} везут только в термосумке. "
        "Попросите термосумку у курьера или в поддержке Купера; заказ остаётся в аптеке."
    )
