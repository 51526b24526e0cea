"""PostgreSQL: NOTIFY the relay processes from the writer's transaction (new stream events, revoked devices).

- ``store_events``: a statement-level trigger sends one ``pharmacy_desk_events`` notification per store
  an ``INSERT`` wrote to, payload ``<store>:<highest event id written>``;
- ``devices``: a row trigger sends ``pharmacy_desk_devices``, payload ``<store>:<device id>``, when a
  device is revoked.

PostgreSQL delivers them at ``COMMIT`` (never for a rolled-back transaction), to every session that
``LISTEN``s (one per relay process: :mod:`pharmacy_desk.relay.stream.listener`). Being triggers, they also
fire for writes the relay's code does not route through one function (the CLI revoking a device).
Nothing on SQLite (one relay process: its in-process wake-ups are enough).

Revision ID: 0007_stream_notify
Revises: 0003_stock_retries_acks
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0007_stream_notify"
down_revision: str | None = "0006_inventory_products"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPGRADE = (
    """
    CREATE FUNCTION pharmacy_desk_notify_events() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('pharmacy_desk_events', written.store || ':' || written.last_id)
        FROM (SELECT store, max(event_id) AS last_id FROM new_events GROUP BY store) AS written;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER store_events_notify AFTER INSERT ON store_events
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION pharmacy_desk_notify_events()
    """,
    """
    CREATE FUNCTION pharmacy_desk_notify_revoked() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('pharmacy_desk_devices', NEW.store || ':' || NEW.id);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER devices_notify_revoked AFTER UPDATE OF revoked_at ON devices
    FOR EACH ROW WHEN (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL)
    EXECUTE FUNCTION pharmacy_desk_notify_revoked()
    """,
)

_DOWNGRADE = (
    "DROP TRIGGER IF EXISTS devices_notify_revoked ON devices",
    "DROP FUNCTION IF EXISTS pharmacy_desk_notify_revoked()",
    "DROP TRIGGER IF EXISTS store_events_notify ON store_events",
    "DROP FUNCTION IF EXISTS pharmacy_desk_notify_events()",
)


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _UPGRADE:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for statement in _DOWNGRADE:
        op.execute(statement)
