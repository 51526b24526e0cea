"""Keeping secrets out of logs: :func:`redact` for headers and bodies.

Secrets are the client secret, access tokens, the webhook ``Client-Token``/Basic credentials and the
customer's pickup code (``pickupCode``).
:func:`redact` masks them by key (headers, JSON objects, form bodies) and, in any text, masks
``Bearer <token>`` and every exact value passed in ``secrets`` (the client passes its own secret and
current token, so a secret echoed where no key names it is masked too).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any, overload
from urllib.parse import parse_qsl, urlencode

MASK = "***"

SENSITIVE_KEYS = frozenset(
    {
        "authorization",
        "proxy_authorization",
        "client_token",
        "client_secret",
        "access_token",
        "refresh_token",
        "id_token",
        "token",
        "password",
        "secret",
        "api_key",
        "x_api_key",
        "cookie",
        "set_cookie",
        "pickupcode",  # the customer's pickup code (order.pickup_code_created): Kuper's, not the log's
    }
)
"""Keys (case-insensitive, ``-`` and ``_`` alike) whose values are never logged."""

_BEARER = re.compile(r"(?i)\b(bearer|basic)\s+[^\s\",;]+")
_FORM = re.compile(r"^[\w.~%+\-]+=[^&\s]*(?:&[\w.~%+\-]+=[^&\s]*)*$")


def is_sensitive(key: str) -> bool:
    """True when a header/field named ``key`` holds a secret."""
    return key.strip().lower().replace("-", "_") in SENSITIVE_KEYS


@overload
def redact(value: Mapping[str, Any], *, secrets: Iterable[str | None] = ()) -> dict[str, Any]: ...
@overload
def redact(value: str | bytes, *, secrets: Iterable[str | None] = ()) -> str: ...
def redact(value: Mapping[str, Any] | str | bytes, *, secrets: Iterable[str | None] = ()) -> dict[str, Any] | str:
    """A copy of headers / a JSON object (→ dict) or a body (→ text) with secrets masked."""
    known = [secret for secret in secrets if secret]
    if isinstance(value, Mapping):
        return _redact_mapping(value, known)
    if isinstance(value, bytes):
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            return f"<{len(value)} bytes, not UTF-8>"
    return _redact_text(value, known)


def _redact_mapping(value: Mapping[str, Any], secrets: list[str]) -> dict[str, Any]:
    return {key: _mask_value(value[key]) if is_sensitive(key) else _redact_any(value[key], secrets) for key in value}


def _redact_any(value: Any, secrets: list[str]) -> Any:
    if isinstance(value, Mapping):
        return _redact_mapping(value, secrets)
    if isinstance(value, list | tuple):
        return [_redact_any(item, secrets) for item in value]
    if isinstance(value, str):
        return _scrub(value, secrets)
    return value


def _mask_value(value: Any) -> str:
    if isinstance(value, str):
        scheme, _, rest = value.partition(" ")
        if rest and scheme.lower() in ("bearer", "basic"):
            return f"{scheme} {MASK}"
    return MASK


def _redact_text(text: str, secrets: list[str]) -> str:
    stripped = text.strip()
    if stripped[:1] in ("{", "["):
        try:
            decoded = json.loads(stripped)
        except json.JSONDecodeError:
            pass
        else:
            return json.dumps(_redact_any(decoded, secrets), ensure_ascii=False)
    if _FORM.match(stripped):
        pairs = parse_qsl(stripped, keep_blank_values=True)
        masked = [(key, MASK if is_sensitive(key) else _scrub(item, secrets)) for key, item in pairs]
        return urlencode(masked, safe="*")
    return _scrub(text, secrets)


def _scrub(text: str, secrets: list[str]) -> str:
    text = _BEARER.sub(lambda match: f"{match.group(1)} {MASK}", text)
    for secret in secrets:
        text = text.replace(secret, MASK)
    return text
