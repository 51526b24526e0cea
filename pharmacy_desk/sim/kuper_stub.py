"""A fake Kuper: the token endpoint, the notifications endpoint, the shipments API and the content API,
with switchable error storms.

``POST /auth/token`` (form-encoded client credentials) issues bearer tokens;
``POST /ofm/api/v1/notifications`` checks the token, validates the body with the strict wire models
**in the format it was told** (``notification_format``: the seeds' :func:`~pharmacy_desk.kuper.parse_notification`
or the nested :func:`~pharmacy_desk.kuper.nested.parse_nested_notification`; a body in the other format
is a 422), records it (always as the seeds' model, so the checks read one shape) and answers ``200``
(``202`` for an exact repeat of a notification already accepted). With ``live_answers`` it answers as
Kuper's live API does: a repeat or an out-of-order notification is a ``422`` with
``{"errors": [{"field", "message"}]}``, an event the store's integration type does not take
(:meth:`KuperStub.refuse_events`) a ``405`` with ``{"error": {"type", "detail"}}``.

The shipments API (strict about its query): ``GET /ofm/api/v1/shipments?filters[storeId]=…&
filters[updatedFrom]=…&maxPageSize=…&nextPageToken=…`` pages through the orders the stub was told of
(:meth:`KuperStub.expect_order` with a ``shipment``), ``GET /ofm/api/v1/shipments/{id}/state`` gives
one order's state (moved on by each accepted notification and by :meth:`KuperStub.set_state`).

Errors Kuper may answer (docs/kuper-protocol.md §1):

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
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pharmacy_desk.kuper import Notification, NotificationFormatError, names, parse_notification
from pharmacy_desk.kuper.nested import NestedNotification, parse_nested_notification, seeds_from_nested
from pharmacy_desk.kuper.vocabulary import (
    NOTIFICATION_SHIPMENT_STATE,
    SHIPMENT_STATE_RANK,
    NotificationFormat,
    ShipmentState,
)
from pharmacy_desk.sim.kuper_content import ContentFake

LIVE_REPEAT = "repeat (live 422)"
"""``Attempt.reason`` of a live 422 for a notification Kuper already has (a resend after a lost answer)."""
LIVE_OUT_OF_ORDER = "out of order (live 422)"
LIVE_NOT_ALLOWED = "not allowed for the store (live 405)"


class Endpoint(StrEnum):
    TOKEN = "token"
    NOTIFICATIONS = "notifications"
    STOCKS = "stocks"
    PRICES = "prices"
    STORE_STATUS = "store_status"
    SHIPMENTS = "shipments"  # the list and the state of one


@dataclass
class Shipment:
    """An order as the fake Kuper knows it (for the shipments API)."""

    uuid: str
    original_order_id: str | None
    store_id: str
    payload: dict[str, Any]  # the order in the order.created payload's shape
    state: str = ShipmentState.READY.value
    payment_state: str = "not_paid"
    updated_at: datetime = field(default_factory=lambda: datetime.now(UTC))

    def as_listed(self) -> dict[str, Any]:
        return {**self.payload, names.STATE: self.state, names.PAYMENT_STATE: self.payment_state}


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
    wire: Notification | NestedNotification | None = field(default=None, repr=False)  # as it came

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
        notification_format: NotificationFormat = NotificationFormat.SEEDS,
        live_answers: bool = False,
    ) -> None:
        self.notification_format = notification_format
        self.live_answers = live_answers
        self._shipments: dict[str, Shipment] = {}  # by uuid and by original order id
        self._refused: dict[str, set[str]] = {}  # store id → event types answered 405
        self._announced: dict[str, set[str]] = {}  # order key → event types accepted
        self.shipment_requests: list[dict[str, str]] = []
        self._lost: list[Storm] = []
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
                Route(names.SHIPMENTS_PATH, self._shipments_list, methods=["GET"]),
                Route(names.SHIPMENT_STATE_PATH, self._shipment_state, methods=["GET"]),
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

    def lose_answers(self, status: int = 504, *, requests: int = 1, orders: Iterable[str] | None = None) -> None:
        """The next ``requests`` notifications are *accepted*, but their answer is lost: the sender
        gets ``status`` (a proxy's 504) and will send again, to a Kuper that already has them."""
        scope = frozenset(orders) if orders is not None else None
        with self._lock:
            self._lost.append(Storm(status, requests, None, None, scope))

    def storm_over(self, endpoint: Endpoint = Endpoint.NOTIFICATIONS) -> bool:
        with self._lock:
            return all(storm.over(self._clock()) for storm in self._storms[endpoint])

    def revoke_tokens(self) -> None:
        """Every token issued so far stops working (the next notification gets ``401``)."""
        with self._lock:
            self._tokens.clear()

    def expect_order(
        self,
        order_uuid: str,
        *,
        original_order_id: str | None = None,
        store_id: str | None = None,
        shipment: dict[str, Any] | None = None,
    ) -> None:
        """Tell the stub an order exists; once told of any, notifications for others get ``404``.

        With ``shipment`` (the order.created payload as JSON) and ``store_id`` the order is also in the
        shipments list and has a state.
        """
        with self._lock:
            if self._known_orders is None:
                self._known_orders = set()
            self._known_orders.add(order_uuid)
            if original_order_id:
                self._known_orders.add(original_order_id)
            if shipment is not None and store_id is not None:
                record = Shipment(order_uuid, original_order_id, store_id, dict(shipment))
                self._shipments[order_uuid] = record
                if original_order_id:
                    self._shipments[original_order_id] = record

    def set_state(self, order_key: str, state: str, *, payment_state: str | None = None) -> None:
        """Kuper's side moves an order on (the customer canceled, the courier took it...)."""
        with self._lock:
            record = self._shipments[order_key]
            record.state = state
            if payment_state is not None:
                record.payment_state = payment_state
            record.updated_at = datetime.now(UTC)

    def shipment(self, order_key: str) -> Shipment | None:
        with self._lock:
            return self._shipments.get(order_key)

    def refuse_events(self, store_id: str, *event_types: str) -> None:
        """The store's integration type does not take these events: ``405`` (with ``live_answers``)."""
        with self._lock:
            self._refused.setdefault(store_id, set()).update(event_types)

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
        wire: Notification | NestedNotification
        try:
            if self.notification_format is NotificationFormat.NESTED:
                wire = parse_nested_notification(raw)
                notification = seeds_from_nested(wire)
            else:
                wire = notification = parse_notification(raw)
        except NotificationFormatError as exc:
            body = {names.ERRORS: [{names.ERROR_FIELD: "body", names.ERROR_MESSAGE: exc.message}]}
            return self._attempt(JSONResponse(body, 422), text, reason=exc.message)
        keys = [notification.order_uuid]
        if isinstance(wire, NestedNotification) and wire.original_order_id:
            keys.append(wire.original_order_id)
        with self._lock:
            unknown = self._known_orders is not None and not any(key in self._known_orders for key in keys)
        if unknown:
            answer = JSONResponse({"error": f"order {notification.order_uuid} not found"}, 404)
            return self._attempt(answer, text, notification=notification, reason="unknown order")
        return self._accept(notification, wire, text)

    def _live_refusal(self, notification: Notification, key: str) -> tuple[Response, str] | None:
        """Kuper's live answers: 405 for an event the store does not take, 422 for a repeat or a step back."""
        event = notification.event_type
        record = self._shipments.get(notification.order_uuid)
        if record is not None and event.value in self._refused.get(record.store_id, set()):
            detail = f"{event.value} is not allowed for this store's integration type"
            error = {names.ERROR_TYPE: "method_not_allowed", names.ERROR_DETAIL: detail}
            return JSONResponse({names.ERROR: error}, 405), LIVE_NOT_ALLOWED
        if key in self._accepted:
            message = f"{event.value} was already processed"
            body = {names.ERRORS: [{names.ERROR_FIELD: "event.type", names.ERROR_MESSAGE: message}]}
            return JSONResponse(body, 422), LIVE_REPEAT
        target = NOTIFICATION_SHIPMENT_STATE.get(event)
        if record is not None and target is not None:
            now = _state_of(record.state)
            behind = now is ShipmentState.CANCELED or (
                now is not None
                and target is not ShipmentState.CANCELED
                and SHIPMENT_STATE_RANK[now] > SHIPMENT_STATE_RANK[target]
            )
            if behind:
                message = f"cannot apply {event.value}: the order is {record.state}"
                body = {names.ERRORS: [{names.ERROR_FIELD: "event.type", names.ERROR_MESSAGE: message}]}
                return JSONResponse(body, 422), LIVE_OUT_OF_ORDER
        return None

    def _accept(self, notification: Notification, wire: Notification | NestedNotification, text: str) -> Response:
        key = canonical(notification.to_wire())
        with self._lock:
            refusal = self._live_refusal(notification, key) if self.live_answers else None
            if refusal is None:
                status = 202 if key in self._accepted else 200
                self._accepted.add(key)
                self._seq += 1
                self._received.append(Received(self._seq, self._clock(), status, notification, key, wire))
                self._advance(notification)
        if refusal is not None:
            return self._attempt(refusal[0], text, notification=notification, reason=refusal[1])
        with self._lock:
            now = self._clock()
            lost = next((storm for storm in self._lost if storm.take(now, notification.order_uuid)), None)
        if lost is not None:
            answer = JSONResponse({"error": "gateway timeout (the answer was lost)"}, lost.status)
            return self._attempt(answer, text, notification=notification, reason="answer lost")
        body = {"status": "already processed" if status == 202 else "ok"}
        return self._attempt(JSONResponse(body, status), text, notification=notification)

    def _advance(self, notification: Notification) -> None:
        """An accepted notification moves the order's state on (never back)."""
        record = self._shipments.get(notification.order_uuid)
        target = NOTIFICATION_SHIPMENT_STATE.get(notification.event_type)
        if record is None or target is None or record.state == ShipmentState.CANCELED.value:
            return
        current = _state_of(record.state) or ShipmentState.READY
        if target is ShipmentState.CANCELED or SHIPMENT_STATE_RANK[target] >= SHIPMENT_STATE_RANK[current]:
            record.state = target.value
            record.updated_at = datetime.now(UTC)

    # --- shipments API ---------------------------------------------------------------------------

    async def _shipment_state(self, request: Request) -> Response:
        stormy = self._storm_answer(Endpoint.SHIPMENTS)
        if stormy is not None:
            return stormy
        if not self._token_valid(request):
            return JSONResponse({"error": "invalid_token"}, 401)
        order_id = request.path_params["order_id"]
        with self._lock:
            record = self._shipments.get(order_id)
            if record is None:
                return JSONResponse({names.ERRORS: [{names.ERROR_FIELD: "id", names.ERROR_MESSAGE: "not found"}]}, 404)
            data = {names.STATE: record.state, names.PAYMENT_STATE: record.payment_state}
        return JSONResponse({names.DATA: data})

    async def _shipments_list(self, request: Request) -> Response:
        stormy = self._storm_answer(Endpoint.SHIPMENTS)
        if stormy is not None:
            return stormy
        if not self._token_valid(request):
            return JSONResponse({"error": "invalid_token"}, 401)
        query = dict(request.query_params)
        with self._lock:
            self.shipment_requests.append(query)
        allowed = {names.FILTER_STORE_ID, names.FILTER_UPDATED_FROM, names.MAX_PAGE_SIZE, names.NEXT_PAGE_TOKEN}
        problems = [f"{name}: unknown parameter" for name in query if name not in allowed]
        store_id = query.get(names.FILTER_STORE_ID, "")
        if not store_id:
            problems.append(f"{names.FILTER_STORE_ID}: required")
        size_text = query.get(names.MAX_PAGE_SIZE, "")
        size = int(size_text) if size_text.isdigit() else 0
        if not 1 <= size <= 500:
            problems.append(f"{names.MAX_PAGE_SIZE}: an integer from 1 to 500 is required")
        since: datetime | None = None
        if names.FILTER_UPDATED_FROM in query:
            try:
                since = datetime.fromisoformat(query[names.FILTER_UPDATED_FROM].replace("Z", "+00:00"))
            except ValueError:
                problems.append(f"{names.FILTER_UPDATED_FROM}: not an ISO 8601 time")
            if since is not None and since.tzinfo is None:
                since = since.replace(tzinfo=UTC)
        token = query.get(names.NEXT_PAGE_TOKEN)
        start = int(token) if token is not None and token.isdigit() else 0
        if token is not None and not token.isdigit():
            problems.append(f"{names.NEXT_PAGE_TOKEN}: unknown token")
        if problems:
            errors = [{names.ERROR_FIELD: p.split(":")[0], names.ERROR_MESSAGE: p} for p in problems]
            return JSONResponse({names.ERRORS: errors}, 422)
        with self._lock:
            unique = {id(record): record for record in self._shipments.values()}.values()
            chosen = sorted(
                (r for r in unique if r.store_id == store_id and (since is None or r.updated_at >= since)),
                key=lambda r: (r.updated_at, r.uuid),
            )
            page = [record.as_listed() for record in chosen[start : start + size]]
        body: dict[str, Any] = {names.DATA: page}
        if start + size < len(chosen):
            body[names.NEXT_PAGE_TOKEN] = str(start + size)
        return JSONResponse(body)

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


def _state_of(text: str) -> ShipmentState | None:
    try:
        return ShipmentState(text)
    except ValueError:
        return None


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
    if isinstance(data.get(names.EVENT), dict):  # the nested format
        data = {names.EVENT_TYPE: data[names.EVENT].get(names.EVENT_TYPE_NESTED), **data[names.EVENT]}
    payload = data.get(names.PAYLOAD)
    uuid = payload.get(names.ORDER_UUID) or payload.get(names.ORDER_ID) if isinstance(payload, dict) else None
    event_type = data.get(names.EVENT_TYPE)
    return (
        event_type if isinstance(event_type, str) else None,
        uuid if isinstance(uuid, str) else None,
    )
