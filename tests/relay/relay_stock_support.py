"""Helpers for the relay's stock tests: stock rows, the embedded stock of a running relay, its alerts."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from pharmacy_desk.inventory import ReservationResult, SkuStock
from pharmacy_desk.inventory.embedded import EmbeddedStock, StockRow, import_rows
from tests.relay.relay_support import STORE, Relay, config_data

NUROFEN = "100234"  # the SKU of the webhook fixtures (2 packs ordered)
NUROFEN_NAME = "Нурофен таб. п/о 200мг №20"
NUROFEN_GTIN = "04600714356057"


def row(series: str, quantity: int, *, sku: str = NUROFEN, expiry: date = date(2099, 6, 30), line: int = 2) -> StockRow:
    """A batch far from its expiry (whatever today is), unless ``expiry`` says otherwise."""
    name = NUROFEN_NAME if sku == NUROFEN else f"Товар {sku}"
    gtin = NUROFEN_GTIN if sku == NUROFEN else None
    return StockRow(
        line=line, sku=sku, name=name, gtin=gtin, series=series, expiry=expiry, quantity=quantity, location="А1"
    )


def embedded(relay: Relay) -> EmbeddedStock:
    return EmbeddedStock(relay.state.engine)


async def load(relay: Relay, *rows: StockRow, store: str = STORE) -> None:
    await import_rows(relay.state.engine, store, list(rows))


async def stock(relay: Relay, sku: str = NUROFEN, store: str = STORE) -> SkuStock:
    return (await embedded(relay).stock(store, [sku]))[sku]


async def reservation(relay: Relay, number: str, store: str = STORE) -> ReservationResult | None:
    key = await order_key(relay, number, store)
    return await embedded(relay).reservation(store, key)


async def order_key(relay: Relay, number: str, store: str = STORE) -> str:
    from pharmacy_desk.relay.storage.orders import get_order

    async with relay.state.engine.connect() as conn:
        stored = await get_order(conn, store, number=number)
    assert stored is not None
    return stored.order.kuper_id


async def stock_alerts(relay: Relay, store: str = STORE) -> list[dict[str, Any]]:
    """The ``stock`` alerts on the store's stream, oldest first."""
    found = []
    for event in await relay.events(store):
        payload = json.loads(event["payload"])
        if event["kind"] == "alert" and payload.get("kind") == "stock":
            found.append(payload)
    return found


async def summary(relay: Relay, number: str, headers: dict[str, str]) -> dict[str, Any]:
    body = await relay.order(number, headers)
    result: dict[str, Any] = body["summary"]
    return result


def stores(**main: Any) -> list[dict[str, Any]]:
    """The test configuration's stores, ``main`` set on the first one (``apteka-12``)."""
    data = config_data("sqlite+aiosqlite://")["stores"]
    data[0] = {**data[0], **main}
    result: list[dict[str, Any]] = data
    return result
