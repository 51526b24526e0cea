"""Builders for domain tests: realistic orders of both flows."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.composition import FinalLine, Line
from pharmacy_desk.domain.events import KuperEvent, NewOrder
from pharmacy_desk.domain.lifecycle import Context, Outcome, StoreRules, apply_event, decide, open_order
from pharmacy_desk.domain.order import Actor, Courier, Customer, Order
from pharmacy_desk.domain.pickup_codes import pickup_code_digest

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)
PC1 = Actor(device_id="dev-1", device_name="Касса 1", operator="Иванова")
PC2 = Actor(device_id="dev-2", device_name="Касса 2")

MARK_A = "010460714356059821FGXEAGA5A1GAH\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
MARK_B = "010460714356059821FGXEAGA5A1GAJ\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
MARK_C = "010460714356059821FGXEAGA5A1GAK\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="


def nurofen(qty: int = 2) -> Line:
    return Line(
        sku="100234",
        name="Нурофен таб. п/о 200мг №20",
        quantity=qty,
        ordered_quantity=qty,
        price=Decimal("199.99"),
        discount_price=Decimal("189.99"),
    )


def aspirin(qty: int = 1) -> Line:
    return Line(
        sku="100777", name="Аспирин Кардио 100мг №28", quantity=qty, ordered_quantity=qty, price=Decimal("145.50")
    )


def new_order(
    flow: str = "by_courier", lines: tuple[Line, ...] | None = None, total: Decimal | None = None
) -> NewOrder:
    return NewOrder(
        kuper_id="retailer-slug:265cb601-a78a-4862-9e9d-d6b48d6a0a3f",
        original_order_id="H12345678901",
        shipment_method=flow,
        customer=Customer(name="Анна Петрова", phone="+79990001122"),
        due_from=T0 + timedelta(hours=1),
        due_to=T0 + timedelta(hours=2),
        lines=lines if lines is not None else (nurofen(), aspirin()),
        total=total,
    )


def opened(
    flow: str = "by_courier",
    rules: StoreRules | None = None,
    *,
    lines: tuple[Line, ...] | None = None,
    total: Decimal | None = None,
) -> Order:
    return open_order(
        new_order(flow, lines, total),
        store="apteka-12",
        number="A12-000001",
        now=T0,
        rules=rules or StoreRules(),
    ).order


def ctx(actor: Actor = PC1, minutes: int = 0, **kw: object) -> Context:
    return Context(now=T0 + timedelta(minutes=minutes), actor=actor, **kw)


def event(kind: str, minutes: int = 0, **kw: object) -> KuperEvent:
    return KuperEvent(type=kind, at=T0 + timedelta(minutes=minutes), **kw)


def ok(outcome: Outcome) -> Order:
    assert outcome.refusal is None, outcome.refusal
    return outcome.order


def as_ordered(order: Order) -> tuple[FinalLine, ...]:
    return tuple(FinalLine(sku=line.sku, quantity=line.ordered_quantity) for line in order.ordered)


def assembled(order: Order, composition: tuple[FinalLine, ...] | None = None, c: Context | None = None) -> Order:
    c = c or ctx()
    order = ok(decide(order, act.StartAssembly(), c))
    return ok(decide(order, act.Assembled(composition=composition or as_ordered(order)), c))


def ready(order: Order, c: Context | None = None) -> Order:
    return ok(decide(assembled(order, c=c), act.Ready(), c or ctx()))


def code_of(order: Order, key: bytes = b"", length: int = 4) -> str:
    """The code the customer was told (the order holds only its digest): found by trying every code.

    Only for tests, whose key is known; the relay's key never leaves the relay.
    """
    assert order.pickup is not None and order.pickup.digest is not None
    return _code_for(order.pickup.digest, key, length)


@functools.cache
def _code_for(digest: str, key: bytes, length: int) -> str:
    found = [f"{n:0{length}d}" for n in range(10**length) if pickup_code_digest(f"{n:0{length}d}", key) == digest]
    assert len(found) == 1, found
    return found[0]


def courier() -> Courier:
    return Courier(name="Иван", phone="+79990002233", photo_url="https://example.invalid/c.jpg")


def apply(order: Order, kind: str, minutes: int = 0, **kw: object) -> Outcome:
    return apply_event(order, event(kind, minutes, **kw))
