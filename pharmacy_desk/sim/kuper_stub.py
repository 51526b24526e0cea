"""A fake Kuper: the token endpoint, the notifications endpoint and the content API, with switchable error storms.

``POST /auth/token`` (form-encoded client credentials) issues bearer tokens;
``POST /ofm/api/v1/notifications`` checks the token, validates the body with the strict wire models
(:func:`~pharmacy_desk.kuper.parse_notification`), records it and answers ``200`` (``202`` for an
exact repeat of a notification already accepted). Errors Kuper may answer (docs/kuper-protocol.md §1):

- a bad or missing token → ``401``; a body we would never send → ``422`` with the reason;
- an order Kuper never sent (when the stub was told which orders exist) → ``404``;
- a *storm*: :meth:`KuperStub.storm` makes the endpoint answer ``500``/``429`` (``Retry-After``)/
  ``401``/``422``... for a number of requests or seconds, whatever the request.

The content API (:mod:`pharmacy_desk.kuper.content_wire`): ``PUT /api/v1/import/stocks`` and
``/api/v1/import/prices`` validate the body strictly (≤ 1,000 records, ≤ 10 stores, the record
shapes; ``400`` with problem details otherwise), enforce Kuper's 10 requests/s (``429`` with
``Retry-After: 1`` above it, counted in ``stub.content.rate_limited``) and keep the latest stock /
price per store + offer and every accepted value in arrival order (``stub.content.stock_history``;
:class:`~pharmacy_desk.sim.kuper_content.ContentFake`).
``PUT``/``GET …/merchant-status`` keep each store's status; ``stub.content.refuse_store_status``
makes Kuper refuse it (``403``, as for a store not in the "external assembly" format). Storms
apply to these endpoints too (``endpoint=Endpoint.STOCKS`` …).

Every attempt is recorded (:attr:`KuperStub.attempts`), every accepted notification too
(:attr:`KuperStub.received`). The recorder is thread-safe: the stub may serve from another thread
than the one checking it.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pharmacy_desk.kuper import Notification, NotificationFormatError, names, parse_notification
from pharmacy_desk.sim.kuper_content import ContentFake


class Endpoint(StrEnum):
    TOKEN = "token"
    NOTIFICATIONS = "notifications"
    STOCKS = "stocks"
    PRICES = "prices"
    STORE_STATUS = "store_status"


@dataclass(slots=True)
class Storm:
    """Answer ``status`` to requests of an endpoint: ``requests`` of them and/or for ``seconds`` from the first.

    ``orders``: only notifications about these orders (``None``: every request), so a storm can hit
    one order while the others go on, as when Kuper fails on one order's data. The ``seconds`` count
    from the first request the storm hits, so a storm always hits at least once.
    """

    status: int
    remaining: int | None = None
    seconds: float | None = None
    retry_after: int | None = None
    orders: frozenset[str] | None = None
    until: float | None = None  # set by the first hit

    def over(self, now: float) -> bool:
        expired = self.until is not None and now >= self.until
        return expired or (self.remaining is not None and self.remaining <= 0)

    def take(self, now: float, order_uuid: str | None) -> bool:
        """True (and one request used up) when the storm hits this request."""
        if self.over(now) or (self.orders is not None and order_uuid not in self.orders):
            return False
        if self.until is None and self.seconds is not None:
            self.until = now + self.seconds
        if self.remaining is not None:
            self.remaining -= 1
        return True


@dataclass(frozen=True, slots=True)
class Attempt:
    """One HTTP request to the notifications endpoint and what the stub answered."""

    seq: int
    at: float
    status: int
    event_type: str | None
    order_uuid: str | None
    body: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Received:
    """A notification the stub accepted (``200``) or recognised as a repeat (``202``)."""

    seq: int
    at: float
    status: int
    notification: Notification
    canonical: str = field(repr=False)

    @property
    def event_type(self) -> str:
        return self.notification.event_type.value

    @property
    def order_uuid(self) -> str:
        return self.notification.order_uuid

    @property
    def number(self) -> str:
        return self.notification.payload.number

    @property
    def is_repeat(self) -> bool:
        return self.status == 202


def canonical(data: Any) -> str:
    """A JSON text equal for equal JSON values (key order does not matter)."""
    return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


class KuperStub:
    """The fake Kuper; serve :attr:`app` (see :mod:`pharmacy_desk.sim.serving`)."""

    def __init__(
        self,
        *,
        client_id: str = "sim-client",
        client_secret: str = "sim-secret",
        token_lifetime: int = 3600,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_lifetime = token_lifetime
        self._clock = clock
        self._lock = threading.Lock()
        self._tokens: dict[str, float] = {}
        self._storms: dict[Endpoint, list[Storm]] = {endpoint: [] for endpoint in Endpoint}
        self._known_orders: set[str] | None = None
        self._accepted: set[str] = set()
        self._attempts: list[Attempt] = []
        self._received: list[Received] = []
        self._seq = 0
        self.token_requests = 0
        self.content = ContentFake(
            self._lock, clock, self._token_valid, lambda name: self._storm_answer(Endpoint(name))
        )
        self.app = Starlette(
            routes=[
                Route(names.TOKEN_PATH, self._token, methods=["POST"]),
                Route(names.NOTIFICATIONS_PATH, self._notification, methods=["POST"]),
                *self.content.routes(),
            ]
        )

    # --- control ---------------------------------------------------------------------------------

    def storm(
        self,
        status: int,
        *,
        requests: int | None = None,
        seconds: float | None = None,
        retry_after: int | None = None,
        orders: Iterable[str] | None = None,
        endpoint: Endpoint = Endpoint.NOTIFICATIONS,
    ) -> None:
        """Answer ``status`` to the next ``requests`` requests and/or for ``seconds`` from the first one hit
        (neither: until :meth:`calm`); ``orders``: only to notifications about these orders.
        """
        scope = frozenset(orders) if orders is not None else None
        with self._lock:
            self._storms[endpoint].append(Storm(status, requests, seconds, retry_after, scope))

    def calm(self, orders: Iterable[str] | None = None) -> None:
        """End every storm (``orders``: only the storms limited to some of these orders)."""
        chosen = set(orders) if orders is not None else None
        with self._lock:
            for storms in self._storms.values():
                storms[:] = [
                    storm
                    for storm in storms
                    if chosen is not None and (storm.orders is None or not storm.orders & chosen)
                ]

    def storm_over(self, endpoint: Endpoint = Endpoint.NOTIFICATIONS) -> bool:
        with self._lock:
            return all(storm.over(self._clock()) for storm in self._storms[endpoint])

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (the next notification gets ``401``)."""
        with self._lock:
            self._tokens.clear()

    def expect_order(self, order_uuid: str) -> None:
        """Tell the stub an order exists; once told of any, notifications for others get ``404``."""
        with self._lock:
            if self._known_orders is None:
                self._known_orders = set()
            self._known_orders.add(order_uuid)

    # --- what happened ---------------------------------------------------------------------------

    @property
    def attempts(self) -> list[Attempt]:
        with self._lock:
            return list(self._attempts)

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def received_for(self, order_uuid: str) -> list[Received]:
        with self._lock:
            return [item for item in self._received if item.order_uuid == order_uuid]

    def attempts_for(self, order_uuid: str) -> list[Attempt]:
        with self._lock:
            return [item for item in self._attempts if item.order_uuid == order_uuid]

    def received_since(self, seq: int) -> list[Received]:
        with self._lock:
            return [item for item in self._received if item.seq > seq]

    async def wait_for(self, condition: Callable[[KuperStub], bool], *, timeout: float, interval: float = 0.02) -> bool:
        """Poll ``condition(self)`` until true (→ True) or ``timeout`` seconds pass (→ False)."""
        deadline = time.monotonic() + timeout
        while True:
            if condition(self):
                return True
            if time.monotonic() >= deadline:
                return False
            await asyncio.sleep(interval)

    # --- endpoints -------------------------------------------------------------------------------

    def _storm_answer(self, endpoint: Endpoint, order_uuid: str | None = None) -> Response | None:
        with self._lock:
            now = self._clock()
            storm = next((storm for storm in self._storms[endpoint] if storm.take(now, order_uuid)), None)
            if storm is None:
                return None
        headers = {names.RETRY_AFTER_HEADER: str(storm.retry_after)} if storm.retry_after is not None else None
        return JSONResponse({"error": f"simulated Kuper error {storm.status}"}, storm.status, headers=headers)

    async def _token(self, request: Request) -> Response:
        with self._lock:
            self.token_requests += 1
        stormy = self._storm_answer(Endpoint.TOKEN)
        if stormy is not None:
            return stormy
        form = dict(parse_qsl((await request.body()).decode("utf-8", errors="replace")))
        grant = form.get(names.TOKEN_GRANT_TYPE)
        client_id = form.get(names.TOKEN_CLIENT_ID)
        secret = form.get(names.TOKEN_CLIENT_SECRET)
        if grant != names.TOKEN_GRANT_CLIENT_CREDENTIALS:
            return JSONResponse({"error": "unsupported_grant_type"}, 400)
        if client_id != self.client_id or secret != self.client_secret:
            return JSONResponse({"error": "invalid_client"}, 401)
        token = secrets.token_urlsafe(24)
        with self._lock:
            self._tokens[token] = self._clock() + self.token_lifetime
        return JSONResponse(
            {
                names.TOKEN_ACCESS_TOKEN: token,
                names.TOKEN_TYPE: "bearer",
                names.TOKEN_EXPIRES_IN: self.token_lifetime,
            }
        )

    def _token_valid(self, request: Request) -> bool:
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return False
        with self._lock:
            expires = self._tokens.get(token)
        return expires is not None and self._clock() < expires

    async def _notification(self, request: Request) -> Response:
        raw = await request.body()
        text = raw.decode("utf-8", errors="replace")
        stormy = self._storm_answer(Endpoint.NOTIFICATIONS, _identify(text, None)[1])
        if stormy is not None:
            return self._attempt(stormy, text, reason="storm")
        if not self._token_valid(request):
            return self._attempt(JSONResponse({"error": "invalid_token"}, 401), text, reason="token")
        if not request.headers.get("content-type", "").startswith("application/json"):
            return self._attempt(JSONResponse({"error": "expected application/json"}, 415), text, reason="type")
        try:
            notification = parse_notification(raw)
        except NotificationFormatError as exc:
            return self._attempt(JSONResponse({"error": exc.message}, 422), text, reason=exc.message)
        with self._lock:
            unknown = self._known_orders is not None and notification.order_uuid not in self._known_orders
        if unknown:
            answer = JSONResponse({"error": f"order {notification.order_uuid} not found"}, 404)
            return self._attempt(answer, text, notification=notification, reason="unknown order")
        return self._accept(notification, text)

    def _accept(self, notification: Notification, text: str) -> Response:
        key = canonical(notification.to_wire())
        with self._lock:
            status = 202 if key in self._accepted else 200
            self._accepted.add(key)
            self._seq += 1
            self._received.append(Received(self._seq, self._clock(), status, notification, key))
        body = {"status": "already processed" if status == 202 else "ok"}
        return self._attempt(JSONResponse(body, status), text, notification=notification)

    def _attempt(
        self, response: Response, text: str, *, notification: Notification | None = None, reason: str = ""
    ) -> Response:
        event_type, order_uuid = _identify(text, notification)
        with self._lock:
            self._seq += 1
            self._attempts.append(
                Attempt(self._seq, self._clock(), response.status_code, event_type, order_uuid, text, reason)
            )
        return response


def _identify(text: str, notification: Notification | None) -> tuple[str | None, str | None]:
    """Event type and order of a request, even one that did not validate."""
    if notification is not None:
        return notification.event_type.value, notification.order_uuid
    try:
        data = json.loads(text)
    except ValueError:
        return None, None
    if not isinstance(data, dict):
        return None, None
    payload = data.get(names.PAYLOAD)
    uuid = payload.get(names.ORDER_UUID) if isinstance(payload, dict) else None
    event_type = data.get(names.EVENT_TYPE)
    return (
        event_type if isinstance(event_type, str) else None,
        uuid if isinstance(uuid, str) else None,
    )
