"""The embedded stock's product attributes per SKU (``inventory_products``).

Revision ID: 0004_inventory_products
Revises: 0003_stock_retries_acks
Create Date: 2026-12-01

Marking, dispensing rule, storage, МНН / form / dose / pack size and shelf price of each SKU of a
store, from the stock file's optional columns (docs/stock-csv.md). Self-contained: only creates the
table.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004_inventory_products"
down_revision: str | None = "0003_stock_retries_acks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inventory_products",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("marked", sa.Boolean(), nullable=True),
        sa.Column("dispensing", sa.String(16), nullable=True),
        sa.Column("storage", sa.String(8), nullable=True),
        sa.Column("inn", sa.String(200), nullable=True),
        sa.Column("form", sa.String(100), nullable=True),
        sa.Column("dose", sa.String(100), nullable=True),
        sa.Column("pack_size", sa.Integer(), nullable=True),
        sa.Column("shelf_price_kopecks", sa.BigInteger(), nullable=True),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("store", "sku", name="pk_inventory_products"),
        sa.CheckConstraint("pack_size IS NULL OR pack_size > 0", name="ck_inventory_products_pack_size_positive"),
        sa.CheckConstraint(
            "shelf_price_kopecks IS NULL OR shelf_price_kopecks >= 0",
            name="ck_inventory_products_shelf_price_non_negative",
        ),
    )


def downgrade() -> None:
    op.drop_table("inventory_products")
