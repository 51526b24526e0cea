"""Alembic environment of the relay: run only through :func:`pharmacy_desk.relay.storage.migrate.upgrade`.

The caller hands over a live (sync-facing) connection in ``config.attributes["connection"]``,
already inside its transaction, so the whole upgrade commits or rolls back as one. The target is the
relay's tables and the embedded stock's (``inventory_*``, revision 0002).
"""

from __future__ import annotations

from alembic import context

from pharmacy_desk.inventory.embedded.tables import metadata as inventory_metadata
from pharmacy_desk.relay.storage.schema import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("relay migrations run through pharmacy_desk.relay.storage.migrate, not the alembic command line")

context.configure(
    connection=connection,
    target_metadata=[metadata, inventory_metadata],
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
