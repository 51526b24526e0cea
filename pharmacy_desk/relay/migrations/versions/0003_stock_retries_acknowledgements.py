"""Stock effects to retry, and shared acknowledgements of new orders.

Revision ID: 0003_stock_retries_acks
Revises: 0002_inventory
Create Date: 2026-11-23
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003_stock_retries_acks"
down_revision: str | None = "0002_inventory"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "stock_retries",
        sa.Column("order_id", BigId, autoincrement=False, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("number", sa.String(64), nullable=False),
        sa.Column("decide", sa.Boolean(), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", TZ, nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("created_at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_stock_retries_order_id_orders"),
        sa.PrimaryKeyConstraint("order_id", name="pk_stock_retries"),
    )
    op.create_index("ix_stock_retries_due", "stock_retries", ["next_attempt_at"])
    op.create_table(
        "acknowledgements",
        sa.Column("order_id", BigId, autoincrement=False, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("device_id", sa.String(36), nullable=False),
        sa.Column("device_name", sa.String(100), nullable=False),
        sa.Column("operator", sa.String(100), nullable=True),
        sa.Column("at", TZ, nullable=False),
        sa.ForeignKeyConstraint(["order_id"], ["orders.id"], name="fk_acknowledgements_order_id_orders"),
        sa.PrimaryKeyConstraint("order_id", name="pk_acknowledgements"),
    )


def downgrade() -> None:
    op.drop_table("acknowledgements")
    op.drop_index("ix_stock_retries_due", table_name="stock_retries")
    op.drop_table("stock_retries")
