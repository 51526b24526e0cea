"""SQLAlchemy's aiosqlite driver with one trip to the connection's thread per statement, not three or four.

aiosqlite runs every ``sqlite3`` call on the connection's own thread: SQLAlchemy's adapter makes a
cursor (one trip), executes (two), fetches the rows (three) and closes the cursor (four), and each
trip is a queue hand-over plus a wake-up of the event loop. For the relay's short statements the trips
cost far more than SQLite itself. :data:`DBAPI` is SQLAlchemy's own aiosqlite adapter whose cursor
does all of it in one function on that thread; everything else (connections, transactions, errors,
``terminate``) is SQLAlchemy's and aiosqlite's unchanged.

It uses what SQLAlchemy's adapter itself uses of aiosqlite (the connection's thread queue and its
``sqlite3`` connection); :func:`dbapi` returns ``None`` (use the stock adapter) when an aiosqlite or
SQLAlchemy release no longer has it. Pass it as ``create_async_engine(url, module=dbapi())``.
"""

from __future__ import annotations

import collections
import sqlite3
from collections.abc import Sequence
from typing import Any

from sqlalchemy.util import EMPTY_DICT

try:
    import aiosqlite
    from sqlalchemy.dialects.sqlite.aiosqlite import (
        AsyncAdapt_aiosqlite_connection,
        AsyncAdapt_aiosqlite_cursor,
        AsyncAdapt_aiosqlite_dbapi,
    )
except ImportError:  # pragma: no cover - the stock adapter reports what is missing
    aiosqlite = None  # type: ignore[assignment]

_Result = tuple[Any, int, int | None, list[Any]]  # description, rowcount, lastrowid, rows


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Result:
    """On the connection's thread: the whole statement, rows included."""
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        description = cursor.description
        rows = cursor.fetchall() if description else []
        return description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


if aiosqlite is not None:

    class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
        """A client-side cursor whose statement and rows come back in one trip (no aiosqlite cursor)."""

        __slots__ = ("_arraysize", "_description", "_lastrowid", "_rowcount")

        def __init__(self, adapt_connection: Any) -> None:  # the base class would make a cursor: one trip
            self._adapt_connection = adapt_connection
            self._connection = adapt_connection._connection
            self._rows = collections.deque()
            self._soft_closed_memoized = EMPTY_DICT
            self._description: Any = None
            self._rowcount = -1
            self._lastrowid: int | None = None
            self._arraysize = 1

        @property
        def arraysize(self) -> int:
            return self._arraysize

        @arraysize.setter
        def arraysize(self, value: int) -> None:
            self._arraysize = value

        @property
        def description(self) -> Any:
            return self._description

        @property
        def rowcount(self) -> int:
            return self._rowcount

        @property
        def lastrowid(self) -> Any:
            return self._lastrowid

        async def _async_soft_close(self) -> None:
            return None  # nothing open on the thread: the rows are here already

        def close(self) -> None:
            self._rows.clear()

        async def _execute_async(self, operation: Any, parameters: Any) -> Any:
            await self._trip(operation, parameters, many=False)

        async def _executemany_async(self, operation: Any, seq_of_parameters: Sequence[Any]) -> Any:
            await self._trip(operation, seq_of_parameters, many=True)

        async def _trip(self, operation: str, parameters: Any, *, many: bool) -> None:
            conn = self._connection
            async with self._adapt_connection._execute_mutex:
                result: _Result = await conn._execute(_run, conn._conn, operation, parameters, many)
            self._description, self._rowcount, self._lastrowid, rows = result
            self._rows = collections.deque(rows)

    class OneTripConnection(AsyncAdapt_aiosqlite_connection):
        __slots__ = ()
        _cursor_cls = OneTripCursor

    class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
        def connect(self, *arg: Any, **kw: Any) -> Any:
            stock = super().connect(*arg, **kw)
            return OneTripConnection(self, stock._connection)


def dbapi() -> Any | None:
    """The one-trip adapter, or ``None`` when this aiosqlite/SQLAlchemy lacks what it relies on."""
    if aiosqlite is None:
        return None
    from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection, AsyncAdapt_dbapi_cursor

    cursor_slots = {"_adapt_connection", "_connection", "_rows", "_soft_closed_memoized"}
    compatible = (
        callable(getattr(aiosqlite.Connection, "_execute", None))
        and isinstance(getattr(aiosqlite.Connection, "_conn", None), property)
        and "_execute_mutex" in AsyncAdapt_dbapi_connection.__slots__
        and cursor_slots <= set(AsyncAdapt_dbapi_cursor.__slots__)
    )
    return OneTripDBAPI(aiosqlite, sqlite3) if compatible else None
