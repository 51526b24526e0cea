"""Helpers for the hand-over, order detail and label tests: orders taken to "ready" through the relay's
actions, the window's order tools, a relay with its own pickup policy or a fake Kuper behind it.

Imported as ``handover_support`` (``tests/ui`` has no ``__init__``).
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from sqlalchemy import select

from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.domain import Assembled, FinalLine, Order, OrderState, Ready, StartAssembly
from pharmacy_desk.inventory.embedded import EmbeddedStock, import_csv
from pharmacy_desk.relay.storage.schema import orders, outbox
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from pharmacy_desk.ui.order_tools import OrderTools
from pharmacy_desk.ui.paths import resources_dir
from tests.desk.desk_support import STORE, RelayServer, marking_code, new_uuid, position
from tests.support import eventually
from tests.ui.ui_support import Desk, Live

NUROFEN = "100234"  # in the fixtures' orders and in the sample stock
ASPIRIN = "100777"  # Аспирин Кардио in the sample stock
TWO_PRODUCTS = [
    position(NUROFEN, "Нурофен таб. п/о 200мг №20", 2, "199.99"),
    position(ASPIRIN, "Аспирин Кардио 100мг №28", 1, "145.50"),
]
# A GIF pixel: a courier photo that needs no network.
PHOTO_URL = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="


def tools(desk: Desk) -> OrderTools:
    """The window's order tools (the hand-over screen, details, labels)."""
    return desk.window.tools


def with_relay(env: Live, **overrides: Any) -> Live:
    """``env`` with its relay configured with ``overrides`` (call before ``async with``)."""
    env.relay = RelayServer(env.relay.database_url, **overrides)
    return env


def store_with_pickup(max_attempts: int = 3, lockout_minutes: int = 1) -> list[dict[str, Any]]:
    rules = {"pickup": {"max_attempts": max_attempts, "lockout_minutes": lockout_minutes}}
    return [{"key": STORE, "name": "Аптека №12", "number_prefix": "A12-", "rules": rules}]


@contextlib.asynccontextmanager
async def fake_kuper() -> AsyncIterator[tuple[KuperStub, str]]:
    stub = KuperStub(client_id="test-client", client_secret="test-secret")
    async with serve(stub.app) as url:
        yield stub, url


def kuper_config(url: str) -> dict[str, Any]:
    return {"base_url": url, "client_id": "test-client", "client_secret": "test-secret", "timeout_seconds": 3}


async def load_sample_stock(env: Live) -> None:
    await import_csv(env.relay.state.engine, STORE, resources_dir() / "stock" / "sample_stock.csv")


async def reserved(env: Live, sku: str) -> int:
    found = await EmbeddedStock(env.relay.state.engine).stock(STORE, [sku])
    return sum(batch.reserved for batch in found[sku].batches)


async def make_ready(
    desk: Desk, env: Live, flow: str = "pickup", *, order_uuid: str | None = None, **payload: Any
) -> tuple[str, Order]:
    """A new order taken to "ready" by this desk (Нурофен packs with marking codes); its number and snapshot."""
    order_uuid = order_uuid or new_uuid()
    number = await env.relay.create_order(flow, order_uuid=order_uuid, **payload)
    await eventually(lambda: number in desk.service.book)
    service = desk.service
    assert isinstance(await service.act(number, StartAssembly()), Accepted)
    order = await service.order_detail(number, refresh=True)
    composition = tuple(
        FinalLine(
            sku=line.sku,
            quantity=line.ordered_quantity,
            marking_codes=tuple(
                marking_code(f"{number[-6:]}{line.sku[-3:]}{i:04d}") for i in range(line.ordered_quantity)
            )
            if line.sku == NUROFEN
            else (),
        )
        for line in order.ordered
    )
    assert isinstance(await service.act(number, Assembled(composition=composition)), Accepted)
    assert isinstance(await service.act(number, Ready()), Accepted)
    final = await service.order_detail(number, refresh=True)
    wanted = OrderState.AWAITING_PICKUP if flow == "pickup" else OrderState.READY_TO_SHIP
    assert final.state is wanted, final.state
    await eventually(lambda: desk.service.book.version(number) == final.version)
    return number, final


async def told_code(env: Live, number: str) -> str:
    """The pickup code the relay queued for Kuper (what Kuper's app shows the customer): the only copy."""
    async with env.relay.state.engine.connect() as conn:
        bodies = (
            await conn.execute(
                select(outbox.c.body)
                .join(orders, orders.c.id == outbox.c.order_id)
                .where(orders.c.number == number, outbox.c.event_type == "order.pickup_code_created")
                .order_by(outbox.c.id)
            )
        ).scalars()
        codes = [json.loads(body)["payload"]["pickupCode"] for body in bodies]
    assert codes, f"no pickup code queued for {number}"
    code: str = codes[-1]
    return code


def a_wrong_code(code: str) -> str:
    return "".join(str((int(ch) + 5) % 10) for ch in code)


def tmp_pdf(tmp_path: Path, name: str = "label.pdf") -> Path:
    return tmp_path / name
