"""The relay's exceptions, drawn once.

::

    RelayError                    anything the relay raises on purpose
    ├── ConfigError               the configuration cannot be read or is not valid (config.py)
    ├── SchemaOutOfDate           the database is behind the newest migration and may not migrate (app.py)
    ├── DatabaseBusy              no write turn within the busy time-out (storage/db.py)
    ├── OrderChangedMeanwhile     an order's version moved between read and write (storage/orders.py)
    └── NotAuthorizedForStore     store-specific webhook credentials used for another store (intake/)

Errors of the stock sources (:mod:`pharmacy_desk.inventory.errors`) and of Kuper's API
(:mod:`pharmacy_desk.kuper.errors`) belong to those packages and keep their own roots.
"""

from __future__ import annotations


class RelayError(Exception):
    """Root of the relay's own exceptions."""


class ConfigError(RelayError):
    """The configuration cannot be read or is not valid; ``str()`` says what and where."""


class SchemaOutOfDate(RelayError):
    """The database is not at the newest migration and the app was told not to migrate."""


class DatabaseBusy(RelayError):
    """No write turn within the busy time-out (a transaction is stuck somewhere)."""


class OrderChangedMeanwhile(RelayError):
    """The order's version moved between read and write (only without the store lock)."""


class NotAuthorizedForStore(RelayError):
    """Store-specific credentials were used for a webhook of another store."""
