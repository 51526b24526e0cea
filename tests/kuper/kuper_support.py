"""Helpers for the Kuper package tests: the wire fixtures on disk and the stub Kuper app.

Imported by the tests as ``kuper_support`` (a unique module name: ``tests/kuper`` has no ``__init__``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pharmacy_desk.kuper import KuperClient, names

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "kuper"
WEBHOOK_FIXTURES = sorted((FIXTURES / "webhooks").glob("*.json"))
NOTIFICATION_FIXTURES = sorted((FIXTURES / "notifications").glob("*.json"))

CLIENT_ID = "pharmacy-12"
CLIENT_SECRET = "s3cr3t-VALUE-that-must-never-be-logged"


def load_fixture(relative: str) -> dict[str, Any]:
    """A fixture under ``tests/fixtures/kuper`` as a JSON object."""
    data = json.loads((FIXTURES / relative).read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


@dataclass
class Reply:
    """One scripted answer of the stub."""

    status: int = 200
    json: Any = None
    text: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    hang: bool = False  # wait until the test ends: beyond any client time-out


@dataclass
class Recorded:
    """One request the stub received."""

    headers: dict[str, str]
    body: bytes


@dataclass
class StubKuper:
    """A fake Kuper: issues tokens ``tok-1``, ``tok-2``... and accepts notifications (200)."""

    base_url: str = ""
    expires_in: int = 3600
    token_delay: float = 0.0
    token_replies: list[Reply] = field(default_factory=list)
    notification_replies: list[Reply] = field(default_factory=list)
    revoked: set[str] = field(default_factory=set)
    token_requests: list[Recorded] = field(default_factory=list)
    notification_requests: list[Recorded] = field(default_factory=list)
    issued: list[str] = field(default_factory=list)
    release: asyncio.Event = field(default_factory=asyncio.Event)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route(names.TOKEN_PATH, self._token, methods=["POST"]),
                Route(names.NOTIFICATIONS_PATH, self._notification, methods=["POST"]),
            ]
        )

    async def _token(self, request: Request) -> Response:
        self.token_requests.append(Recorded(dict(request.headers), await request.body()))
        if self.token_delay:
            await asyncio.sleep(self.token_delay)
        if self.token_replies:
            return await self._answer(self.token_replies.pop(0))
        token = f"tok-{len(self.issued) + 1}"
        self.issued.append(token)
        return JSONResponse({"access_token": token, "token_type": "bearer", "expires_in": self.expires_in})

    async def _notification(self, request: Request) -> Response:
        self.notification_requests.append(Recorded(dict(request.headers), await request.body()))
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token in self.revoked:
            return JSONResponse({"error": "token expired"}, status_code=401)
        if self.notification_replies:
            return await self._answer(self.notification_replies.pop(0))
        return JSONResponse({"status": "ok"})

    async def _answer(self, reply: Reply) -> Response:
        if reply.hang:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.release.wait(), timeout=10)
        if reply.json is not None:
            return JSONResponse(reply.json, status_code=reply.status, headers=reply.headers)
        return Response(reply.text or "", status_code=reply.status, headers=reply.headers)


ClientFactory = Callable[..., Awaitable[KuperClient]]
"""``await make_client(**kwargs)``: a KuperClient on the stub (fixture ``make_client``)."""
