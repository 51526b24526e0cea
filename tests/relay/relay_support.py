"""Helpers for the relay tests: configuration, Kuper webhook fixtures, a client for a running relay."""

from __future__ import annotations

import base64
import copy
import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from pharmacy_desk.domain import Order, StockEffect
from pharmacy_desk.relay.config import RelayConfig
from pharmacy_desk.relay.state import RelayState
from pharmacy_desk.relay.storage.devices import add_device
from pharmacy_desk.relay.storage.schema import orders, outbox, store_events, webhooks

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kuper" / "webhooks"
WEBHOOK_FIXTURES = sorted(p.stem for p in FIXTURES.glob("*.json"))

CLIENT_TOKEN = "kuper-client-token-value"
BASIC_USER = "kuper"
BASIC_PASSWORD = "basic-password-value"
SEVEN_TOKEN = "store-seven-own-token"
STORE = "apteka-12"
OTHER_STORE = "apteka-7"

MARK_A = "010460714356059821FGXEAGA5A1GAH\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
MARK_B = "010460714356059821FGXEAGA5A1GAJ\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="
MARK_C = "010460714356059821FGXEAGA5A1GAK\x1d91EE06\x1d92VW/n3g0hYP6kqx1WjVy/fnpKT+i7N3FT8QPUyzzKQT4="


def config_data(database_url: str, **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "database_url": database_url,
        "heartbeat_seconds": 15,
        "stream_poll_seconds": 0.5,
        "webhook_auth": {"client_token": CLIENT_TOKEN, "basic_user": BASIC_USER, "basic_password": BASIC_PASSWORD},
        "stores": [
            {"key": STORE, "name": "Аптека №12", "number_prefix": "A12-", "rules": {"pickup": {"max_attempts": 3}}},
            {
                "key": OTHER_STORE,
                "name": "Аптека №7",
                "number_prefix": "A7-",
                "kuper_store_ids": ["apteka-7-import"],
                "webhook_auth": {"client_token": SEVEN_TOKEN},
            },
        ],
    }
    data.update(overrides)
    return data


def make_config(database_url: str, **overrides: Any) -> RelayConfig:
    return RelayConfig.model_validate(config_data(database_url, **overrides))


def webhook(name: str, order_uuid: str | None = None, **payload: Any) -> dict[str, Any]:
    """A webhook fixture; ``order_uuid`` replaces the fixture's, ``payload`` entries are set on top."""
    data: dict[str, Any] = copy.deepcopy(json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8")))
    if order_uuid is not None:
        data["payload"]["orderUUID"] = order_uuid
    data["payload"].update(payload)
    return data


def new_uuid() -> str:
    return f"retailer-slug:{uuid.uuid4()}"


def token_headers() -> dict[str, str]:
    return {"Client-Token": CLIENT_TOKEN}


def basic_headers(user: str = BASIC_USER, password: str = BASIC_PASSWORD) -> dict[str, str]:
    encoded = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {encoded}"}


@dataclass
class RecordingStock:
    """A stock hook that records what it is asked (optionally slowly)."""

    delay: float = 0.0
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    async def apply(self, store: str, order: Order, effect: StockEffect) -> None:
        if self.delay:
            import asyncio

            await asyncio.sleep(self.delay)
        self.calls.append((store, order.number, effect.kind.value))


@dataclass
class Relay:
    """A relay served by uvicorn on 127.0.0.1 and an httpx client for it."""

    app: FastAPI
    base_url: str
    client: httpx.AsyncClient
    stock: RecordingStock

    @property
    def state(self) -> RelayState:
        state: RelayState = self.app.state.relay
        return state

    @property
    def config(self) -> RelayConfig:
        return self.state.config

    async def device(self, store: str = STORE, name: str = "Касса 1") -> dict[str, str]:
        """Authorization headers of a new device of ``store``."""
        _, token = await add_device(self.state.engine, store, name)
        return {"Authorization": f"Bearer {token}"}

    async def post_webhook(
        self, body: dict[str, Any] | bytes, *, store: str | None = None, headers: dict[str, str] | None = None
    ) -> httpx.Response:
        path = "/kuper/webhooks" + (f"/{store}" if store else "")
        content = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
        sent = {"Content-Type": "application/json", **(token_headers() if headers is None else headers)}
        return await self.client.post(path, content=content, headers=sent)

    async def create_order(self, flow: str = "delivery", order_uuid: str | None = None, **payload: Any) -> str:
        """A new order through ``order.created``; its number."""
        response = await self.post_webhook(webhook(f"order_created_{flow}", order_uuid or new_uuid(), **payload))
        assert response.status_code == 200, response.text
        number: str = response.json()["number"]
        return number

    async def webhook_rows(self) -> list[dict[str, Any]]:
        async with self.state.engine.connect() as conn:
            rows = await conn.execute(select(webhooks).order_by(webhooks.c.id))
            return [dict(row._mapping) for row in rows]

    async def outbox_rows(self) -> list[dict[str, Any]]:
        async with self.state.engine.connect() as conn:
            rows = await conn.execute(select(outbox).order_by(outbox.c.id))
            return [dict(row._mapping) for row in rows]

    async def code_for_kuper(self, number: str, store: str = STORE) -> str:
        """The pickup code as the outbox holds it for Kuper (what the customer is told): the only place."""
        async with self.state.engine.connect() as conn:
            order_id = (
                await conn.execute(select(orders.c.id).where(orders.c.store == store, orders.c.number == number))
            ).scalar_one()
            bodies = (
                await conn.execute(
                    select(outbox.c.body)
                    .where(outbox.c.order_id == order_id, outbox.c.event_type == "order.pickup_code_created")
                    .order_by(outbox.c.id)
                )
            ).scalars()
            codes = [json.loads(body)["payload"]["pickupCode"] for body in bodies]
        assert codes, f"no pickup code was sent to Kuper for {number}"
        code: str = codes[-1]
        return code

    async def events(self, store: str = STORE) -> list[dict[str, Any]]:
        async with self.state.engine.connect() as conn:
            rows = await conn.execute(
                select(store_events).where(store_events.c.store == store).order_by(store_events.c.event_id)
            )
            return [dict(row._mapping) for row in rows]

    async def order(self, number: str, headers: dict[str, str], store: str = STORE) -> dict[str, Any]:
        response = await self.client.get(f"/stores/{store}/orders/{number}", headers=headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    async def act(
        self,
        number: str,
        action: dict[str, Any],
        headers: dict[str, str],
        *,
        version: int | None = None,
        key: str | None = None,
        operator: str | None = None,
        store: str = STORE,
    ) -> httpx.Response:
        """Post an action; ``version`` defaults to the order's current version."""
        if version is None:
            version = (await self.order(number, headers, store))["order"]["version"]
        body = {
            "action": action,
            "expected_version": version,
            "idempotency_key": key or uuid.uuid4().hex,
            "operator": operator,
        }
        return await self.client.post(f"/stores/{store}/orders/{number}/actions", json=body, headers=headers)

    async def ok(self, number: str, action: dict[str, Any], headers: dict[str, str], **kw: Any) -> dict[str, Any]:
        response = await self.act(number, action, headers, **kw)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


RelayFactory = Callable[..., Awaitable[Relay]]
"""``relay_factory(stock=..., **config_overrides)``: start a relay (fixture in ``conftest``)."""


_RECEIPT_NUMBERS = iter(range(1000, 100000))


def receipt(
    codes: tuple[str, ...] | list[str],
    total: str,
    *,
    payment: str = "cash",
    kind: str = "sell",
    number: int | None = None,
) -> dict[str, Any]:
    """A fiscal document as the counter's register answered it (``receipt: {number, fiscal_sign, fn, at, kind}``)."""
    return {
        "kind": kind,
        "number": number if number is not None else next(_RECEIPT_NUMBERS),
        "fiscal_sign": "3826154961",
        "fn": "9999078902012345",
        "at": "2025-06-02T10:15:00+03:00",
        "total": total,
        "payment": payment,
        "marking_codes": list(codes),
        "source": "atol",
    }
