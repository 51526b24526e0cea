"""Outbox wake-ups across relay processes (PostgreSQL NOTIFY) and the turns of periodic jobs.

- ``outbox`` (PostgreSQL only): a statement trigger on ``INSERT`` and a row trigger on a row put back
  to ``pending`` (a staff retry) send ``pharmacy_desk_outbox`` (payload: the store), delivered at
  ``COMMIT`` to every relay process's ``LISTEN`` connection: the outbox workers of all processes wake
  at once instead of polling (:mod:`pharmacy_desk.relay.outbox.worker`).
- ``worker_jobs`` (both databases): one row per periodic job (``reconcile:<store>``, …) with the time it
  last ran; a process takes a job's turn by a conditional ``UPDATE`` (:func:`~pharmacy_desk.relay.storage.
  exclusive.take_turn`), so several relay processes on one database run it once per interval.

Revision ID: 0009_outbox_notify_jobs
Revises: 0008_feed_pauses
Create Date: 2026-12-02
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_outbox_notify_jobs"
down_revision: str | None = "0008_feed_pauses"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_UPGRADE_PG = (
    """
    CREATE FUNCTION pharmacy_desk_notify_outbox() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('pharmacy_desk_outbox', written.store)
        FROM (SELECT DISTINCT store FROM new_rows) AS written;
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER outbox_notify_insert AFTER INSERT ON outbox
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION pharmacy_desk_notify_outbox()
    """,
    """
    CREATE FUNCTION pharmacy_desk_notify_outbox_row() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        PERFORM pg_notify('pharmacy_desk_outbox', NEW.store);
        RETURN NULL;
    END
    $$
    """,
    """
    CREATE TRIGGER outbox_notify_pending AFTER UPDATE OF status ON outbox
    FOR EACH ROW WHEN (NEW.status = 'pending' AND OLD.status <> 'pending')
    EXECUTE FUNCTION pharmacy_desk_notify_outbox_row()
    """,
)

_DOWNGRADE_PG = (
    "DROP TRIGGER IF EXISTS outbox_notify_pending ON outbox",
    "DROP FUNCTION IF EXISTS pharmacy_desk_notify_outbox_row()",
    "DROP TRIGGER IF EXISTS outbox_notify_insert ON outbox",
    "DROP FUNCTION IF EXISTS pharmacy_desk_notify_outbox()",
)


def upgrade() -> None:
    op.create_table(
        "worker_jobs",
        sa.Column("job", sa.String(200), primary_key=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("process", sa.String(100), nullable=True),
    )
    if op.get_bind().dialect.name == "postgresql":
        for statement in _UPGRADE_PG:
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for statement in _DOWNGRADE_PG:
            op.execute(statement)
    op.drop_table("worker_jobs")
