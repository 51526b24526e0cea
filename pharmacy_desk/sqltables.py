"""What every table definition of ours shares (the relay's and the embedded stock's).

One naming convention, so Alembic migrations name constraints the same on SQLite and PostgreSQL,
and one id type: SQLite only autoincrements ``INTEGER PRIMARY KEY``; PostgreSQL wants ``BIGINT``
for logs that grow.
"""

from __future__ import annotations

from sqlalchemy import BigInteger, Integer, MetaData

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

BigId = BigInteger().with_variant(Integer(), "sqlite")


def new_metadata() -> MetaData:
    """A ``MetaData`` with our naming convention."""
    return MetaData(naming_convention=NAMING_CONVENTION)
