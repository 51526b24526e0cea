"""Simulated Kuper orders and the webhooks Kuper sends about them, built with the wire models.

:func:`random_order` makes a plausible customer order from the catalogue; :class:`SimOrder` turns it
into ``order.created`` and gives every later webhook of docs/kuper-protocol.md §2 (courier, payment,
hand-over, cancellation, composition change). Nothing here talks to the network.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from pharmacy_desk.kuper import (
    Address,
    Cancellation,
    Courier,
    CourierArrivedWebhook,
    CourierAssignedPayload,
    CourierAssignedWebhook,
    Customer,
    DeliveryWindow,
    OrderCanceledPayload,
    OrderCanceledWebhook,
    OrderCreatedPayload,
    OrderCreatedWebhook,
    OrderDeliveredWebhook,
    OrderDeliveringWebhook,
    OrderPaidPayload,
    OrderPaidWebhook,
    OrderPosition,
    OrderReceivedWebhook,
    OrderRef,
    OrderTotal,
    OrderUpdatedPayload,
    OrderUpdatedWebhook,
    ShipmentMethod,
)
from pharmacy_desk.kuper.totals import composition_total, position_total
from pharmacy_desk.sim.catalogue import CATALOGUE, Drug

MSK = timezone(timedelta(hours=3), "MSK")
RETAILER_SLUG = "apteka-sim"

_WOMEN = (("Анна", "Ольга", "Мария", "Елена", "Наталья", "Ирина"), ("Иванова", "Смирнова", "Кузнецова", "Попова"))
_MEN = (("Сергей", "Андрей", "Дмитрий", "Алексей", "Михаил"), ("Петров", "Волков", "Фёдоров", "Морозов", "Соколов"))
_STREETS = ("ул. Ленина", "Профсоюзная ул.", "ул. Гарибальди", "Ленинский пр-т", "ул. Вавилова", "ул. Обручева")
_COMMENTS = ("Позвоните за 10 минут", "Домофон не работает, позвоните", "Оставьте у двери", "", "", "")
_COURIERS = ("Иван", "Рустам", "Алишер", "Павел", "Тимур")


def now_msk() -> datetime:
    return datetime.now(MSK).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Item:
    """A catalogue drug and how many packs the customer ordered."""

    drug: Drug
    quantity: int

    @property
    def total(self) -> Decimal:
        return position_total(self.drug.unit_price, self.quantity)

    def position(self) -> OrderPosition:
        drug = self.drug
        return OrderPosition(
            sku=drug.sku,
            name=drug.name,
            original_quantity=self.quantity,
            quantity=self.quantity,
            price=drug.price,
            discount_price=drug.unit_price,
            total_price=position_total(drug.price, self.quantity),
            total_discount_price=self.total,
        )


@dataclass(slots=True)
class SimOrder:
    """One customer's order as Kuper knows it."""

    uuid: str
    original_order_id: str
    flow: ShipmentMethod
    items: list[Item]
    store_id: str
    customer_name: str = "Анна"
    customer_phone: str = "+79990001122"
    address: str = "Москва, ул. Ленина, 1, кв. 5"
    comment: str = ""
    created_at: datetime = field(default_factory=now_msk)

    @property
    def total(self) -> Decimal:
        return composition_total(item.total for item in self.items)

    def ref(self) -> OrderRef:
        return OrderRef(order_uuid=self.uuid)

    def created(self) -> OrderCreatedWebhook:
        """``order.created`` with the whole order."""
        window_from = self.created_at + timedelta(hours=1)
        fields = {
            "order_uuid": self.uuid,
            "original_order_id": self.original_order_id,
            "store_id": self.store_id,
            "state": "new",
            "payment_state": "not_paid" if self.flow is ShipmentMethod.PICKUP else "authorized",
            "shipment_method": self.flow,
            "replacement_policy": "call",
            "customer": Customer(name=self.customer_name, phone=self.customer_phone),
            "address": Address(full_address=self.address) if self.flow is ShipmentMethod.BY_COURIER else None,
            "delivery": DeliveryWindow(expected_from=window_from, expected_to=window_from + timedelta(hours=1)),
            "positions": [item.position() for item in self.items],
            "total": OrderTotal(total_price=self.total, discount_total_price=self.total),
            "comment": self.comment or None,
        }
        # Only what is there goes on the wire (an explicit None would be sent as null).
        payload = OrderCreatedPayload(**{key: value for key, value in fields.items() if value is not None})
        return OrderCreatedWebhook(payload=payload, timestamp=self.created_at)

    def updated(self, items: list[Item]) -> OrderUpdatedWebhook:
        """``order.updated``: the customer changed the composition (Kuper called them)."""
        self.items = items
        payload = OrderUpdatedPayload(
            order_uuid=self.uuid,
            kind="positions",
            positions=[item.position() for item in items],
            total=OrderTotal(total_price=self.total, discount_total_price=self.total),
        )
        return OrderUpdatedWebhook(payload=payload, timestamp=now_msk())

    def courier_assigned(self, name: str = "Иван") -> CourierAssignedWebhook:
        courier = Courier(name=name, phone="+79990002233", photo_url="https://example.invalid/courier.jpg")
        payload = CourierAssignedPayload(order_uuid=self.uuid, courier=courier)
        return CourierAssignedWebhook(payload=payload, timestamp=now_msk())

    def courier_arrived(self) -> CourierArrivedWebhook:
        return CourierArrivedWebhook(payload=self.ref(), timestamp=now_msk())

    def paid(self, amount: Decimal) -> OrderPaidWebhook:
        payload = OrderPaidPayload(order_uuid=self.uuid, total=OrderTotal(total_price=amount))
        return OrderPaidWebhook(payload=payload, timestamp=now_msk())

    def received(self) -> OrderReceivedWebhook:
        return OrderReceivedWebhook(payload=self.ref(), timestamp=now_msk())

    def delivering(self) -> OrderDeliveringWebhook:
        return OrderDeliveringWebhook(payload=self.ref(), timestamp=now_msk())

    def delivered(self) -> OrderDeliveredWebhook:
        return OrderDeliveredWebhook(payload=self.ref(), timestamp=now_msk())

    def canceled(self, slug: str = "customer_request", description: str = "Клиент передумал") -> OrderCanceledWebhook:
        payload = OrderCanceledPayload(
            order_uuid=self.uuid, cancellation=Cancellation(slug=slug, description=description)
        )
        return OrderCanceledWebhook(payload=payload, timestamp=now_msk())


def new_uuid(rng: random.Random) -> str:
    return f"{RETAILER_SLUG}:{uuid.UUID(int=rng.getrandbits(128), version=4)}"


def random_items(rng: random.Random, *, lines: int | None = None) -> list[Item]:
    """1–4 different drugs (most orders have one or two), 1 to the drug's usual maximum packs each."""
    count = lines if lines is not None else rng.choices((1, 2, 3, 4), weights=(45, 30, 17, 8))[0]
    drugs = rng.sample(CATALOGUE, count)
    return [Item(drug, rng.randint(1, drug.max_per_order)) for drug in drugs]


def random_order(
    rng: random.Random,
    *,
    store_id: str,
    flow: ShipmentMethod | None = None,
    items: list[Item] | None = None,
) -> SimOrder:
    """A plausible order; pickup and delivery about equally often unless ``flow`` is given."""
    chosen = flow if flow is not None else rng.choice((ShipmentMethod.BY_COURIER, ShipmentMethod.PICKUP))
    first_names, last_names = rng.choice((_WOMEN, _MEN))
    first, last = rng.choice(first_names), rng.choice(last_names)
    return SimOrder(
        uuid=new_uuid(rng),
        original_order_id=f"H{rng.randrange(10**11):011d}",
        flow=chosen,
        items=items if items is not None else random_items(rng),
        store_id=store_id,
        customer_name=f"{first} {last}",
        customer_phone=f"+7999{rng.randrange(10**7):07d}",
        address=f"Москва, {rng.choice(_STREETS)}, {rng.randint(1, 120)}, кв. {rng.randint(1, 300)}",
        comment=rng.choice(_COMMENTS),
    )


def courier_name(rng: random.Random) -> str:
    return rng.choice(_COURIERS)
