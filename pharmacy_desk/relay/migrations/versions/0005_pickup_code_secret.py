"""The pickup code leaves the database: a keyed digest instead, the key in ``relay_secrets``.

Makes the key (32 random bytes), rewrites every stored snapshot that holds a code (``pickup.code`` →
``pickup.digest``), masks the code in stored ``verify_pickup_code`` requests and in stored action
answers, redacts it from outbox rows Kuper already has, and replaces ``orders.pickup_code`` by
``orders.pickup_code_digest``; indexes ``actions`` by (store, kind, time) for the code-check attempt
budgets. Self-contained (the digest is computed here, as
``pharmacy_desk.domain.pickup_code_digest`` does: HMAC-SHA256 of the stripped code, hex).

Revision ID: 0005_pickup_code_secret
Revises: 0003_stock_retries_acks
Create Date: 2026-12-01
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0005_pickup_code_secret"
down_revision: str | None = "0004_original_order_id"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

REDACTED = "redacted"


def _digest(code: str, key: bytes) -> str:
    return hmac.new(key, code.strip().encode(), hashlib.sha256).hexdigest()


def _scrub_order(order: Any, key: bytes | None) -> bool:
    """Replace ``pickup.code`` by its digest (``key``) or drop it (``None``: an answer); True if changed."""
    pickup = order.get("pickup") if isinstance(order, dict) else None
    if not isinstance(pickup, dict) or "code" not in pickup:
        return False
    code = pickup.pop("code")
    if key is not None and isinstance(code, str):
        pickup["digest"] = _digest(code, key)
    return True


def upgrade() -> None:
    op.create_table(
        "relay_secrets",
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("value", sa.String(128), nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_relay_secrets"),
    )
    op.add_column("orders", sa.Column("pickup_code_digest", sa.String(64), nullable=True))
    bind = op.get_bind()
    key_hex = secrets.token_hex(32)
    bind.execute(sa.text("INSERT INTO relay_secrets (name, value) VALUES ('pickup_code_key', :v)"), {"v": key_hex})
    key = bytes.fromhex(key_hex)

    for row in bind.execute(sa.text("SELECT id, snapshot, pickup_code FROM orders WHERE snapshot LIKE '%\"code\"%'")):
        snapshot = json.loads(row.snapshot)
        if _scrub_order(snapshot, key):
            digest = _digest(row.pickup_code, key) if row.pickup_code else None
            bind.execute(
                sa.text("UPDATE orders SET snapshot = :s, pickup_code_digest = :d WHERE id = :id"),
                {"s": json.dumps(snapshot, ensure_ascii=False), "d": digest, "id": row.id},
            )

    for row in bind.execute(sa.text("SELECT id, request, response FROM actions")):
        request, response = json.loads(row.request), json.loads(row.response)
        changed = False
        action = request.get("action") if isinstance(request, dict) else None
        if isinstance(action, dict) and "code" in action:
            action["code"] = REDACTED
            changed = True
        if isinstance(response, dict):
            changed = _scrub_order(response.get("order"), None) or changed
        if changed:
            bind.execute(
                sa.text("UPDATE actions SET request = :q, response = :a WHERE id = :id"),
                {
                    "q": json.dumps(request, ensure_ascii=False),
                    "a": json.dumps(response, ensure_ascii=False),
                    "id": row.id,
                },
            )

    sent = sa.text("SELECT id, body FROM outbox WHERE event_type = 'order.pickup_code_created' AND status = 'done'")
    for row in bind.execute(sent):
        body = json.loads(row.body)
        payload = body.get("payload") if isinstance(body, dict) else None
        if isinstance(payload, dict) and "pickupCode" in payload:
            payload["pickupCode"] = REDACTED
            bind.execute(
                sa.text("UPDATE outbox SET body = :b WHERE id = :id"),
                {"b": json.dumps(body, ensure_ascii=False, separators=(",", ":")), "id": row.id},
            )

    op.drop_column("orders", "pickup_code")
    # the attempt budgets count a store's refused code checks in a time window
    op.create_index("ix_actions_store_kind_at", "actions", ["store", "kind", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_actions_store_kind_at", "actions")
    # The codes cannot come back from their digests: orders waiting for pickup need a new code.
    op.add_column("orders", sa.Column("pickup_code", sa.String(16), nullable=True))
    op.drop_column("orders", "pickup_code_digest")
    op.drop_table("relay_secrets")
