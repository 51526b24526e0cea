"""The embedded stock's tables (SQLAlchemy Core) on their own ``MetaData``, SQLite and PostgreSQL alike.

An Alembic revision in the relay creates them (``metadata.create_all`` in tests). Every table starts
with ``inventory_`` so it cannot collide with the relay's.

- ``inventory_batches``: a store's stock, one row per SKU + series + location. ``quantity`` is what is
  on hand (reserved packs included), ``reserved`` the packs held for open orders. Reserving is a
  conditional ``UPDATE … SET reserved = reserved + n WHERE quantity - reserved >= n``, so two orders
  can never hold the same pack. ``reserved`` may exceed ``quantity`` only after a stock import counted
  fewer packs than were reserved (the reservation is kept and the import reports it).
- ``inventory_orders``: one row per store + order key: the reservation's state (reserved / released /
  committed) and the packs requested per SKU (JSON), so a repeated call answers the same.
- ``inventory_reservations``: packs of one batch held for one order.
- ``inventory_movements``: the ledger of what left (``kind`` = ``sale``) per order; a commit writes it
  once, in the same transaction that marks the order committed.
- ``inventory_pack_serials``: series of marked packs (GTIN + serial) recorded on receipt, for
  :meth:`find_series`.
- ``inventory_products``: a store's product attributes per SKU (marking, dispensing rule, storage,
  МНН / form / dose / pack size, shelf price; :mod:`pharmacy_desk.domain.product`), from the stock
  file's optional columns. A column is null when the file does not say; no row: nothing said.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from pharmacy_desk.sqltables import BigId, new_metadata

metadata = new_metadata()

batches = Table(
    "inventory_batches",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(64), nullable=False),
    Column("sku", String(200), nullable=False),
    Column("name", String(500), nullable=False, default=""),
    Column("gtin", String(14), nullable=True),
    Column("series", String(100), nullable=False),
    Column("expiry", Date, nullable=False),
    Column("location", String(100), nullable=False, default=""),  # "" when unknown
    Column("quantity", Integer, nullable=False),
    Column("reserved", Integer, nullable=False, default=0),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("store", "sku", "series", "location", name="uq_inventory_batches_key"),
    CheckConstraint("quantity >= 0", name="quantity_non_negative"),
    CheckConstraint("reserved >= 0", name="reserved_non_negative"),
    Index("ix_inventory_batches_store_sku", "store", "sku"),
)

orders = Table(
    "inventory_orders",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("order_key", String(200), primary_key=True),
    Column("state", String(16), nullable=False),  # reserved | released | committed
    Column("requested", Text, nullable=False),  # JSON {"sku": packs, ...} in the caller's order
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

reservations = Table(
    "inventory_reservations",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(64), nullable=False),
    Column("order_key", String(200), nullable=False),
    Column("batch_id", BigId, ForeignKey("inventory_batches.id"), nullable=False),
    Column("sku", String(200), nullable=False),
    Column("series", String(100), nullable=False),
    Column("quantity", Integer, nullable=False),
    UniqueConstraint("store", "order_key", "batch_id", name="uq_inventory_reservations_key"),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_inventory_reservations_batch", "batch_id"),
)

movements = Table(
    "inventory_movements",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(64), nullable=False),
    Column("order_key", String(200), nullable=False),
    Column("kind", String(16), nullable=False),  # sale
    Column("sku", String(200), nullable=False),
    Column("batch_id", BigId, nullable=True),  # null: the stock did not have these packs (unmatched)
    Column("series", String(100), nullable=True),
    Column("expiry", Date, nullable=True),
    Column("gtin", String(14), nullable=True),
    Column("location", String(100), nullable=True),
    Column("quantity", Integer, nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    CheckConstraint("quantity > 0", name="quantity_positive"),
    Index("ix_inventory_movements_order", "store", "order_key"),
)

pack_serials = Table(
    "inventory_pack_serials",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("gtin", String(14), primary_key=True),
    Column("serial", String(20), primary_key=True),
    Column("sku", String(200), nullable=True),
    Column("series", String(100), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
)

products = Table(
    "inventory_products",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("sku", String(200), primary_key=True),
    Column("marked", Boolean, nullable=True),
    Column("dispensing", String(16), nullable=True),  # otc | rx | narcotic | psychotropic | alcohol | no_remote
    Column("storage", String(8), nullable=True),  # room | cool | cold
    Column("inn", String(200), nullable=True),
    Column("form", String(100), nullable=True),
    Column("dose", String(100), nullable=True),
    Column("pack_size", Integer, nullable=True),
    Column("shelf_price_kopecks", BigInteger, nullable=True),  # kopecks: exact on SQLite too
    Column("updated_at", DateTime(timezone=True), nullable=False),
    CheckConstraint("pack_size IS NULL OR pack_size > 0", name="pack_size_positive"),
    CheckConstraint("shelf_price_kopecks IS NULL OR shelf_price_kopecks >= 0", name="shelf_price_non_negative"),
)
