"""The fake Kuper's content API: stocks, prices and store status, validated like Kuper would.

Part of :class:`~pharmacy_desk.sim.kuper_stub.KuperStub` (``stub.content``); shares its lock, clock,
tokens and storms. What it checks, in order: a storm on cue; the bearer token (``401``); Kuper's
rate limit — more than :data:`~pharmacy_desk.kuper.content_wire.RATE_PER_SECOND` requests in the
last second → ``429`` with ``Retry-After: 1``; ``Content-Type: application/json`` (``415``); the
body against the strict wire models (``400`` with problem details naming the field); for the store
status, the retail chain's slug (``404``) and a refusal set by the test (``403``).
"""

from __future__ import annotations

import json
import threading
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pharmacy_desk.kuper.content_wire import (
    MERCHANT_STATUS_PATH,
    PRICES_PATH,
    RATE_PER_SECOND,
    STOCKS_PATH,
    MerchantStatus,
    MerchantStatusBody,
    PricesImport,
    StocksImport,
    StoreStatus,
)


@dataclass(frozen=True, slots=True)
class ContentRequest:
    """One request to the content API and the stub's answer."""

    at: float
    endpoint: str  # stocks | prices | store_status
    status: int
    records: int
    outlets: frozenset[str]
    reason: str = ""


@dataclass(slots=True)
class _State:
    requests: list[ContentRequest] = field(default_factory=list)
    stocks: dict[tuple[str, str], int] = field(default_factory=dict)
    prices: dict[tuple[str, str], tuple[Decimal, str]] = field(default_factory=dict)
    stock_history: dict[tuple[str, str], list[int]] = field(default_factory=dict)
    price_history: dict[tuple[str, str], list[Decimal]] = field(default_factory=dict)
    statuses: dict[str, MerchantStatus] = field(default_factory=dict)
    status_history: list[tuple[str, MerchantStatus]] = field(default_factory=list)
    refused: dict[str, str] = field(default_factory=dict)
    window: deque[float] = field(default_factory=deque)
    rate_limited: int = 0


def _problem(status: int, title: str, kind: str, **extra: Any) -> JSONResponse:
    return JSONResponse({"error": {"status": status, "title": title, "type": kind, **extra}}, status)


class ContentFake:
    """Handlers and recorded state of the content endpoints."""

    def __init__(
        self,
        lock: threading.Lock,
        clock: Callable[[], float],
        token_valid: Callable[[Request], bool],
        storm: Callable[[str], Response | None],
        *,
        retail_chain_slug: str = "sim-chain",
        rate: float = RATE_PER_SECOND,
    ) -> None:
        self._lock = lock
        self._clock = clock
        self._token_valid = token_valid
        self._storm = storm
        self.retail_chain_slug = retail_chain_slug
        self.rate = rate
        self._s = _State()

    def routes(self) -> list[Route]:
        return [
            Route(STOCKS_PATH, self._stocks, methods=["PUT"]),
            Route(PRICES_PATH, self._prices, methods=["PUT"]),
            Route(MERCHANT_STATUS_PATH, self._put_status, methods=["PUT"]),
            Route(MERCHANT_STATUS_PATH, self._get_status, methods=["GET"]),
        ]

    # --- control and inspection --------------------------------------------------------------

    def refuse_store_status(
        self, merchant_store_id: str, detail: str = "store works in the Kuper assembly format"
    ) -> None:
        """Kuper answers 403 to status changes of this store (the method is not allowed for it)."""
        with self._lock:
            self._s.refused[merchant_store_id] = detail

    @property
    def requests(self) -> list[ContentRequest]:
        with self._lock:
            return list(self._s.requests)

    @property
    def rate_limited(self) -> int:
        """429s the stub answered because more than ``rate`` requests came within one second."""
        with self._lock:
            return self._s.rate_limited

    def stock(self, outlet_id: str, offer_id: str) -> int | None:
        with self._lock:
            return self._s.stocks.get((outlet_id, offer_id))

    def price(self, outlet_id: str, offer_id: str) -> Decimal | None:
        with self._lock:
            found = self._s.prices.get((outlet_id, offer_id))
            return found[0] if found is not None else None

    def stocks_of(self, outlet_id: str) -> dict[str, int]:
        with self._lock:
            return {offer: n for (outlet, offer), n in self._s.stocks.items() if outlet == outlet_id}

    def stock_history(self, outlet_id: str, offer_id: str) -> list[int]:
        with self._lock:
            return list(self._s.stock_history.get((outlet_id, offer_id), []))

    def price_history(self, outlet_id: str, offer_id: str) -> list[Decimal]:
        with self._lock:
            return list(self._s.price_history.get((outlet_id, offer_id), []))

    def store_status(self, merchant_store_id: str) -> MerchantStatus | None:
        with self._lock:
            return self._s.statuses.get(merchant_store_id)

    @property
    def status_history(self) -> list[tuple[str, MerchantStatus]]:
        with self._lock:
            return list(self._s.status_history)

    def accepted(self, endpoint: str) -> list[ContentRequest]:
        with self._lock:
            return [r for r in self._s.requests if r.endpoint == endpoint and r.status == 200]

    # --- handlers ----------------------------------------------------------------------------

    def _gate(self, request: Request, endpoint: str) -> Response | None:
        stormy = self._storm(endpoint)
        if stormy is not None:
            return stormy
        if not self._token_valid(request):
            return _problem(401, "The request lacks valid authentication credentials.", "unauthorized")
        with self._lock:
            now = self._clock()
            window = self._s.window
            while window and window[0] <= now - 1.0:
                window.popleft()
            if len(window) >= self.rate:
                self._s.rate_limited += 1
                answer = _problem(429, "Too many requests.", "rate-limit")
                answer.headers["Retry-After"] = "1"
                return answer
            window.append(now)
        if not request.headers.get("content-type", "").startswith("application/json"):
            return _problem(415, "Expected application/json.", "unsupported-media-type")
        return None

    def _record(
        self,
        endpoint: str,
        response: Response,
        records: int = 0,
        outlets: frozenset[str] = frozenset(),
        reason: str = "",
    ) -> Response:
        with self._lock:
            self._s.requests.append(
                ContentRequest(self._clock(), endpoint, response.status_code, records, outlets, reason)
            )
        return response

    async def _parse(self, request: Request, model: type[BaseModel]) -> BaseModel | Response:
        raw = await request.body()
        try:
            return model.model_validate_json(raw)
        except ValidationError as exc:
            params = [
                {"name": ".".join(str(p) for p in e["loc"]) or "body", "reason": e["msg"]}
                for e in exc.errors(include_url=False, include_input=False)
            ][:20]
            return _problem(400, "Your request parameters didn't validate.", "validation-error", invalid_params=params)

    async def _stocks(self, request: Request) -> Response:
        gate = self._gate(request, "stocks")
        if gate is not None:
            return self._record("stocks", gate, reason="gate")
        body = await self._parse(request, StocksImport)
        if isinstance(body, Response):
            return self._record("stocks", body, reason=_reason(body))
        assert isinstance(body, StocksImport)
        with self._lock:
            for record in body.data:
                key = (record.outlet_id, record.offer_id)
                self._s.stocks[key] = record.packs
                self._s.stock_history.setdefault(key, []).append(record.packs)
        outlets = frozenset(r.outlet_id for r in body.data)
        return self._record("stocks", _task(), len(body.data), outlets)

    async def _prices(self, request: Request) -> Response:
        gate = self._gate(request, "prices")
        if gate is not None:
            return self._record("prices", gate, reason="gate")
        body = await self._parse(request, PricesImport)
        if isinstance(body, Response):
            return self._record("prices", body, reason=_reason(body))
        assert isinstance(body, PricesImport)
        with self._lock:
            for record in body.data:
                key = (record.outlet_id, record.offer_id)
                self._s.prices[key] = (record.price.value, record.vat.value)
                self._s.price_history.setdefault(key, []).append(record.price.value)
        outlets = frozenset(r.outlet_id for r in body.data)
        return self._record("prices", _task(), len(body.data), outlets)

    async def _put_status(self, request: Request) -> Response:
        gate = self._gate(request, "store_status")
        if gate is not None:
            return self._record("store_status", gate, reason="gate")
        slug = request.path_params["retail_chain_slug"]
        store_id = request.path_params["merchant_store_id"]
        if slug != self.retail_chain_slug:
            return self._record("store_status", _problem(404, "Requested resource is not available.", "not-found"))
        with self._lock:
            refused = self._s.refused.get(store_id)
        if refused is not None:
            answer = _problem(
                403, "The server understood the request but refuses to authorize it.", "forbidden", detail=refused
            )
            return self._record("store_status", answer, reason="refused")
        body = await self._parse(request, MerchantStatusBody)
        if isinstance(body, Response):
            return self._record("store_status", body, reason=_reason(body))
        assert isinstance(body, MerchantStatusBody)
        with self._lock:
            self._s.statuses[store_id] = body.data
            self._s.status_history.append((store_id, body.data))
        answer = JSONResponse({"data": body.data.model_dump(mode="json", exclude_none=True)})
        return self._record("store_status", answer, 1, frozenset({store_id}))

    async def _get_status(self, request: Request) -> Response:
        if not self._token_valid(request):
            return _problem(401, "The request lacks valid authentication credentials.", "unauthorized")
        store_id = request.path_params["merchant_store_id"]
        with self._lock:
            found = self._s.statuses.get(store_id)
        data = found or MerchantStatus(status=StoreStatus.ACTIVE, comment="-")
        return JSONResponse({"data": data.model_dump(mode="json", exclude_none=True)})


def _task() -> JSONResponse:
    import uuid

    return JSONResponse({"data": {"task_id": str(uuid.uuid4())}})


def _reason(response: Response) -> str:
    try:
        return json.loads(bytes(response.body))["error"]["title"]  # type: ignore[no-any-return]
    except (ValueError, KeyError, TypeError):
        return ""
