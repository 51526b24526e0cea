"""Kuper's side of webhooks: POST them to the relay, the way Kuper would, and keep every answer.

``POST {relay}/kuper/webhooks/{store}`` (or ``/kuper/webhooks`` with routing by ``storeID``), with a
``Client-Token`` header or Basic credentials. :meth:`WebhookSender.deliver` redelivers like Kuper does
when the relay does not answer ``200`` (connection refused while it restarts, a time-out, a 5xx),
until it does or a deadline passes. Every answer is kept per order for the checks.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

import httpx

from pharmacy_desk.kuper import WebhookEnvelope, names
from pharmacy_desk.sim.checks import WebhookAnswer

WEBHOOK_PATH = "/kuper/webhooks"
_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
_REDELIVERY_PAUSE = 0.05


@dataclass(frozen=True, slots=True)
class WebhookAuth:
    """How the simulator authenticates as Kuper: a ``Client-Token`` or Basic user/password."""

    client_token: str | None = None
    basic_user: str | None = None
    basic_password: str | None = None

    def apply(self, headers: dict[str, str]) -> httpx.BasicAuth | None:
        if self.client_token is not None:
            headers[names.CLIENT_TOKEN_HEADER] = self.client_token
        if self.basic_user is not None:
            return httpx.BasicAuth(self.basic_user, self.basic_password or "")
        return None


class WebhookSender:
    """Sends webhooks to one relay for one store."""

    def __init__(
        self,
        relay_url: str,
        store: str | None,
        auth: WebhookAuth,
        *,
        client: httpx.AsyncClient | None = None,
        redeliver_for: float = 15.0,
    ) -> None:
        self.base_url = relay_url.rstrip("/")
        self.store = store
        self.url = self.base_url + (f"{WEBHOOK_PATH}/{store}" if store else WEBHOOK_PATH)
        self._auth = auth
        self._own_client = client is None
        self._http = client or httpx.AsyncClient(timeout=_TIMEOUT)
        self.answers: dict[str, list[WebhookAnswer]] = defaultdict(list)
        self.redeliver_for = redeliver_for  # seconds :meth:`deliver` keeps redelivering by default

    async def aclose(self) -> None:
        if self._own_client:
            await self._http.aclose()

    async def __aenter__(self) -> WebhookSender:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def send(self, webhook: WebhookEnvelope, *, body: bytes | None = None) -> WebhookAnswer:
        """One delivery; ``body`` overrides the serialized webhook (a malformed one, say)."""
        headers = {"Content-Type": "application/json"}
        basic = self._auth.apply(headers)
        content = body if body is not None else webhook.to_json()
        try:
            auth = basic if basic is not None else httpx.USE_CLIENT_DEFAULT
            response = await self._http.post(self.url, content=content, headers=headers, auth=auth)
        except httpx.TransportError as exc:
            answer = WebhookAnswer(webhook.event_type, None, f"{type(exc).__name__}: {exc}")
        else:
            answer = WebhookAnswer(webhook.event_type, response.status_code, response.text)
        order_uuid = getattr(webhook, "order_uuid", None)
        if isinstance(order_uuid, str):
            self.answers[order_uuid].append(answer)
        return answer

    async def deliver(self, webhook: WebhookEnvelope, *, within: float | None = None) -> WebhookAnswer:
        """Send until the relay answers ``200`` (as Kuper redelivers), for at most ``within`` seconds.

        Kuper itself redelivers for hours; the default (``redeliver_for``) bounds a test's patience.
        """
        deadline = time.monotonic() + (self.redeliver_for if within is None else within)
        while True:
            answer = await self.send(webhook)
            if answer.status == 200 or time.monotonic() >= deadline:
                return answer
            await asyncio.sleep(_REDELIVERY_PAUSE)
