"""``POST /kuper/webhooks`` and ``/kuper/webhooks/{store_key}``: the door Kuper knocks on.

Checked before anything is stored, in this order: credentials (401, empty body), the store in the URL
(404), the size (413: ``Content-Length`` first, then counted while reading, so a chunked body is cut
too), UTF-8 JSON (400). What passes is handed to :class:`~pharmacy_desk.relay.intake.webhooks.WebhookIntake`.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel

from pharmacy_desk.kuper.bounds import MAX_DEPTH
from pharmacy_desk.kuper.json_depth import deeper_than
from pharmacy_desk.relay.errors import NotAuthorizedForStore
from pharmacy_desk.relay.http.access_log import redact_headers
from pharmacy_desk.relay.http.auth import authenticate_webhook
from pharmacy_desk.relay.intake.webhooks import IDEMPOTENCY_HEADERS, Incoming, WebhookIntake
from pharmacy_desk.relay.state import relay_state

router = APIRouter(tags=["Kuper webhooks"])


class WebhookAck(BaseModel):
    """200: ``{"status": "created", "number": "A12-000123"}`` for order.created, else ``{"status": "ok"}``."""

    status: str
    number: str | None = None


class WebhookError(BaseModel):
    error: str
    message: str


_BODY_DOC: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {
                            "type": "object",
                            "description": "the seeds' envelope",
                            "required": ["event_type", "payload"],
                            "properties": {
                                "event_type": {"type": "string", "example": "order.created"},
                                "timestamp": {"type": "string", "format": "date-time"},
                                "payload": {"type": "object"},
                            },
                        },
                        {
                            "type": "object",
                            "description": "the live API's envelope",
                            "required": ["event"],
                            "properties": {
                                "event": {
                                    "type": "object",
                                    "required": ["type", "payload"],
                                    "properties": {"type": {"type": "string"}, "payload": {"type": "object"}},
                                }
                            },
                        },
                    ]
                }
            }
        },
    }
}
_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"model": WebhookAck, "description": "Stored and applied (also for a redelivery)"},
    400: {
        "model": WebhookError,
        "description": "Not JSON or nested too deep (nothing stored), or JSON that is not an acceptable Kuper "
        "webhook: a value out of bounds, a missing field (stored as invalid, store alerted)",
    },
    401: {"description": "Wrong or missing credentials (empty body, nothing stored)"},
    404: {"model": WebhookError, "description": "No such store in the URL (nothing stored)"},
    413: {"model": WebhookError, "description": "Body larger than max_webhook_bytes (nothing stored)"},
    503: {"model": WebhookError, "description": "No configured store fits an order.created (stored; deliver again)"},
}


def _error(status: int, error: str, message: str) -> JSONResponse:
    return JSONResponse({"error": error, "message": message}, status_code=status)


def _unauthorized() -> Response:
    return Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="kuper"'})


async def _read_limited(request: Request, limit: int) -> bytes | None:
    """The body, or ``None`` as soon as it exceeds ``limit`` bytes (the rest is not read)."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            return None
    return bytes(body)


async def _receive(request: Request, path_store: str | None) -> Response:
    state = relay_state(request)
    config = state.config
    caller = authenticate_webhook(config, request.headers, path_store)
    if caller is None:
        return _unauthorized()
    if path_store is not None and config.store(path_store) is None:
        return _error(404, "unknown_store", f"store {path_store!r} is not configured")
    limit = config.max_webhook_bytes
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            return _error(400, "bad_request", "Content-Length is not a number")
        if int(declared) > limit:
            return _error(413, "too_large", f"body larger than {limit} bytes")
    raw = await _read_limited(request, limit)
    if raw is None:
        return _error(413, "too_large", f"body larger than {limit} bytes")
    if deeper_than(raw, MAX_DEPTH):
        return _error(400, "too_deep", f"body is nested deeper than {MAX_DEPTH} levels")
    try:
        text = raw.decode("utf-8-sig")
        data = json.loads(text)
    except ValueError as exc:  # not UTF-8, not JSON, or a number of more than 4300 digits
        return _error(400, "not_json", f"body is not UTF-8 JSON: {exc}")
    request_id = next((request.headers[h] for h in IDEMPOTENCY_HEADERS if request.headers.get(h)), None)
    incoming = Incoming(
        text=text,
        data=data,
        headers=redact_headers(request.headers.items()),
        path_store=path_store,
        caller_store=caller.store,
        request_id=request_id,
    )
    try:
        answer = await WebhookIntake(state).receive(incoming)
    except NotAuthorizedForStore:
        return _unauthorized()
    headers = {"Retry-After": "60"} if answer.status_code == 503 else None
    return JSONResponse(answer.body, status_code=answer.status_code, headers=headers)


@router.post("/kuper/webhooks", responses=_RESPONSES, openapi_extra=_BODY_DOC, summary="Kuper webhook")
async def kuper_webhook(request: Request) -> Response:
    """A webhook; the store comes from the payload (``storeID`` / ``storeImportKey``) or the order."""
    return await _receive(request, None)


@router.post(
    "/kuper/webhooks/{store_key}", responses=_RESPONSES, openapi_extra=_BODY_DOC, summary="Kuper webhook for a store"
)
async def kuper_webhook_for_store(store_key: str, request: Request) -> Response:
    """A webhook for the store named in the URL."""
    return await _receive(request, store_key)
