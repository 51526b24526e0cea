"""Orders known by Kuper's originalOrderId too (a webhook may name an order by it alone).

Revision ID: 0004_original_order_id
Revises: 0003_stock_retries_acks
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_original_order_id"
down_revision: str | None = "0003_stock_retries_acks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(sa.Column("original_order_id", sa.String(200), nullable=True))
    op.create_index("ix_orders_store_original_id", "orders", ["store", "original_order_id"])


def downgrade() -> None:
    op.drop_index("ix_orders_store_original_id", table_name="orders")
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("original_order_id")
