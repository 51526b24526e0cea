"""The relay's tables (SQLAlchemy 2 Core), the same on SQLite and PostgreSQL.

Migrations live in ``relay/migrations`` (Alembic); this module is what they build and what the code
queries. JSON is stored as text (``Text``) so both databases keep it byte-for-byte.

- ``store_counters``: per-store sequences: the next order number and the last stream event id.
- ``webhooks``: every accepted Kuper webhook, raw, stored before the answer; ``dedupe_key`` makes a
  redelivery a no-op that gets the same answer (``answer``); ``request_key`` does the same for a
  sender's idempotency header.
- ``orders``: one row per Kuper order: the domain snapshot (``snapshot``, JSON of
  ``pharmacy_desk.domain.Order``) plus the columns we query by.
- ``marking_codes``: a drug pack's marking code can be given in one open order of a store only.
- ``store_events``: the per-store event log the counter PCs stream (SSE ``id`` = ``event_id``).
- ``devices``: counter PCs and their hashed tokens.
- ``actions``: every staff action, with its idempotency key and the answer given.
- ``outbox``: notifications due to Kuper, sent FIFO per order by the outbox worker.
- ``stock_retries``: orders whose stock effect failed (the stock source was down): retried by the
  stock retry loop until the source has the order's current state.
- ``acknowledgements``: who first acknowledged a new order (shared across the store's PCs).
- ``relay_secrets``: keys the relay makes for itself (``pickup_code_key``: the HMAC key of the pickup
  code digests, :mod:`.pickup_secret`).

The embedded stock's tables (``inventory_*``) are on their own metadata in
``pharmacy_desk.inventory.embedded.tables``; the same migrations create them.
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
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

store_counters = Table(
    "store_counters",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("last_number", BigInteger, nullable=False, default=0),
    Column("last_event_id", BigInteger, nullable=False, default=0),
)

webhooks = Table(
    "webhooks",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("order_uuid", String(200), nullable=True),
    Column("dedupe_key", String(128), nullable=False, unique=True),
    # sha256 of the sender's Idempotency-Key / X-Request-Id header, when it sent one
    Column("request_key", String(128), nullable=True, unique=True),
    Column("body", Text, nullable=False),  # the raw request body, as received
    Column("headers", Text, nullable=False),  # JSON, secrets redacted
    # processed | anomaly | duplicate | unknown_order | unknown_type | invalid | unknown_store | error
    Column("status", String(32), nullable=False),
    Column("answer", Text, nullable=False),  # JSON we answered (a redelivery gets the same)
    Column("note", Text, nullable=True),
    Index("ix_webhooks_store_order", "store", "order_uuid"),
)

orders = Table(
    "orders",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(64), nullable=False),
    Column("kuper_id", String(200), nullable=False),
    Column("original_order_id", String(200), nullable=True),  # Kuper's H-number, when it sent one
    Column("number", String(64), nullable=False),
    Column("flow", String(32), nullable=False),
    Column("state", String(32), nullable=False),
    Column("is_open", Boolean, nullable=False),
    # the pickup code's keyed digest (never the code), set while the order waits for pickup
    Column("pickup_code_digest", String(64), nullable=True),
    Column("version", Integer, nullable=False),
    Column("snapshot", Text, nullable=False),  # JSON of pharmacy_desk.domain.Order
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("store", "kuper_id", name="uq_orders_store_kuper_id"),
    UniqueConstraint("store", "number", name="uq_orders_store_number"),
    Index("ix_orders_store_open", "store", "is_open"),
    Index("ix_orders_store_original_id", "store", "original_order_id"),
)

marking_codes = Table(
    "marking_codes",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("code", String(255), primary_key=True),
    Column("order_id", BigId, ForeignKey("orders.id"), nullable=False),
)

store_events = Table(
    "store_events",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("event_id", BigInteger, primary_key=True),  # per-store, monotonic, no gaps
    Column("kind", String(32), nullable=False),  # order | alert | notification | resync
    Column("order_id", BigId, nullable=True),
    Column("payload", Text, nullable=False),  # JSON
    Column("created_at", DateTime(timezone=True), nullable=False),
)

devices = Table(
    "devices",
    metadata,
    Column("id", String(36), primary_key=True),  # uuid4 text
    Column("store", String(64), nullable=False),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),  # sha256 hex of the token
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True), nullable=True),
    Column("last_seen_at", DateTime(timezone=True), nullable=True),
)

actions = Table(
    "actions",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(64), nullable=False),
    Column("order_id", BigId, ForeignKey("orders.id"), nullable=False),
    Column("idempotency_key", String(128), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("operator", String(100), nullable=True),
    Column("kind", String(32), nullable=False),
    Column("request", Text, nullable=False),  # JSON
    Column("status_code", Integer, nullable=False),  # the HTTP status answered
    Column("response", Text, nullable=False),  # JSON answered (a retried key gets the same)
    Column("created_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("store", "idempotency_key", name="uq_actions_store_idempotency_key"),
    Index("ix_actions_order", "order_id"),
    Index("ix_actions_store_kind_at", "store", "kind", "created_at"),  # attempt budgets (verify_budget)
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),  # FIFO per order = id order per order_id
    Column("store", String(64), nullable=False),
    Column("order_id", BigId, ForeignKey("orders.id"), nullable=False),
    Column("event_type", String(64), nullable=False),
    Column("body", Text, nullable=False),  # the wire JSON to POST to Kuper
    Column("status", String(16), nullable=False),  # pending | retrying | done | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),  # Kuper's error body or our time-out text
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    Index("ix_outbox_due", "status", "next_attempt_at"),
    Index("ix_outbox_order", "order_id", "id"),
)

stock_retries = Table(
    "stock_retries",
    metadata,
    Column("order_id", BigId, ForeignKey("orders.id"), primary_key=True, autoincrement=False),
    Column("store", String(64), nullable=False),
    Column("number", String(64), nullable=False),
    # the reservation at order.created never answered: decide (flag / cancel) once it does
    Column("decide", Boolean, nullable=False),
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_error", Text, nullable=True),  # Russian, as shown on the order
    Column("created_at", DateTime(timezone=True), nullable=False),
    Index("ix_stock_retries_due", "next_attempt_at"),
)

acknowledgements = Table(
    "acknowledgements",
    metadata,
    Column("order_id", BigId, ForeignKey("orders.id"), primary_key=True, autoincrement=False),
    Column("store", String(64), nullable=False),
    Column("device_id", String(36), nullable=False),
    Column("device_name", String(100), nullable=False),
    Column("operator", String(100), nullable=True),
    Column("at", DateTime(timezone=True), nullable=False),
)

relay_secrets = Table(
    "relay_secrets",
    metadata,
    Column("name", String(64), primary_key=True),
    Column("value", String(128), nullable=False),  # hex
)

# --- stock and price feed to Kuper, store pauses (pharmacy_desk.relay.feed) ---------------------

feed_items = Table(
    "feed_items",
    metadata,
    # the latest value per store + SKU + kind; one request in flight per row (status "sending")
    Column("store", String(64), primary_key=True),
    Column("sku", String(200), primary_key=True),
    Column("kind", String(8), primary_key=True),  # stock | price
    Column("value", Text, nullable=False),  # JSON of the record without offer/outlet ids
    Column("version", Integer, nullable=False),  # + 1 each time the value is staged
    Column("sent_version", Integer, nullable=False, default=0),  # the version Kuper last accepted
    Column("sent_value", Text, nullable=True),
    Column("status", String(16), nullable=False),  # pending | sending | retrying | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("last_status_code", Integer, nullable=True),
    Column("last_error", Text, nullable=True),
    Column("staged_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    # the claim walks this index in order: due rows of one kind and status, oldest first, then by store and SKU
    Index("ix_feed_items_due", "kind", "status", "next_attempt_at", "store", "sku"),
)

feed_stores = Table(
    "feed_stores",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("last_delta_at", DateTime(timezone=True), nullable=True),
    Column("last_full_at", DateTime(timezone=True), nullable=True),
    Column("stock_mark", String(200), nullable=True),  # what the stock looked like at the last delta
    Column("last_error", Text, nullable=True),  # the stock source's failure at the last look
    Column("updated_at", DateTime(timezone=True), nullable=False),
)

store_pauses = Table(
    "store_pauses",
    metadata,
    Column("store", String(64), primary_key=True),
    Column("paused", Boolean, nullable=False),
    Column("until", DateTime(timezone=True), nullable=True),  # None while paused: until resumed
    Column("device_name", String(100), nullable=True),
    Column("operator", String(100), nullable=True),
    Column("changed_at", DateTime(timezone=True), nullable=False),
    Column("kuper_state", String(16), nullable=False),  # sent | pending | failed
    Column("kuper_error", Text, nullable=True),
)

worker_jobs = Table(
    "worker_jobs",
    metadata,
    # periodic jobs shared by the relay processes of one database (storage.exclusive.take_turn)
    Column("job", String(200), primary_key=True),  # reconcile:<store>, no-shows, …
    Column("last_run_at", DateTime(timezone=True), nullable=False),
    Column("process", String(100), nullable=True),  # host:pid of the process that took the last turn
)

pickup_messages = Table(
    "pickup_messages",
    metadata,
    # the pickup code repeated to the customer (pharmacy_desk.relay.messages): one row per order + channel
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("store", String(64), nullable=False),
    Column("order_id", BigId, ForeignKey("orders.id"), nullable=False),
    Column("channel", String(8), nullable=False),  # sms | email
    Column("recipient", String(200), nullable=False),  # masked: +7 916 ***-**-67, a***@example.ru
    Column("status", String(16), nullable=False),  # sending | sent | failed | lost
    Column("attempts", Integer, nullable=False, default=0),
    Column("last_error", Text, nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("sent_at", DateTime(timezone=True), nullable=True),
    UniqueConstraint("order_id", "channel", name="uq_pickup_messages_order_channel"),
)
