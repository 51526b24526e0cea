"""``/openapi.json`` says what the relay answers: 400 (never FastAPI's 422) for a malformed request.

FastAPI documents a 422 "Validation Error" on every operation with parameters; the relay answers a
malformed request 400 ``{"code": "invalid_request", "message", "errors": [{"loc", "msg"}]}`` (its own
handler and :mod:`~pharmacy_desk.relay.http.request_guard`, which may refuse any URL), keeping 422 for
"refused by the order's rules". :func:`install` rewrites the generated document once:

- the automatic 422 is dropped (an operation's own 422, e.g. a refused action, stays);
- every operation documents 400 (:class:`InvalidRequest`; the webhook door keeps its own shape);
- every counter-PC operation with a body documents 413 (the guard's body limit).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from pydantic import BaseModel

_FASTAPI_422 = "Validation Error"
_WEBHOOK_PREFIX = "/kuper/webhooks"


class RequestError(BaseModel):
    loc: list[str | int]
    msg: str


class InvalidRequest(BaseModel):
    """400: the request does not fit (``errors`` names each field: ``["body", "operator"]``)."""

    code: str
    message: str
    errors: list[RequestError] = []


class TooLarge(BaseModel):
    code: str
    message: str


def _ref(name: str) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}


def _rewrite(document: dict[str, Any]) -> dict[str, Any]:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    for model in (RequestError, InvalidRequest, TooLarge):
        schemas[model.__name__] = model.model_json_schema(ref_template="#/components/schemas/{model}")
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            if responses.get("422", {}).get("description") == _FASTAPI_422:
                del responses["422"]
            if path.startswith(_WEBHOOK_PREFIX):
                continue  # documents its own 400/413 in its shape
            responses.setdefault("400", {"description": "The request does not fit", **_ref("InvalidRequest")})
            if method in ("post", "put", "patch"):
                responses.setdefault("413", {"description": "Body larger than the limit", **_ref("TooLarge")})
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    return document


def install(app: FastAPI) -> None:
    """Make ``app.openapi()`` return the rewritten document (built once, then cached)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = get_openapi(
                title=app.title,
                version=app.version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = _rewrite(document)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
