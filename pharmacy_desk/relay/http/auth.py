"""Who may talk to the relay.

- **Kuper's webhooks**: HTTP Basic or a ``Client-Token`` header (either passes when both are
  configured), compared in constant time. A store's own ``webhook_auth`` replaces the global one for
  ``/kuper/webhooks/{store}``; on the path without a store, a store's own credentials authenticate
  webhooks of that store only.
- **Counter PCs**: ``Authorization: Bearer <device token>``; a device sees its own store only
  (401 without a valid, unrevoked token; 403 for another store).
"""

from __future__ import annotations

import base64
import binascii
import hmac
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.datastructures import Headers

from pharmacy_desk.kuper.names import CLIENT_TOKEN_HEADER
from pharmacy_desk.relay.config import RelayConfig, WebhookAuth
from pharmacy_desk.relay.state import RelayState, relay_state
from pharmacy_desk.relay.storage.devices import Device, device_by_token


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def _basic_credentials(headers: Headers) -> tuple[str, str] | None:
    value = headers.get("authorization", "")
    scheme, _, encoded = value.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    user, sep, password = decoded.partition(":")
    return (user, password) if sep else None


def credentials_match(headers: Headers, auth: WebhookAuth) -> bool:
    """True when the request carries valid Basic credentials or the right ``Client-Token``."""
    ok = False
    if auth.client_token is not None:
        token = headers.get(CLIENT_TOKEN_HEADER)  # Starlette headers are case-insensitive
        if token is not None:
            ok |= _same(token, auth.client_token.get_secret_value())
    if auth.basic_user is not None and auth.basic_password is not None:
        given = _basic_credentials(headers)
        if given is not None:
            user_ok = _same(given[0], auth.basic_user)
            password_ok = _same(given[1], auth.basic_password.get_secret_value())
            ok |= user_ok and password_ok
    return ok


@dataclass(frozen=True)
class WebhookCaller:
    """An authenticated webhook; ``store`` is set when store-specific credentials matched."""

    store: str | None


def authenticate_webhook(config: RelayConfig, headers: Headers, path_store: str | None) -> WebhookCaller | None:
    """The authenticated caller, or ``None`` (answer 401)."""
    if path_store is not None:
        store = config.store(path_store)
        if store is not None and store.webhook_auth is not None and store.webhook_auth.configured:
            return WebhookCaller(store.key) if credentials_match(headers, store.webhook_auth) else None
        if config.webhook_auth.configured and credentials_match(headers, config.webhook_auth):
            return WebhookCaller(None)
        return None
    if config.webhook_auth.configured and credentials_match(headers, config.webhook_auth):
        return WebhookCaller(None)
    for store in config.stores:
        own = store.webhook_auth
        if own is not None and own.configured and credentials_match(headers, own):
            return WebhookCaller(store.key)
    return None


# --- counter PCs ---------------------------------------------------------------------------------

bearer = HTTPBearer(auto_error=False, description="Device token from `pharmacy-desk-relay device add`")

_UNAUTHORIZED = HTTPException(
    status_code=401,
    detail={"code": "unauthorized", "message": "Устройство не авторизовано: нужен действующий токен"},
    headers={"WWW-Authenticate": "Bearer"},
)


async def current_device(
    state: Annotated[RelayState, Depends(relay_state)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Device:
    if credentials is None or credentials.scheme.lower() != "bearer" or not credentials.credentials:
        raise _UNAUTHORIZED
    device = await device_by_token(state.engine, credentials.credentials)
    if device is None:
        raise _UNAUTHORIZED
    return device


async def store_device(store: str, request: Request, device: Annotated[Device, Depends(current_device)]) -> Device:
    """The device, checked to belong to the ``{store}`` of the path."""
    if device.store != store:
        raise HTTPException(
            status_code=403,
            detail={"code": "other_store", "message": "Это устройство привязано к другой аптеке"},
        )
    request.state.device = device
    return device
