"""The access token: reading the token endpoint's answer and sharing one cached token.

*Assumed* exchange (``docs/kuper-protocol.md`` §1): OAuth2 client credentials, form-encoded, answered by
``{"access_token": "...", "token_type": "bearer", "expires_in": 3600}``.

:class:`TokenCache` fetches at most one token at a time (an ``asyncio.Lock``): many concurrent senders
share one fetch, a 401 makes exactly one refresh (``get(rejected=token)`` refreshes only if nobody
refreshed since), and a failed fetch is shared with the senders that were waiting for it instead of
hammering the token endpoint once per sender. The token is refreshed *before* it expires, by a margin
of ``min(refresh_margin, expires_in / 2)``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.results import MAX_BODY_KEPT, SendOutcome, SendResult, parse_retry_after

DEFAULT_LIFETIME = 600.0
"""Seconds a token is trusted when the answer has no usable ``expires_in`` (a 401 refreshes it anyway)."""


class TokenUnavailable(Exception):
    """No token could be had; :attr:`result` says how to classify the notification that needed it."""

    def __init__(self, result: SendResult) -> None:
        super().__init__(result.message)
        self.result = result


@dataclass(frozen=True, slots=True)
class IssuedToken:
    """A token and its lifetime in seconds, as the endpoint gave them."""

    value: str
    expires_in: float


def read_token_answer(status_code: int, body: str, retry_after: str | None = None) -> IssuedToken:
    """Turn the token endpoint's answer into an :class:`IssuedToken` or raise :class:`TokenUnavailable`.

    408/429/5xx → ``RETRY``; any other refusal or an unreadable answer → ``AUTH_FAILED``.
    """
    kept = body[:MAX_BODY_KEPT] if body else None
    if status_code in (408, 425, 429) or status_code >= 500:
        delay = parse_retry_after(retry_after)
        raise TokenUnavailable(
            SendResult(
                SendOutcome.RETRY,
                f"Kuper's token endpoint is unavailable ({status_code})",
                status_code,
                kept,
                delay,
            )
        )
    if status_code != 200:
        raise TokenUnavailable(
            SendResult(
                SendOutcome.AUTH_FAILED,
                f"Kuper refused the API credentials ({status_code}): check the client id and secret",
                status_code,
                kept,
            )
        )
    data = _json_object(body)
    token = data.get(names.TOKEN_ACCESS_TOKEN)
    if not isinstance(token, str) or not token:
        raise TokenUnavailable(
            SendResult(
                SendOutcome.AUTH_FAILED,
                f"Kuper's token answer has no '{names.TOKEN_ACCESS_TOKEN}': the token exchange differs "
                "from the assumed OAuth2 format",
                status_code,
            )
        )
    return IssuedToken(token, _lifetime(data.get(names.TOKEN_EXPIRES_IN)))


def _json_object(body: str) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _lifetime(value: Any) -> float:
    if isinstance(value, bool):
        return DEFAULT_LIFETIME
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if isinstance(value, int | float) and value > 0:
        return float(value)
    return DEFAULT_LIFETIME


@dataclass(frozen=True, slots=True)
class _Cached:
    value: str
    fresh_until: float


class TokenCache:
    """One shared token, fetched by ``fetch`` under a lock, refreshed ahead of expiry."""

    def __init__(
        self,
        fetch: Callable[[], Awaitable[IssuedToken]],
        *,
        clock: Callable[[], float],
        refresh_margin: float = 60.0,
    ) -> None:
        self._fetch = fetch
        self._clock = clock
        self._margin = refresh_margin
        self._lock = asyncio.Lock()
        self._cached: _Cached | None = None
        self._finished_fetches = 0
        self._last_failure: TokenUnavailable | None = None
        self.lifetime: float | None = None  # expires_in of the last token issued

    def _usable(self, rejected: str | None) -> str | None:
        cached = self._cached
        if cached is None or cached.value == rejected or self._clock() >= cached.fresh_until:
            return None
        return cached.value

    async def get(self, *, rejected: str | None = None) -> str:
        """A fresh token; pass the token Kuper just refused as ``rejected`` to force one refresh."""
        token = self._usable(rejected)
        if token is not None:
            return token
        finished_before = self._finished_fetches
        async with self._lock:
            token = self._usable(rejected)
            if token is not None:
                return token
            if self._finished_fetches != finished_before and self._last_failure is not None:
                # a fetch ended while we waited, and failed: share its outcome
                raise TokenUnavailable(self._last_failure.result)
            try:
                issued = await self._fetch()
            except TokenUnavailable as exc:
                self._last_failure = exc
                raise
            finally:
                self._finished_fetches += 1
            self._last_failure = None
            self.lifetime = float(issued.expires_in)
            margin = min(self._margin, issued.expires_in / 2)
            self._cached = _Cached(issued.value, self._clock() + issued.expires_in - margin)
            return issued.value

    def forget(self) -> None:
        """Drop the cached token (the next :meth:`get` fetches a new one)."""
        self._cached = None

    @property
    def current(self) -> str | None:
        """The cached token, fresh or not (for masking it in logs)."""
        return self._cached.value if self._cached else None
