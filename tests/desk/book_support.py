"""Orders built in memory for the order book and assembly tests (no relay)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from pharmacy_desk.api.orders import OrderSummary
from pharmacy_desk.domain import Line, Order, OrderState
from pharmacy_desk.domain.states import Flow

NOW = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def line(sku: str, quantity: int, price: str = "100.00", name: str | None = None, **extra: Any) -> Line:
    return Line(
        sku=sku,
        name=name or f"Товар {sku}",
        quantity=quantity,
        ordered_quantity=quantity,
        price=Decimal(price),
        **extra,
    )


def order(number: str = "A12-000001", *, version: int = 1, state: OrderState = OrderState.NEW, **extra: Any) -> Order:
    lines = extra.pop("lines", (line("100234", 2, "189.99", "Нурофен"),))
    return Order(
        store="apteka-12",
        kuper_id=f"k-{number}",
        number=number,
        flow=extra.pop("flow", Flow.DELIVERY),
        state=state,
        created_at=NOW,
        ordered=lines,
        composition=extra.pop("composition", lines),
        version=version,
        **extra,
    )


def summary(number: str = "A12-000001", **kwargs: Any) -> OrderSummary:
    return OrderSummary.of(order(number, **kwargs))
