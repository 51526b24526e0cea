"""The HTTP client that sends notifications to Kuper (async, httpx).

::

    async with KuperClient(base_url, client_id, client_secret) as kuper:
        result = await kuper.send_notification(InWorkNotification.build(order_uuid, number))
        if result.should_retry: ...

:meth:`KuperClient.send_notification` never raises for Kuper's answers or network trouble: it returns
a :class:`~pharmacy_desk.kuper.results.SendResult` (the classification table is in
:mod:`~pharmacy_desk.kuper.results`). Every call has connect/read/write/pool time-outs. Every request
and answer is logged on the ``pharmacy_desk.kuper`` logger with secrets masked by
:func:`~pharmacy_desk.kuper.redaction.redact`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from types import TracebackType
from typing import Self
from urllib.parse import quote, urlencode

import httpx

from pharmacy_desk import __version__
from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.auth import IssuedToken, TokenCache, TokenUnavailable, read_token_answer
from pharmacy_desk.kuper.errors import KuperFormatError
from pharmacy_desk.kuper.nested import AnyNotification
from pharmacy_desk.kuper.redaction import redact
from pharmacy_desk.kuper.results import SendOutcome, SendResult, classify_response
from pharmacy_desk.kuper.shipments import ShipmentsPage, ShipmentState, parse_shipment_state, parse_shipments_page

logger = logging.getLogger("pharmacy_desk.kuper")

DEFAULT_TIMEOUT = httpx.Timeout(connect=5.0, read=20.0, write=20.0, pool=5.0)
"""Time-outs of every call (seconds)."""
_LOGGED_BODY_LIMIT = 4000


class KuperClient:
    """Sends notifications to Kuper with a shared, auto-refreshed access token."""

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        *,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        transport: httpx.AsyncBaseTransport | None = None,
        refresh_margin: float = 60.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """``base_url`` like ``https://merchant-api.sbermarket.ru``; ``clock`` is for tests."""
        url = httpx.URL(base_url)
        if url.scheme not in ("http", "https") or not url.host:
            raise ValueError(f"Kuper base URL must be an absolute http(s) URL, got {base_url!r}")
        if not client_id or not client_secret:
            raise ValueError("Kuper client id and secret must not be empty")
        self._client_id = client_id
        self._secret = client_secret
        self._http = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            transport=transport,
            headers={"User-Agent": f"pharmacy-desk/{__version__}"},
            follow_redirects=False,
        )
        self._tokens = TokenCache(self._fetch_token, clock=clock, refresh_margin=refresh_margin)

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        """Close the connection pool."""
        await self._http.aclose()

    async def send_notification(self, notification: AnyNotification) -> SendResult:
        """POST ``notification``; refresh the token and retry once on 401. Never raises for HTTP trouble."""
        what = f"notification {notification.event_type.value} for {notification.order_uuid}"
        body = notification.to_json()
        try:
            token = await self._tokens.get()
            response = await self._post_notification(body, token)
            if isinstance(response, httpx.Response) and response.status_code == 401:
                token = await self._tokens.get(rejected=token)
                response = await self._post_notification(body, token)
        except TokenUnavailable as exc:
            return exc.result
        if isinstance(response, SendResult):
            return response
        return classify_response(
            response.status_code,
            response.text,
            response.headers.get(names.RETRY_AFTER_HEADER),
            what=what,
        )

    async def check_credentials(self) -> SendResult:
        """Fetch a fresh token now (an operator's "test connection"): ``DONE`` or why not."""
        self._tokens.forget()
        try:
            await self._tokens.get()
        except TokenUnavailable as exc:
            return exc.result
        lifetime = self._tokens.lifetime
        shown = f" for {lifetime:g} s" if lifetime is not None else ""
        return SendResult(SendOutcome.DONE, f"Kuper issued an access token{shown}")

    @property
    def token_lifetime(self) -> float | None:
        """Seconds the last token was issued for (``expires_in``), when known."""
        return self._tokens.lifetime

    async def shipment_state(self, order_id: str) -> tuple[ShipmentState | None, SendResult]:
        """Kuper's state of one order (by its ``originalOrderId``): ``(state, DONE)`` or ``(None, why not)``."""
        path = names.SHIPMENT_STATE_PATH.format(order_id=quote(order_id, safe=""))
        response = await self._get(path, {})
        if isinstance(response, SendResult):
            return None, response
        if response.status_code != 200:
            return None, classify_response(response.status_code, response.text, what=f"state of {order_id}")
        try:
            return parse_shipment_state(response.text), SendResult(SendOutcome.DONE, "state read", 200)
        except KuperFormatError as exc:
            return None, SendResult(SendOutcome.FAILED, exc.message, 200, response.text[:4000])

    async def shipments_page(
        self,
        *,
        store_id: str,
        updated_from: datetime | None,
        page_size: int = 50,
        page_token: str | None = None,
    ) -> tuple[ShipmentsPage | None, SendResult]:
        """One page of the store's orders changed since ``updated_from``: ``(page, DONE)`` or ``(None, why not)``."""
        params: dict[str, str] = {names.FILTER_STORE_ID: store_id, names.MAX_PAGE_SIZE: str(page_size)}
        if updated_from is not None:
            params[names.FILTER_UPDATED_FROM] = updated_from.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        if page_token:
            params[names.NEXT_PAGE_TOKEN] = page_token
        response = await self._get(names.SHIPMENTS_PATH, params)
        if isinstance(response, SendResult):
            return None, response
        if response.status_code != 200:
            return None, classify_response(response.status_code, response.text, what=f"shipments of {store_id}")
        try:
            return parse_shipments_page(response.text), SendResult(SendOutcome.DONE, "shipments read", 200)
        except KuperFormatError as exc:
            return None, SendResult(SendOutcome.FAILED, exc.message, 200, response.text[:4000])

    async def _get(self, path: str, params: Mapping[str, str]) -> httpx.Response | SendResult:
        """GET with the token (refreshed once on 401)."""
        try:
            token = await self._tokens.get()
            response = await self._request("GET", path, headers=self._auth_headers(token), params=params)
            if isinstance(response, httpx.Response) and response.status_code == 401:
                token = await self._tokens.get(rejected=token)
                response = await self._request("GET", path, headers=self._auth_headers(token), params=params)
        except TokenUnavailable as exc:
            return exc.result
        return response

    @staticmethod
    def _auth_headers(token: str) -> dict[str, str]:
        return {
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            names.API_VERSION_HEADER: names.API_VERSION,
        }

    async def _post_notification(self, body: bytes, token: str) -> httpx.Response | SendResult:
        headers = {
            "Authorization": f"Bearer {token}",
            "Content-Type": "application/json",
            names.API_VERSION_HEADER: names.API_VERSION,
        }
        return await self._request("POST", names.NOTIFICATIONS_PATH, headers=headers, content=body)

    async def _fetch_token(self) -> IssuedToken:
        form = {
            names.TOKEN_GRANT_TYPE: names.TOKEN_GRANT_CLIENT_CREDENTIALS,
            names.TOKEN_CLIENT_ID: self._client_id,
            names.TOKEN_CLIENT_SECRET: self._secret,
        }
        headers = {"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"}
        content = urlencode(form).encode()
        response = await self._request("POST", names.TOKEN_PATH, headers=headers, content=content)
        if isinstance(response, SendResult):
            raise TokenUnavailable(response)
        return read_token_answer(response.status_code, response.text, response.headers.get(names.RETRY_AFTER_HEADER))

    async def _request(
        self,
        method: str,
        path: str,
        *,
        headers: Mapping[str, str],
        content: bytes = b"",
        params: Mapping[str, str] | None = None,
    ) -> httpx.Response | SendResult:
        """One logged HTTP exchange; a network failure or time-out becomes a ``RETRY`` result."""
        secrets: tuple[str | None, ...] = (self._secret, self._tokens.current)
        logger.info(
            "Kuper request %s %s headers=%s body=%s",
            method,
            path,
            redact(headers, secrets=secrets),
            _clip(redact(content, secrets=secrets)),
        )
        started = time.monotonic()
        try:
            response = await self._http.request(
                method, path, headers=headers, content=content or None, params=dict(params) if params else None
            )
        except httpx.TimeoutException as exc:
            elapsed = time.monotonic() - started
            logger.warning("Kuper %s %s timed out after %.2f s (%s)", method, path, elapsed, type(exc).__name__)
            return SendResult(SendOutcome.RETRY, f"Kuper did not answer in time ({type(exc).__name__})")
        except httpx.TransportError as exc:
            logger.warning("Kuper %s %s failed: %s: %s", method, path, type(exc).__name__, exc)
            return SendResult(SendOutcome.RETRY, f"Kuper is unreachable ({type(exc).__name__}: {exc})")
        secrets = (self._secret, self._tokens.current, _bearer_value(headers))
        logger.info(
            "Kuper response %s %s -> %d in %.2f s headers=%s body=%s",
            method,
            path,
            response.status_code,
            time.monotonic() - started,
            redact(response.headers, secrets=secrets),
            _clip(redact(response.text, secrets=secrets)),
        )
        return response


def _bearer_value(headers: Mapping[str, str]) -> str | None:
    scheme, _, token = headers.get("Authorization", "").partition(" ")
    return token if scheme == "Bearer" and token else None


def _clip(text: str) -> str:
    if len(text) <= _LOGGED_BODY_LIMIT:
        return text
    return f"{text[:_LOGGED_BODY_LIMIT]}... ({len(text)} characters)"
