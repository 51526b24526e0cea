"""Helpers for the desk tests: a real relay served by uvicorn on 127.0.0.1 that can be stopped and
started again on the same port and database, Kuper webhooks for it, marking codes.
"""

from __future__ import annotations

import copy
import json
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx

from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.relay.app import create_app
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.devices import add_device
from tests.support import LoopbackServer

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kuper" / "webhooks"
STORE = "apteka-12"
CLIENT_TOKEN = "kuper-client-token-value"
GS = "\x1d"

NUROFEN_SKU = "100234"  # the fixtures' position
NUROFEN_GTIN = "04607143560598"
ASPIRIN_SKU = "200100"
ASPIRIN_EAN = "4600000000008"  # an unmarked product's EAN-13 (check digit valid)


def marking_code(serial: str, gtin: str = NUROFEN_GTIN) -> str:
    """A canonical MDLP code: 01 GTIN, 21 13-char serial, GS, 91 key, GS, 92 44-char crypto."""
    assert len(serial) == 13
    return f"01{gtin}21{serial}{GS}91EE06{GS}92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="


def config(database_url: str, **overrides: Any) -> RelayConfig:
    data: dict[str, Any] = {
        "database_url": database_url,
        "heartbeat_seconds": 0.5,
        "stream_poll_seconds": 0.5,
        "webhook_auth": {"client_token": CLIENT_TOKEN},
        "stores": [
            {"key": STORE, "name": "Аптека №12", "number_prefix": "A12-"},
            {"key": "apteka-7", "name": "Аптека №7", "number_prefix": "A7-"},
        ],
    }
    data.update(overrides)
    return RelayConfig.model_validate(data)


def webhook(name: str, order_uuid: str, **payload: Any) -> dict[str, Any]:
    data: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
    data["payload"]["orderUUID"] = order_uuid
    data["payload"].update(payload)
    return data


def new_uuid() -> str:
    return f"retailer-slug:{uuid.uuid4()}"


def position(sku: str, name: str, quantity: int, price: str) -> dict[str, Any]:
    total = str(Decimal(price) * quantity)
    return {
        "id": sku,
        "name": name,
        "originalQuantity": quantity,
        "quantity": quantity,
        "price": price,
        "totalPrice": total,
        "totalDiscountPrice": total,
    }


class RelayServer:
    """The relay on 127.0.0.1: :meth:`start`, :meth:`stop`, start again on the same port and database."""

    def __init__(self, database_url: str, **overrides: Any) -> None:
        self.database_url = database_url
        self.overrides = overrides
        self.port = 0
        self._server: LoopbackServer | None = None
        self._app: Any = None
        self.client: httpx.AsyncClient | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def state(self) -> RelayState:
        state: RelayState = self._app.state.relay
        return state

    async def start(self) -> None:
        self._app = create_app(config(self.database_url, **self.overrides))
        server = LoopbackServer(self._app, port=self.port, timeout_graceful_shutdown=1, quick=False)
        await server.start()
        self.port, self._server = server.port, server
        self.client = httpx.AsyncClient(base_url=self.base_url, timeout=10)

    async def stop(self) -> None:
        if self.client is not None:
            await self.client.aclose()
            self.client = None
        if self._server is not None:
            await self._server.stop()
        self._server = None

    async def device(self, name: str = "Касса 1", store: str = STORE) -> str:
        """A new device of ``store``; its bearer token."""
        _, token = await add_device(self.state.engine, store, name)
        return token

    async def post_webhook(self, body: dict[str, Any]) -> httpx.Response:
        assert self.client is not None
        return await self.client.post(
            "/kuper/webhooks",
            content=json.dumps(body, ensure_ascii=False).encode(),
            headers={"Content-Type": "application/json", "Client-Token": CLIENT_TOKEN},
        )

    async def create_order(self, flow: str = "delivery", order_uuid: str | None = None, **payload: Any) -> str:
        """A new order through ``order.created``; its number."""
        response = await self.post_webhook(webhook(f"order_created_{flow}", order_uuid or new_uuid(), **payload))
        assert response.status_code == 200, response.text
        number: str = response.json()["number"]
        return number

    async def event(self, name: str, order_uuid: str, **payload: Any) -> None:
        response = await self.post_webhook(webhook(name, order_uuid, **payload))
        assert response.status_code == 200, response.text


DeskFactory = Callable[..., Awaitable[DeskService]]
"""``await desk_factory(name="Касса 1", **service_kwargs)``: a started DeskService (fixture in ``conftest``)."""
