"""What a bag label says: built from a domain :class:`~pharmacy_desk.domain.order.Order`, no Qt.

Not to be confused with :class:`pharmacy_desk.domain.bag_label.BagLabel`, the *decoded QR* of a bag
(store key + order number). This :class:`BagLabel` is the whole printed label; its ``qr_payload``
is that QR text, made by :func:`~pharmacy_desk.domain.bag_label.encode_bag_label`.

Decisions:

- **The QR identifies the order, never the pickup code.** It holds ``PDESK1:<store>:<number>``
  on every label, delivery or pickup, so scanning any bag opens its order at the counter. The pickup
  code is the customer's secret that staff must hear from the customer and check in the app
  (docs/kuper-protocol.md §5, mistake 4): a scanner must never be able to "type" it off the bag.
- **No pickup code on paper, ever.** Anyone who sees the bag or the shelf would know it, and "hear the
  code from the customer" would become "read it off the bag". The big figure right of the QR is the
  **shelf cell** (:func:`~pharmacy_desk.domain.shelf.shelf_cell`, when the store numbers its cells),
  else the order number's last four digits; staff find the bag by the number, the customer's phone or
  the cell, and check the code the customer says in the app. Printing is recorded (``LabelPrinted``).
- **Kuper id, short form:** Kuper's ``originalOrderId`` (the number the courier's and customer's apps
  show) when known, else the first 8 characters of the UUID part of ``orderUUID``.
- **Packs** are the order's total (the split over bags is not known); "bag k of n" is printed when
  several bags are labelled.
- **Cold chain:** an order the relay flagged cold (+2…+8 °C) or cool (+8…+15 °C) prints «ХОЛОД +2…+8»
  / «ПРОХЛАДА +8…+15» big, framed, under the flow banner (:mod:`pharmacy_desk.domain.cold_chain`).
- **Times** are printed in the store's local time (``tz``; the machine's zone by default).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, tzinfo

from pharmacy_desk.domain.bag_label import encode_bag_label
from pharmacy_desk.domain.cold_chain import LABEL_RU, storage_of_flags
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.product import Storage
from pharmacy_desk.domain.shelf import running_digits, shelf_cell
from pharmacy_desk.domain.states import Flow

__all__ = ["BagLabel", "kuper_number", "labels_for_order", "short_kuper_id"]

FLOW_TEXT = {Flow.PICKUP: "Самовывоз", Flow.DELIVERY: "Доставка", Flow.UNKNOWN: "Доставка"}


def short_kuper_id(order: Order) -> str:
    """The Kuper order id a person reads: ``originalOrderId``, else the UUID's first 8 characters."""
    return kuper_number(order.original_order_id, order.kuper_id)


def kuper_number(original_order_id: str | None, kuper_id: str) -> str:
    """:func:`short_kuper_id` of an order's two Kuper ids (the pick list's sections carry both)."""
    if original_order_id:
        return original_order_id
    uuid_part = kuper_id.rsplit(":", 1)[-1]
    return uuid_part[:8] or kuper_id


def _local(moment: datetime | None, tz: tzinfo | None) -> datetime | None:
    if moment is None or moment.tzinfo is None:
        return moment  # naive: already local by convention
    return moment.astimezone(tz)  # tz None: the machine's local zone


@dataclass(frozen=True, slots=True)
class BagLabel:
    """Everything printed on one bag's label (texts in Russian, ready to draw)."""

    store_name: str
    number: str  # our order number, also drawn as Code128
    kuper_id: str  # short form, see :func:`short_kuper_id`
    customer: str  # masked: ``А. П.``
    packs: int
    flow: Flow
    qr_payload: str  # PDESK1:<store_key>:<number>
    due_from: datetime | None = None  # local time
    due_to: datetime | None = None
    shelf_cell: str | None = None  # where the bag waits, when the store numbers its cells
    bag: int = 1
    bags: int = 1
    storage: Storage = Storage.ROOM  # the order's coldest line (the relay's flag)

    def __post_init__(self) -> None:
        if not 1 <= self.bag <= self.bags:
            raise ValueError(f"bag {self.bag} of {self.bags}")

    @classmethod
    def from_order(
        cls,
        order: Order,
        store_name: str,
        *,
        bag: int = 1,
        bags: int = 1,
        tz: tzinfo | None = None,
        shelf_cells: int = 0,
    ) -> BagLabel:
        """The label of bag ``bag`` of ``bags`` for ``order`` (raises ValueError for a bad store key/number)."""
        return cls(
            store_name=store_name,
            number=order.number,
            kuper_id=short_kuper_id(order),
            customer=order.customer.masked_name,
            packs=order.pack_count,
            flow=order.flow,
            qr_payload=encode_bag_label(order.store, order.number),
            due_from=_local(order.due_from, tz),
            due_to=_local(order.due_to, tz),
            shelf_cell=shelf_cell(order.number, shelf_cells),
            bag=bag,
            bags=bags,
            storage=storage_of_flags(order.flags),
        )

    @property
    def number_tail(self) -> str:
        """The order number's last four digits (``0042``): the big figure when there is no shelf cell."""
        digits = running_digits(self.number)
        return digits[-4:] if digits else self.number[-4:]

    @property
    def is_pickup(self) -> bool:
        return self.flow is Flow.PICKUP

    @property
    def flow_text(self) -> str:
        """``Самовывоз`` or ``Доставка`` (an unknown shipment method is handled as delivery)."""
        return FLOW_TEXT[self.flow]

    @property
    def storage_text(self) -> str:
        """``ХОЛОД +2…+8`` / ``ПРОХЛАДА +8…+15``, printed big; empty at room temperature."""
        return LABEL_RU.get(self.storage, "")

    @property
    def bag_text(self) -> str:
        """``1 из 2``, or empty for a single bag."""
        return f"{self.bag} из {self.bags}" if self.bags > 1 else ""

    @property
    def packs_text(self) -> str:
        return f"Упаковок в заказе: {self.packs}"

    @property
    def due_text(self) -> str:
        """``22.11 14:00–15:00``, ``до 22.11 15:00``, ``с 22.11 14:00`` or ``—``."""
        start, end = self.due_from, self.due_to
        if start is not None and end is not None:
            if start.date() == end.date():
                return f"{start:%d.%m %H:%M}–{end:%H:%M}"
            return f"{start:%d.%m %H:%M} – {end:%d.%m %H:%M}"
        if end is not None:
            return f"до {end:%d.%m %H:%M}"
        if start is not None:
            return f"с {start:%d.%m %H:%M}"
        return "—"

    @property
    def due_short(self) -> str:
        """The end of the due window as ``15:00`` (``—`` when unknown): the big figure on delivery labels."""
        end = self.due_to or self.due_from
        return f"{end:%H:%M}" if end is not None else "—"

    @property
    def details(self) -> tuple[str, ...]:
        """The small lines under the QR."""
        return (
            f"Купер: {self.kuper_id}",
            f"Клиент: {self.customer}",
            self.packs_text,
            f"Срок: {self.due_text}",
        )


def labels_for_order(
    order: Order,
    store_name: str,
    *,
    bags: int | None = None,
    tz: tzinfo | None = None,
    shelf_cells: int = 0,
) -> list[BagLabel]:
    """One label per bag: ``bag 1 of n`` … ``bag n of n`` (``n``: the order's packs unless given)."""
    bags = order.packs if bags is None else bags
    if bags < 1:
        raise ValueError("at least one bag")
    return [
        BagLabel.from_order(order, store_name, bag=k, bags=bags, tz=tz, shelf_cells=shelf_cells)
        for k in range(1, bags + 1)
    ]
