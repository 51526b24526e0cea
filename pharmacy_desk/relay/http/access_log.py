"""Every HTTP request in and out, on the ``pharmacy_desk.relay.http`` logger, secrets masked.

- :class:`AccessLog`: ASGI middleware for requests to the relay: one line per request once it is over
  (method, path, redacted query, peer, status, duration, redacted headers; a stream when it ends),
  built only when the logger is on for INFO; a ``DEBUG`` line when a request comes in;
- :class:`LoggingTransport`: an httpx transport for requests the relay makes (to Kuper).

Masked: ``Authorization``, ``Proxy-Authorization``, ``Client-Token``, cookies, and any header or query
parameter whose name says token, secret or password. Bodies are not logged here (webhooks are stored
whole in the database; the Kuper client logs its own bodies redacted).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

import httpx
from starlette.types import ASGIApp, Message, Receive, Scope, Send

log = logging.getLogger("pharmacy_desk.relay.http")

MASK = "***"
_SECRET_NAMES = frozenset({"authorization", "proxy-authorization", "client-token", "cookie", "set-cookie"})
_SECRET_PARTS = ("token", "secret", "password", "api-key", "apikey")


def is_secret(name: str) -> bool:
    key = name.strip().lower().replace("_", "-")
    return key in _SECRET_NAMES or any(part in key for part in _SECRET_PARTS)


def _mask(name: str, value: str) -> str:
    if name.lower() in ("authorization", "proxy-authorization"):
        scheme, _, rest = value.partition(" ")
        return f"{scheme} {MASK}" if rest else MASK
    return MASK


def redact_headers(headers: Iterable[tuple[str, str]] | Mapping[str, str]) -> dict[str, str]:
    pairs = headers.items() if isinstance(headers, Mapping) else headers
    return {name.lower(): _mask(name, value) if is_secret(name) else value for name, value in pairs}


def redact_query(query: str) -> str:
    if not query:
        return ""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, MASK if is_secret(k) else v) for k, v in pairs], safe="*")


class AccessLog:
    """ASGI middleware: one line per request once its answer is complete (a line is cheap: see above)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not log.isEnabledFor(logging.INFO):
            await self.app(scope, receive, send)
            return
        started = time.monotonic()
        if log.isEnabledFor(logging.DEBUG):
            log.debug("in  %s %s from %s", scope["method"], _target(scope), _peer(scope))
        status = 0

        async def logged_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, logged_send)
        finally:
            elapsed = (time.monotonic() - started) * 1000
            headers = redact_headers((k.decode("latin-1"), v.decode("latin-1")) for k, v in scope["headers"])
            log.info(
                "%s %s from %s -> %s in %.1f ms headers=%s",
                scope["method"],
                _target(scope),
                _peer(scope),
                status or "no answer",
                elapsed,
                headers,
            )


def _target(scope: Scope) -> str:
    query = redact_query(scope.get("query_string", b"").decode("latin-1"))
    path: str = scope["path"]
    return f"{path}?{query}" if query else path


def _peer(scope: Scope) -> str:
    client = scope.get("client")
    return f"{client[0]}:{client[1]}" if client else "-"


class LoggingTransport(httpx.AsyncBaseTransport):
    """Wraps an httpx transport and logs each outgoing request and its answer."""

    def __init__(self, inner: httpx.AsyncBaseTransport | None = None) -> None:
        self.inner = inner if inner is not None else httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.monotonic()
        query = redact_query(request.url.query.decode("latin-1"))
        target = f"{request.url.scheme}://{request.url.netloc.decode('latin-1')}{request.url.path}"
        target += f"?{query}" if query else ""
        log.info("send %s %s headers=%s", request.method, target, redact_headers(request.headers.multi_items()))
        try:
            response = await self.inner.handle_async_request(request)
        except Exception as exc:
            log.warning("send %s %s failed after %.1f ms: %s", request.method, target, _ms(started), type(exc).__name__)
            raise
        log.info("recv %s %s -> %d in %.1f ms", request.method, target, response.status_code, _ms(started))
        return response

    async def aclose(self) -> None:
        await self.inner.aclose()


def _ms(started: float) -> float:
    return (time.monotonic() - started) * 1000
