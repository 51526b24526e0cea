"""The embedded stock's tables (``pharmacy_desk.inventory.embedded.tables``): batches, reservations, sales.

Revision ID: 0002_inventory
Revises: 0001_initial
Create Date: 2026-11-23

Written out (not ``metadata.create_all``) so the revision stays what it was when the tables change
later; ``tests/relay/test_relay_migrations.py`` checks it builds exactly the inventory's metadata.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002_inventory"
down_revision: str | None = "0001_initial"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
TZ = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "inventory_batches",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("name", sa.String(500), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("series", sa.String(100), nullable=False),
        sa.Column("expiry", sa.Date(), nullable=False),
        sa.Column("location", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("reserved", sa.Integer(), nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inventory_batches"),
        sa.UniqueConstraint("store", "sku", "series", "location", name="uq_inventory_batches_key"),
        sa.CheckConstraint("quantity >= 0", name="ck_inventory_batches_quantity_non_negative"),
        sa.CheckConstraint("reserved >= 0", name="ck_inventory_batches_reserved_non_negative"),
    )
    op.create_index("ix_inventory_batches_store_sku", "inventory_batches", ["store", "sku"])
    op.create_table(
        "inventory_orders",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("order_key", sa.String(200), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("requested", sa.Text(), nullable=False),
        sa.Column("created_at", TZ, nullable=False),
        sa.Column("updated_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("store", "order_key", name="pk_inventory_orders"),
    )
    op.create_table(
        "inventory_reservations",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("order_key", sa.String(200), nullable=False),
        sa.Column("batch_id", BigId, nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("series", sa.String(100), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inventory_reservations"),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["inventory_batches.id"], name="fk_inventory_reservations_batch_id_inventory_batches"
        ),
        sa.UniqueConstraint("store", "order_key", "batch_id", name="uq_inventory_reservations_key"),
        sa.CheckConstraint("quantity > 0", name="ck_inventory_reservations_quantity_positive"),
    )
    op.create_index("ix_inventory_reservations_batch", "inventory_reservations", ["batch_id"])
    op.create_table(
        "inventory_movements",
        sa.Column("id", BigId, autoincrement=True, nullable=False),
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("order_key", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("sku", sa.String(200), nullable=False),
        sa.Column("batch_id", BigId, nullable=True),
        sa.Column("series", sa.String(100), nullable=True),
        sa.Column("expiry", sa.Date(), nullable=True),
        sa.Column("gtin", sa.String(14), nullable=True),
        sa.Column("location", sa.String(100), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_inventory_movements"),
        sa.CheckConstraint("quantity > 0", name="ck_inventory_movements_quantity_positive"),
    )
    op.create_index("ix_inventory_movements_order", "inventory_movements", ["store", "order_key"])
    op.create_table(
        "inventory_pack_serials",
        sa.Column("store", sa.String(64), nullable=False),
        sa.Column("gtin", sa.String(14), nullable=False),
        sa.Column("serial", sa.String(20), nullable=False),
        sa.Column("sku", sa.String(200), nullable=True),
        sa.Column("series", sa.String(100), nullable=False),
        sa.Column("recorded_at", TZ, nullable=False),
        sa.PrimaryKeyConstraint("store", "gtin", "serial", name="pk_inventory_pack_serials"),
    )


def downgrade() -> None:
    op.drop_table("inventory_pack_serials")
    op.drop_index("ix_inventory_movements_order", table_name="inventory_movements")
    op.drop_table("inventory_movements")
    op.drop_index("ix_inventory_reservations_batch", table_name="inventory_reservations")
    op.drop_table("inventory_reservations")
    op.drop_table("inventory_orders")
    op.drop_index("ix_inventory_batches_store_sku", table_name="inventory_batches")
    op.drop_table("inventory_batches")
