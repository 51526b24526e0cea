"""The stock and price feed to Kuper (feed_items, feed_stores), store pauses, pickup messages.

Revision ID: 0008_feed_pauses
Revises: 0007_stream_notify
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_feed_pauses"
down_revision: str | None = "0007_stream_notify"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)
BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "feed_items",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(8), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("sent_version", sa.Integer(), nullable=False),
        sa.Column("sent_value", sa.Text(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_status_code", sa.Integer(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("staged_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.PrimaryKeyConstraint("store", "sku", "kind", name="pk_feed_items"),
    )
    op.create_index("ix_feed_items_due", "feed_items", ["kind", "status", "next_attempt_at", "store", "sku"])
    op.create_table(
        "feed_stores",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("last_delta_at", TZ, nullable=True),
        sa.Column("last_full_at", TZ, nullable=True),
        sa.Column("stock_mark", sa.String(200), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("store", name="pk_feed_stores"),
    )
    op.create_table(
        "store_pauses",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("paused", sa.Boolean(), nullable=False),
        sa.Column("until", TZ, nullable=True),
        sa.Column("device_name", sa.String(100), nullable=True),
        sa.Column("operator", sa.String(100), nullable=True),
        sa.Column("changed_at", TZ, nullable=False),
        sa.Column("kuper_state", sa.String(16), nullable=False),
        sa.Column("kuper_error", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("store", name="pk_store_pauses"),
    )

    op.create_table(
        "pickup_messages",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("order_id", BigId, nullable=False),
        sa.Column("channel", sa.String(8), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("sent_at", TZ, nullable=True),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_pickup_messages_order_id_orders"),
        sa.PrimaryKeyConstraint("id", name="pk_pickup_messages"),
        sa.UniqueConstraint("order_id", "channel", name="uq_pickup_messages_order_channel"),
    )


def downgrade() -> None:
    op.drop_table("pickup_messages")
    op.drop_table("store_pauses")
    op.drop_table("feed_stores")
    op.drop_index("ix_feed_items_due", table_name="feed_items")
    op.drop_table("feed_items")
