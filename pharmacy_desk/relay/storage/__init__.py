"""Where the relay keeps things: engine, tables, migrations and the repositories over them.

- :mod:`.db`: the engine (SQLite with WAL and one writer, or PostgreSQL), write transactions, group commit
- :mod:`.sqlite_driver`: the fast aiosqlite path (one trip to the connection's thread per statement)
- :mod:`.schema`: the tables (SQLAlchemy Core), the same on both databases
- :mod:`.migrate`: Alembic upgrade, programmatically (scripts in ``pharmacy_desk/relay/migrations``)
- :mod:`.orders`: orders (the domain snapshot plus queried columns), the store lock
- :mod:`.history`: what happened to an order (webhooks, actions, notifications) for the staff
- :mod:`.store_log`: the per-store event log the PCs stream, and the store's order numbers
- :mod:`.devices`: counter PCs bound to a store, their bearer tokens (hashed), revocation
"""
