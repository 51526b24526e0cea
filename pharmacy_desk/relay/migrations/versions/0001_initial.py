"""Initial schema: the tables of ``pharmacy_desk.relay.storage.schema`` as first released.

Revision ID: 0001_initial
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001_initial"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL wants BIGINT for logs that grow.
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "store_counters",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("last_number", sa.BigInteger(), nullable=False),
        sa.Column("last_event_id", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("store", name="pk_store_counters"),
    )
    op.create_table(
        "webhooks",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("received_at", TZ, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("order_uuid", sa.String(200), nullable=True),
        sa.Column("dedupe_key", sa.String(128), nullable=False),
        sa.Column("request_key", sa.String(128), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("headers", sa.Text(), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
        sa.UniqueConstraint("dedupe_key", name="uq_webhooks_dedupe_key"),
        sa.UniqueConstraint("request_key", name="uq_webhooks_request_key"),
    )
    op.create_index("ix_webhooks_store_order", "webhooks", ["store", "order_uuid"])
    op.create_table(
        "orders",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("kuper_id", sa.String(200), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("flow", sa.String(32), nullable=False),
        sa.Column("state", sa.String(32), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("pickup_code", sa.String(16), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("snapshot", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.UniqueConstraint("store", "kuper_id", name="uq_orders_store_kuper_id"),
        sa.UniqueConstraint("store", "number", name="uq_orders_store_number"),
    )
    op.create_index("ix_orders_store_open", "orders", ["store", "is_open"])
    op.create_table(
        "marking_codes",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("code", sa.String(255), nullable=False),
        sa.Column("order_id", BigId, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_marking_codes_order_id_orders"),
        sa.PrimaryKeyConstraint("store", "code", name="pk_marking_codes"),
    )
    op.create_table(
        "store_events",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("event_id", sa.BigInteger(), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("order_id", BigId, nullable=True),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("store", "event_id", name="pk_store_events"),
    )
    op.create_table(
        "devices",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("name", sa.String(100), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("revoked_at", TZ, nullable=True),
        sa.Column("last_seen_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_devices"),
        sa.UniqueConstraint("token_hash", name="uq_devices_token_hash"),
    )
    op.create_table(
        "actions",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("idempotency_key", sa.String(128), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("operator", sa.String(100), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("request", sa.Text(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=False),
        sa.Column("response", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_actions_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_actions"),
        sa.UniqueConstraint("store", "idempotency_key", name="uq_actions_store_idempotency_key"),
    )
    op.create_index("ix_actions_order", "actions", ["order_id"])
    op.create_table(
        "outbox",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("event_type", sa.String(64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_outbox_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_outbox"),
    )
    op.create_index("ix_outbox_due", "outbox", ["status", "next_attempt_at"])
    op.create_index("ix_outbox_order", "outbox", ["order_id", "id"])


def downgrade() -> None:
    op.drop_table("outbox")
    op.drop_table("actions")
    op.drop_table("devices")
    op.drop_table("store_events")
    op.drop_table("marking_codes")
    op.drop_table("orders")
    op.drop_table("webhooks")
    op.drop_table("store_counters")
