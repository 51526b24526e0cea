"""Refuse, before any route runs, what no route can take: 400 with the field named, never a 500.

ASGI middleware for every request to the counter-PC API (the Kuper webhook door checks its own body,
:mod:`.api_webhooks`, and keeps what it refuses):

- a path or query parameter with a NUL or another control character (``%00`` in ``{number}``):
  PostgreSQL cannot compare such text, SQLite would answer 404 (both now 400, ``loc`` = the part);
- a JSON body (``POST``/``PUT``/``PATCH``) larger than ``max_body`` bytes (413), nested deeper than
  :data:`~pharmacy_desk.kuper.bounds.MAX_DEPTH` (checked before parsing), that cannot be parsed at all
  by Python's parser (a number of more than 4,300 digits), or with a NUL or a lone surrogate in any
  string or key (refused, not replaced: such a value would name another order, operator or key).

On ``/kuper/webhooks…`` a bad URL gets the webhook door's ``{"error", "message"}``; elsewhere the
answer is the relay's usual 400: ``{"code": "invalid_request", "message": ..., "errors": [{"loc",
"msg"}]}``. What passes is handed on with its body replayed unchanged.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pharmacy_desk.kuper.bounds import MAX_DEPTH, text_problem
from pharmacy_desk.kuper.json_depth import deeper_than

INVALID_REQUEST = "Запрос составлен неверно"
_UNCHECKED_PREFIXES = ("/kuper/webhooks",)
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _control(value: str) -> bool:
    return any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in value)


def _url_problem(scope: Scope) -> dict[str, Any] | None:
    path: str = scope["path"]
    if _control(path) or text_problem(path, 2048) is not None:
        return {"loc": ["path"], "msg": "the path contains a control character or is not text"}
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True, errors="replace"):
        if _control(name) or _control(value) or len(value) > 2048:
            return {"loc": ["query", name[:64]], "msg": "a control character or more than 2048 characters"}
    return None


def _string_problem(value: Any, loc: list[Any]) -> dict[str, Any] | None:
    if isinstance(value, str):
        problem = text_problem(value, 1_000_000)
        return {"loc": loc, "msg": f"the text {problem}"} if problem else None
    if isinstance(value, dict):
        for key, item in value.items():
            if text_problem(key, 1_000) is not None:
                return {"loc": loc, "msg": "a key contains a NUL or a lone surrogate, or is too long"}
            found = _string_problem(item, [*loc, key])
            if found:
                return found
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found = _string_problem(item, [*loc, index])
            if found:
                return found
    return None


async def _answer(send: Send, status: int, body: dict[str, Any]) -> None:
    content = json.dumps(body, ensure_ascii=False).encode()
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(content)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": content})


def _invalid(error: dict[str, Any]) -> dict[str, Any]:
    return {"code": "invalid_request", "message": INVALID_REQUEST, "errors": [error]}


class RequestGuard:
    """See the module docstring; ``max_body``: the largest JSON body taken (bytes)."""

    def __init__(self, app: ASGIApp, max_body: int = 1024 * 1024) -> None:
        self.app = app
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        problem = _url_problem(scope)
        if problem is not None:
            if scope["path"].startswith(_UNCHECKED_PREFIXES):  # Kuper's door answers in its own shape
                await _answer(send, 400, {"error": "bad_request", "message": f"{problem['loc']}: {problem['msg']}"})
            else:
                await _answer(send, 400, _invalid(problem))
            return
        if scope["method"] not in _BODY_METHODS or scope["path"].startswith(_UNCHECKED_PREFIXES):
            await self.app(scope, receive, send)
            return
        body = bytearray()
        more = True
        while more:
            message = await receive()
            if message["type"] != "http.request":  # the client went away
                return
            body += message.get("body", b"")
            more = bool(message.get("more_body"))
            if len(body) > self.max_body:
                await _answer(send, 413, {"code": "too_large", "message": f"Тело запроса больше {self.max_body} байт"})
                return
        error = self._body_problem(bytes(body))
        if error is not None:
            await _answer(send, 400, _invalid(error))
            return
        replayed = False

        async def replay() -> Message:
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    def _body_problem(self, body: bytes) -> dict[str, Any] | None:
        if not body.strip():
            return None
        if deeper_than(body, MAX_DEPTH):
            return {"loc": ["body"], "msg": f"nested deeper than {MAX_DEPTH} levels"}
        try:
            data = json.loads(body)
        except json.JSONDecodeError:
            return None  # not JSON: the route's own parser says what is wrong
        except ValueError as exc:  # e.g. an integer of more than 4,300 digits
            return {"loc": ["body"], "msg": str(exc)[:200]}
        return _string_problem(data, ["body"])
