"""The pickup code stays a secret of the relay and Kuper: its key, and what is scrubbed where.

The code is the customer's proof of presence. The relay hands it to Kuper (the
``order.pickup_code_created`` notification) and to no one else:

- the order keeps only its keyed digest (HMAC-SHA256, :func:`pharmacy_desk.domain.pickup_code_digest`)
  under the key :func:`load_pickup_key` returns; the digest is in the stored snapshot and the
  ``orders.pickup_code_digest`` column (uniqueness among waiting orders), never in an API answer or
  a stream event (the domain leaves it out of every dump but the stored snapshot);
- a ``verify_pickup_code`` request is stored with the code masked (:func:`stored_request`);
- the outbox row carries the code until Kuper has it (done, or its "already processed"), then the
  code in the body is replaced by :data:`REDACTED` (:func:`sent_body`);
- the Kuper client's log lines mask ``pickupCode`` (:mod:`pharmacy_desk.kuper.redaction`).

The key is made by the relay itself (32 random bytes) and kept in ``relay_secrets``, apart from the
orders, so a leaked answer, log or table dump of orders/actions/outbox reveals nothing. Limit,
written down: with the whole database (key included), the digest of a 4-digit code is found by
trying all 10,000 codes.
"""

from __future__ import annotations

import json
import secrets

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.kuper import names
from pharmacy_desk.kuper.vocabulary import NotificationEvent
from pharmacy_desk.relay.storage.schema import relay_secrets

KEY_NAME = "pickup_code_key"
REDACTED = "redacted"
"""What replaces a code in a stored row once it must not be there."""


async def load_pickup_key(engine: AsyncEngine) -> bytes:
    """The key of the code digests: read from ``relay_secrets``, made on first use (race-safe)."""
    for _ in range(2):
        async with engine.connect() as conn:
            value = (
                await conn.execute(select(relay_secrets.c.value).where(relay_secrets.c.name == KEY_NAME))
            ).scalar_one_or_none()
        if value is not None:
            return bytes.fromhex(value)
        try:
            async with engine.begin() as conn:
                await conn.execute(insert(relay_secrets).values(name=KEY_NAME, value=secrets.token_hex(32)))
        except IntegrityError:
            continue  # another relay process made it first: read theirs
    raise RuntimeError("the pickup code key could not be read or made")  # pragma: no cover


def stored_request(request_json: str) -> str:
    """An action request as stored: a ``verify_pickup_code``'s code masked."""
    data = json.loads(request_json)
    action = data.get("action")
    if isinstance(action, dict) and "code" in action:
        action["code"] = REDACTED
    return json.dumps(data, ensure_ascii=False)


def sent_body(event_type: str, body: str) -> str:
    """The outbox body to keep once Kuper has the notification: without the pickup code."""
    if event_type != NotificationEvent.ORDER_PICKUP_CODE_CREATED.value:
        return body
    data = json.loads(body)
    payload = data.get(names.PAYLOAD)
    if isinstance(payload, dict) and names.PICKUP_CODE in payload:
        payload[names.PICKUP_CODE] = REDACTED
    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
