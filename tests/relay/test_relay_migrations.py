"""Alembic migrations build exactly ``schema.py``'s tables and the embedded stock's, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection, inspect

from pharmacy_desk.inventory.embedded.tables import metadata as inventory_metadata
from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.schema import metadata


def _diff(conn: Connection) -> list[object]:
    context = MigrationContext.configure(conn, opts={"compare_type": True})
    return list(compare_metadata(context, [metadata, inventory_metadata]))


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
    expected = {
        "0001_initial.py",
        "0002_inventory.py",
        "0003_stock_retries_acknowledgements.py",
        "0004_inventory_products.py",
        "0005_feed_pauses.py",
    }
    assert expected <= set(scripts)
    assert (migrate.MIGRATIONS_DIR / "env.py").is_file()
