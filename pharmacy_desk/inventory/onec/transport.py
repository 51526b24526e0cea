"""HTTP to 1C with a deadline on every call, and every failure turned into a StockUnavailable.

==============================================  ===========  ==============================
what happened                                   kind         may have taken effect in 1C
==============================================  ===========  ==============================
no connection (refused, DNS, TLS)               DOWN         no
no complete answer within the deadline          TIMEOUT      yes, for a changing call
the connection broke after the request left     DOWN         yes, for a changing call
401 / 403                                       AUTH         no
any other non-2xx (1C's ``error.message``)      REFUSED      yes for 5xx, no for 4xx
2xx that is not JSON or not the contract        BAD_ANSWER   yes, for a changing call
==============================================  ===========  ==============================
"""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Mapping
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from pharmacy_desk.inventory.errors import Operation, StockUnavailable, UnavailableKind
from pharmacy_desk.inventory.onec.settings import OneCSettings
from pharmacy_desk.inventory.onec.wire import WireError

log = logging.getLogger(__name__)

SOURCE_RU = "1С"
MAX_ANSWER_BYTES = 8 * 1024 * 1024
M = TypeVar("M", bound=BaseModel)


class OneCTransport:
    """One ``httpx.AsyncClient`` for the HTTP service and OData, Basic auth, the deadline from settings."""

    def __init__(self, settings: OneCSettings, *, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.settings = settings
        auth = httpx.BasicAuth(settings.username, settings.password.get_secret_value()) if settings.username else None
        self._client = httpx.AsyncClient(
            auth=auth,
            timeout=httpx.Timeout(settings.timeout_seconds, connect=settings.connect_timeout_seconds),
            verify=settings.verify_tls,
            transport=transport,
            headers={"Accept": "application/json", "User-Agent": "pharmacy-desk-relay"},
            follow_redirects=False,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def call(self, operation: Operation, path: str, body: Mapping[str, Any], answer: type[M]) -> M:
        """POST ``body`` to the HTTP service's ``path`` and validate the answer as ``answer``."""
        url = f"{self.settings.base_url}{path}"
        data = await self._request(operation, "POST", url, json_body=body)
        return self._validate(operation, answer, data, url)

    async def get_json(self, operation: Operation, url: str, params: Mapping[str, str] | None = None) -> Any:
        """GET a JSON document (OData)."""
        return await self._request(operation, "GET", url, params=params)

    def fail(self, operation: Operation, kind: UnavailableKind, detail: str) -> StockUnavailable:
        applied = operation.changes_stock and kind in (UnavailableKind.BAD_ANSWER, UnavailableKind.TIMEOUT)
        return StockUnavailable(kind, operation, source=SOURCE_RU, detail=detail, maybe_applied=applied)

    def _validate(self, operation: Operation, answer: type[M], data: Any, url: str) -> M:
        try:
            return answer.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_input=False)[0]
            where = ".".join(str(p) for p in first["loc"]) or "ответ"
            raise self.fail(
                operation, UnavailableKind.BAD_ANSWER, f"ответ {url} не по контракту: {where}: {first['msg']}"
            ) from None

    async def _request(
        self,
        operation: Operation,
        method: str,
        url: str,
        *,
        json_body: Mapping[str, Any] | None = None,
        params: Mapping[str, str] | None = None,
    ) -> Any:
        changing = operation.changes_stock
        request_id = uuid.uuid4().hex
        deadline = self.settings.timeout_seconds
        try:
            async with asyncio.timeout(deadline):
                response = await self._client.request(
                    method,
                    url,
                    json=json_body,
                    params=params,
                    headers={"X-Request-Id": request_id},
                )
        except httpx.ConnectTimeout:
            raise StockUnavailable(
                UnavailableKind.DOWN, operation, source=SOURCE_RU, detail=f"нет соединения с {_origin(url)} (таймаут)"
            ) from None
        except (TimeoutError, httpx.TimeoutException):
            log.warning("1C %s %s: no answer in %.1f s (request %s)", method, url, deadline, request_id)
            raise StockUnavailable(
                UnavailableKind.TIMEOUT,
                operation,
                source=SOURCE_RU,
                detail=f"нет ответа за {_seconds(deadline)} с",
                maybe_applied=changing,
            ) from None
        except httpx.ConnectError as exc:
            raise StockUnavailable(
                UnavailableKind.DOWN, operation, source=SOURCE_RU, detail=f"нет соединения с {_origin(url)}: {exc}"
            ) from None
        except httpx.HTTPError as exc:
            raise StockUnavailable(
                UnavailableKind.DOWN,
                operation,
                source=SOURCE_RU,
                detail=f"соединение с {_origin(url)} оборвалось: {type(exc).__name__}",
                maybe_applied=changing,
            ) from None
        log.info("1C %s %s → %s (request %s)", method, url, response.status_code, request_id)
        return self._decode(operation, response, url)

    def _decode(self, operation: Operation, response: httpx.Response, url: str) -> Any:
        status = response.status_code
        if status in (401, 403):
            raise StockUnavailable(
                UnavailableKind.AUTH, operation, source=SOURCE_RU, detail=f"HTTP {status}: проверьте пользователя 1С"
            )
        if not 200 <= status < 300:
            message = _error_message(response)
            raise StockUnavailable(
                UnavailableKind.REFUSED,
                operation,
                source=SOURCE_RU,
                detail=f"HTTP {status}: {message}",
                maybe_applied=operation.changes_stock and status >= 500,
            )
        if len(response.content) > MAX_ANSWER_BYTES:
            raise self.fail(operation, UnavailableKind.BAD_ANSWER, f"ответ больше {MAX_ANSWER_BYTES} байт")
        try:
            return json.loads(response.content.decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError):
            sample = response.content[:60].decode("utf-8", "replace").replace("\n", " ")
            raise self.fail(operation, UnavailableKind.BAD_ANSWER, f"не JSON: «{sample}»") from None


def _seconds(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def _origin(url: str) -> str:
    parsed = httpx.URL(url)
    return f"{parsed.scheme}://{parsed.host}:{parsed.port or ''}".rstrip(":")


def _error_message(response: httpx.Response) -> str:
    try:
        body = WireError.model_validate_json(response.content)
    except ValidationError:
        text = response.content[:120].decode("utf-8", "replace").strip().replace("\n", " ")
        return text or response.reason_phrase
    return body.error.message or body.error.code or response.reason_phrase
