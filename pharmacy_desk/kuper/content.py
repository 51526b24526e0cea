"""The HTTP client for Kuper's content API: stocks, prices, a store's merchant status (async, httpx).

::

    pacer = RequestPacer(10)
    async with ContentClient(base_url, client_id, client_secret, pacer=pacer) as kuper:
        result = await kuper.put_stocks([StockRecord.of("100234", "12", 5)])

Like :class:`~pharmacy_desk.kuper.client.KuperClient` it never raises for Kuper's answers or
network trouble: every call returns a :class:`~pharmacy_desk.kuper.results.SendResult` (``200`` is
``DONE``; 408/425/429/5xx and network failures ``RETRY`` with ``Retry-After`` kept; 401 refreshes
the token once; 400/403/404/422 are final). Every request first takes a slot from the shared
:class:`~pharmacy_desk.kuper.ratelimit.RequestPacer`, and a ``429`` pauses the pacer for the
``Retry-After`` (1 s when Kuper gives none), so the whole relay backs off, not just this caller.
Wire shapes and sources: :mod:`.content_wire`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence
from datetime import datetime
from types import TracebackType
from typing import Self
from urllib.parse import quote, urlencode

import httpx

from pharmacy_desk import __version__
from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.auth import IssuedToken, TokenCache, TokenUnavailable, read_token_answer
from pharmacy_desk.kuper.content_wire import (
    MERCHANT_STATUS_PATH,
    PRICES_PATH,
    STOCKS_PATH,
    MerchantStatus,
    MerchantStatusBody,
    PriceRecord,
    PricesImport,
    ScheduledChange,
    StockRecord,
    StocksImport,
    StoreStatus,
)
from pharmacy_desk.kuper.ratelimit import RequestPacer
from pharmacy_desk.kuper.redaction import redact
from pharmacy_desk.kuper.results import SendOutcome, SendResult, classify_response, parse_retry_after

logger = logging.getLogger("pharmacy_desk.kuper.content")

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=30.0, write=30.0, pool=10.0)
_DEFAULT_429_PAUSE = 1.0
_LOGGED_BODY_LIMIT = 2000


class ContentClient:
    """Stocks, prices and store status to Kuper, paced by a shared :class:`RequestPacer`."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        pacer: RequestPacer,
        retail_chain_slug: str = "",
        prices_path: str = PRICES_PATH,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"Kuper base URL must be an absolute http(s) URL, got {base_url!r}")
        if not client_id or not client_secret:
            raise ValueError("Kuper client id and secret must not be empty")
        self._client_id = client_id
        self._secret = client_secret
        self._slug = retail_chain_slug
        self._prices_path = prices_path
        self.pacer = pacer
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": f"pharmacy-desk/{__version__}"},
            follow_redirects=False,
        )
        self._tokens = TokenCache(self._fetch_token, clock=time.monotonic)
        self.requests_sent = 0

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # --- calls ---------------------------------------------------------------------------------

    async def put_stocks(self, records: Sequence[StockRecord]) -> SendResult:
        """One ``PUT /api/v1/import/stocks`` (≤ 1,000 records, ≤ 10 stores: checked here)."""
        body = StocksImport(data=tuple(records))
        return await self._call("PUT", STOCKS_PATH, body.model_dump_json().encode(), what=f"{len(records)} stocks")

    async def put_prices(self, records: Sequence[PriceRecord]) -> SendResult:
        """One ``PUT /api/v1/import/prices`` (≤ 1,000 records, ≤ 10 stores: checked here)."""
        body = PricesImport(data=tuple(records))
        return await self._call(
            "PUT", self._prices_path, body.model_dump_json().encode(), what=f"{len(records)} prices"
        )

    async def set_store_status(
        self,
        merchant_store_id: str,
        status: StoreStatus,
        comment: str,
        *,
        back_at: datetime | None = None,
    ) -> SendResult:
        """``PUT …/merchant-status``: ``INACTIVE`` (with ``back_at``: Kuper switches back to ``ACTIVE``
        by itself then) or ``ACTIVE``. Needs ``kuper.retail_chain_slug``."""
        if not self._slug:
            return SendResult(SendOutcome.FAILED, "kuper.retail_chain_slug is not configured")
        scheduled = ScheduledChange(change_at=back_at, status=StoreStatus.ACTIVE) if back_at is not None else None
        body = MerchantStatusBody(data=MerchantStatus(status=status, comment=comment, scheduled_change=scheduled))
        path = MERCHANT_STATUS_PATH.format(
            retail_chain_slug=quote(self._slug, safe=""), merchant_store_id=quote(merchant_store_id, safe="")
        )
        return await self._call("PUT", path, body.model_dump_json().encode(), what=f"store status {status.value}")

    async def check_credentials(self) -> SendResult:
        self._tokens.forget()
        try:
            await self._tokens.get()
        except TokenUnavailable as exc:
            return exc.result
        return SendResult(SendOutcome.DONE, "Kuper issued an access token")

    # --- plumbing ------------------------------------------------------------------------------

    async def _call(self, method: str, path: str, body: bytes, *, what: str) -> SendResult:
        try:
            token = await self._tokens.get()
            response = await self._send(method, path, body, token)
            if isinstance(response, httpx.Response) and response.status_code == 401:
                token = await self._tokens.get(rejected=token)
                response = await self._send(method, path, body, token)
        except TokenUnavailable as exc:
            return exc.result
        if isinstance(response, SendResult):
            return response
        retry_after = response.headers.get(names.RETRY_AFTER_HEADER)
        if response.status_code == 429:
            delay = parse_retry_after(retry_after)
            self.pacer.pause(delay if delay is not None else _DEFAULT_429_PAUSE)
        result = classify_response(response.status_code, response.text, retry_after, what=what)
        if result.outcome is SendOutcome.DUPLICATE:  # the content API has no 202 of its own: take it as done
            return SendResult(SendOutcome.DONE, result.message, result.status_code, result.response_body)
        if response.status_code == 403:  # a refusal of this call (e.g. the store's work format), not credentials
            detail = _problem(response.text)
            return SendResult(SendOutcome.FAILED, f"Kuper refused the {what} (403){detail}", 403, result.response_body)
        return result

    async def _send(self, method: str, path: str, body: bytes, token: str) -> httpx.Response | SendResult:
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", "Accept": "application/json"}
        return await self._request(method, path, headers=headers, content=body)

    async def _fetch_token(self) -> IssuedToken:
        form = {
            names.TOKEN_GRANT_TYPE: names.TOKEN_GRANT_CLIENT_CREDENTIALS,
            names.TOKEN_CLIENT_ID: self._client_id,
            names.TOKEN_CLIENT_SECRET: self._secret,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        response = await self._request("POST", names.TOKEN_PATH, headers=headers, content=urlencode(form).encode())
        if isinstance(response, SendResult):
            raise TokenUnavailable(response)
        return read_token_answer(response.status_code, response.text, response.headers.get(names.RETRY_AFTER_HEADER))

    async def _request(
        self, method: str, path: str, *, headers: dict[str, str], content: bytes
    ) -> httpx.Response | SendResult:
        await self.pacer.acquire()
        self.requests_sent += 1
        secrets: tuple[str | None, ...] = (self._secret, self._tokens.current)
        logger.debug("Kuper request %s %s (%d bytes)", method, path, len(content))
        started = time.monotonic()
        try:
            response = await self._http.request(method, path, headers=headers, content=content)
        except httpx.TimeoutException as exc:
            logger.warning("Kuper %s %s timed out (%s)", method, path, type(exc).__name__)
            return SendResult(SendOutcome.RETRY, f"Kuper did not answer in time ({type(exc).__name__})")
        except httpx.TransportError as exc:
            logger.warning("Kuper %s %s failed: %s: %s", method, path, type(exc).__name__, exc)
            return SendResult(SendOutcome.RETRY, f"Kuper is unreachable ({type(exc).__name__}: {exc})")
        level = logging.DEBUG if response.status_code == 200 else logging.WARNING
        text = redact(response.text, secrets=secrets)
        logger.log(
            level,
            "Kuper response %s %s -> %d in %.2f s body=%s",
            method,
            path,
            response.status_code,
            time.monotonic() - started,
            text if len(text) <= _LOGGED_BODY_LIMIT else text[:_LOGGED_BODY_LIMIT] + "...",
        )
        return response


def _problem(body: str) -> str:
    """``: <title / detail>`` of a problem-details answer, or its text."""
    try:
        data = json.loads(body)
    except ValueError:
        return f": {body[:300]}" if body else ""
    error = data.get("error") if isinstance(data, dict) else None
    if isinstance(error, dict):
        parts = [str(error[k]) for k in ("title", "detail") if error.get(k)]
        return f": {' — '.join(parts)}" if parts else ""
    return ""
