"""Alembic migrations build exactly ``schema.py``'s tables and the embedded stock's, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect, select

from pharmacy_desk.domain import Order, pickup_code_digest
from pharmacy_desk.inventory.embedded.tables import metadata as inventory_metadata
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.schema import metadata, relay_secrets


def _diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, [metadata, inventory_metadata]))  # type: ignore[arg-type]  # alembic takes a list too


async def test_upgrade_builds_the_schema_and_is_idempotent(database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        await migrate.upgrade(engine)
        await migrate.upgrade(engine)
        assert await migrate.current_revision(engine) == migrate.head_revision()
        assert await migrate.is_up_to_date(engine)
        async with engine.connect() as conn:
            assert await conn.run_sync(_diff) == []
            tables = set(await conn.run_sync(lambda c: inspect(c).get_table_names()))
        assert set(metadata.tables) | set(inventory_metadata.tables) <= tables
    finally:
        await engine.dispose()


async def test_an_empty_database_is_not_up_to_date(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/empty.sqlite3")
    try:
        assert await migrate.current_revision(engine) is None
        assert not await migrate.is_up_to_date(engine)
    finally:
        await engine.dispose()


def test_migration_scripts_are_package_data() -> None:
    scripts = sorted(p.name for p in (migrate.MIGRATIONS_DIR / "versions").glob("*.py"))
    assert scripts[:3] == ["0001_initial.py", "0002_inventory.py", "0003_stock_retries_acknowledgements.py"]
    assert {
        "0004_original_order_id.py",
        "0005_pickup_code_secret.py",
        "0006_inventory_products.py",
        "0007_stream_notify.py",
        "0008_feed_pauses.py",
        "0009_outbox_notify_jobs.py",
    } <= set(scripts)
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()


def _upgrade_to(connection: Connection, revision: str) -> None:
    config = migrate.alembic_config()
    config.attributes["connection"] = connection
    command.upgrade(config, revision)


async def test_0005_turns_stored_pickup_codes_into_digests(tmp_path: object) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path}/old.sqlite3")
    now = datetime(2026, 11, 30, tzinfo=UTC)
    snapshot = {
        "store": "s",
        "number": "A-1",
        "kuper_id": "k-1",
        "flow": "pickup",
        "state": "awaiting_pickup",
        "created_at": now.isoformat(),
        "ordered": [],
        "composition": [],
        "pickup": {"code": "4821", "issued_at": now.isoformat()},
    }
    Order.model_validate({**snapshot, "pickup": {"issued_at": now.isoformat()}})  # the rest is a valid order
    try:
        async with engine.begin() as conn:
            await conn.run_sync(_upgrade_to, "0003_stock_retries_acks")
            order_values = {
                "store": "s",
                "kuper_id": "k-1",
                "number": "A-1",
                "flow": "pickup",
                "state": "awaiting_pickup",
                "is_open": True,
                "pickup_code": "4821",
                "version": 1,
                "snapshot": json.dumps(snapshot),
                "created_at": now,
                "updated_at": now,
            }
            cols = ", ".join(order_values)
            await conn.exec_driver_sql(
                f"INSERT INTO orders ({cols}) VALUES ({', '.join('?' for _ in order_values)})",
                tuple(order_values.values()),
            )
            request = {"action": {"kind": "verify_pickup_code", "code": "4821"}, "expected_version": 1}
            response = {"order": snapshot}
            await conn.exec_driver_sql(
                "INSERT INTO actions (store, order_id, idempotency_key, device_id, kind, request, status_code,"
                " response, created_at) VALUES ('s', 1, 'k', 'd', 'verify_pickup_code', ?, 200, ?, ?)",
                (json.dumps(request), json.dumps(response), now),
            )
            body = {"event_type": "order.pickup_code_created", "payload": {"pickupCode": "4821"}}
            await conn.exec_driver_sql(
                "INSERT INTO outbox (store, order_id, event_type, body, status, attempts, next_attempt_at, created_at)"
                " VALUES ('s', 1, 'order.pickup_code_created', ?, 'done', 1, ?, ?)",
                (json.dumps(body), now, now),
            )
        await migrate.upgrade(engine)
        async with engine.connect() as conn:
            key = bytes.fromhex((await conn.execute(select(relay_secrets.c.value))).scalar_one())
            order_row = (await conn.exec_driver_sql("SELECT snapshot, pickup_code_digest FROM orders")).one()
            action_row = (await conn.exec_driver_sql("SELECT request, response FROM actions")).one()
            outbox_body = (await conn.exec_driver_sql("SELECT body FROM outbox")).scalar_one()
        order = Order.model_validate_json(order_row.snapshot)
        assert order.pickup is not None and order.pickup.digest == pickup_code_digest("4821", key)
        assert order_row.pickup_code_digest == order.pickup.digest
        for text in (order_row.snapshot, action_row.request, action_row.response, outbox_body):
            assert "4821" not in text
    finally:
        await engine.dispose()
