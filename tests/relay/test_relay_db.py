"""The relay's engine: serialised writers on SQLite, readers beside them, group commit (SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection

from pharmacy_desk.relay.storage import migrate
from pharmacy_desk.relay.storage.db import RelayEngine, create_engine, write_together
from pharmacy_desk.relay.storage.orders import lock_store
from pharmacy_desk.relay.storage.schema import store_counters, store_events
from pharmacy_desk.relay.storage.store_log import append_event, last_event_id, next_order_sequence
from tests.support import eventually


@pytest.fixture
async def engine(database_url: str) -> AsyncIterator[RelayEngine]:
    engine = create_engine(database_url)
    await migrate.upgrade(engine)
    try:
        yield engine
    finally:
        await engine.dispose()


def count_commits(engine: RelayEngine) -> list[int]:
    commits = [0]

    @event.listens_for(engine.sync_engine, "commit")
    def _commit(_conn: Any) -> None:
        commits[0] += 1

    return commits


async def stores(engine: RelayEngine) -> list[str]:
    async with engine.connect() as conn:
        return list((await conn.execute(select(store_counters.c.store).order_by(store_counters.c.store))).scalars())


class Gate:
    """Holds a unit of work inside its write transaction until :meth:`open`; :meth:`reached` waits for it."""

    def __init__(self) -> None:
        self._arrived = asyncio.Event()
        self._open = asyncio.Event()

    async def pass_through(self) -> None:
        self._arrived.set()
        await self._open.wait()

    async def reached(self) -> None:
        async with asyncio.timeout(10):
            await self._arrived.wait()

    def open(self) -> None:
        self._open.set()


async def queued(engine: RelayEngine, count: int) -> None:
    """Wait until ``count`` units wait for the next group write (behind the one being written)."""
    await eventually(lambda: engine.queued_writes == count, interval=0.005, what=f"{count} writes queued")


def adder(store: str, *, fail: bool = False, gate: Gate | None = None) -> Any:
    async def work(conn: AsyncConnection) -> str:
        if gate is not None:
            await gate.pass_through()
        await conn.execute(insert(store_counters).values(store=store, last_number=0, last_event_id=0))
        if fail:
            raise ValueError(f"{store} fails")
        return store

    return work


async def test_concurrent_writers_all_commit_one_at_a_time(engine: RelayEngine) -> None:
    inside = 0
    most = 0

    async def writer(i: int) -> None:
        nonlocal inside, most
        async with engine.begin() as conn:
            inside += 1
            most = max(most, inside)
            await conn.execute(insert(store_counters).values(store=f"s{i:02d}", last_number=i, last_event_id=0))
            await asyncio.sleep(0.001)
            inside -= 1

    await asyncio.gather(*(writer(i) for i in range(20)))
    assert len(await stores(engine)) == 20
    if engine.serialises_writes:
        assert most == 1  # SQLite: the in-process lock, never SQLite's busy handler


async def test_a_reader_does_not_wait_for_a_writer(engine: RelayEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(insert(store_counters).values(store="w", last_number=0, last_event_id=0))
        async with asyncio.timeout(2):  # on SQLite a reader holding BEGIN IMMEDIATE would wait 30 s here
            assert await stores(engine) == []
    assert await stores(engine) == ["w"]


async def test_a_write_inside_a_write_of_the_same_task_is_refused(tmp_path: Path) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}")  # SQLite serialises writers
    try:
        async with engine.begin():
            with pytest.raises(RuntimeError, match="deadlock"):
                async with engine.begin():
                    pass
    finally:
        await engine.dispose()


async def test_units_arriving_together_share_one_commit(engine: RelayEngine) -> None:
    commits = count_commits(engine)
    gate = Gate()
    first = asyncio.create_task(engine.write_together(adder("a", gate=gate)))
    await gate.reached()  # "a" is being written (waiting at its gate): the next ones queue up
    rest = [asyncio.create_task(engine.write_together(adder(name))) for name in "bcde"]
    await queued(engine, 4)
    gate.open()
    assert await asyncio.gather(first, *rest) == list("abcde")
    assert await stores(engine) == list("abcde")
    assert commits[0] == 2  # "a" alone, then b..e together


async def test_a_failing_unit_does_not_fail_the_others(engine: RelayEngine) -> None:
    gate = Gate()
    first = asyncio.create_task(engine.write_together(adder("a", gate=gate)))
    await gate.reached()
    rest = [
        asyncio.create_task(engine.write_together(adder(name, fail=name == "c")))
        for name in "bcd"  # one group: b, c (fails), d
    ]
    await queued(engine, 3)
    gate.open()
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    assert results[:2] == ["a", "b"] and results[3] == "d"
    assert isinstance(results[2], ValueError)
    assert await stores(engine) == ["a", "b", "d"]  # c's insert was rolled back with its transaction


async def test_a_cancelled_writer_leaves_the_others_to_the_next_one(engine: RelayEngine) -> None:
    gate = Gate()
    leader = asyncio.create_task(engine.write_together(adder("a", gate=gate)))
    await gate.reached()
    waiting = [asyncio.create_task(engine.write_together(adder(name))) for name in "bc"]
    await queued(engine, 2)  # b and c wait for the leader's write
    leader.cancel()
    assert await asyncio.gather(*waiting) == ["b", "c"]
    with pytest.raises(asyncio.CancelledError):
        await leader
    assert await stores(engine) == ["b", "c"]


async def test_a_result_is_given_only_once_it_is_committed(engine: RelayEngine) -> None:
    async def count(conn: AsyncConnection) -> int:
        await conn.execute(insert(store_counters).values(store="x", last_number=0, last_event_id=0))
        return 1

    assert await write_together(engine, count) == 1
    other = create_engine(str(engine.url.render_as_string(hide_password=False)))
    try:
        async with other.connect() as conn:  # another engine (another connection) sees it
            assert (await conn.execute(select(func.count()).select_from(store_counters))).scalar_one() == 1
    finally:
        await other.dispose()


async def test_statements_rows_counts_and_errors_come_back_right(engine: RelayEngine) -> None:
    """What SQLAlchemy reads from a cursor (rows, rowcount, RETURNING, executemany, errors): on SQLite
    through the one-trip adapter."""
    if engine.serialises_writes:
        assert type(engine.dialect.loaded_dbapi).__name__ == "OneTripDBAPI"
    rows = [{"store": f"m{i}", "last_number": i, "last_event_id": 0} for i in range(5)]
    async with engine.begin() as conn:
        await conn.execute(insert(store_counters), rows)  # executemany
        bumped = await conn.execute(
            update(store_counters)
            .where(store_counters.c.last_number >= 3)
            .values(last_number=store_counters.c.last_number + 10)
        )
        assert bumped.rowcount == 2
        returned = await conn.execute(
            update(store_counters)
            .where(store_counters.c.store == "m0")
            .values(last_event_id=7)
            .returning(store_counters.c.store, store_counters.c.last_event_id)
        )
        assert returned.all() == [("m0", 7)]
    async with engine.connect() as conn:
        numbers = (await conn.execute(select(store_counters.c.last_number).order_by(store_counters.c.store))).scalars()
        assert list(numbers) == [0, 1, 2, 13, 14]
        partial = await conn.execute(select(store_counters.c.store).order_by(store_counters.c.store))
        assert partial.fetchmany(2) == [("m0",), ("m1",)]
        assert len(partial.fetchall()) == 3
    with pytest.raises(IntegrityError):
        async with engine.begin() as conn:
            await conn.execute(insert(store_counters).values(rows[0]))
    assert len(await stores(engine)) == 5


async def test_numbers_and_stream_events_of_a_group_come_without_gaps(engine: RelayEngine) -> None:
    """Units written together: numbers and event ids counted on per store, written at the commit."""

    def appender(name: str, *, fail: bool = False, gate: Gate | None = None) -> Any:
        async def work(conn: AsyncConnection) -> tuple[int, int]:
            if gate is not None:
                await gate.pass_through()
            await lock_store(conn, "s1")
            number = await next_order_sequence(conn, "s1")
            first = await append_event(conn, "s1", "alert", {"unit": name})
            await append_event(conn, "s2", "alert", {"unit": name})
            await append_event(conn, "s1", "alert", {"unit": name, "second": True})
            if fail:
                raise ValueError(name)
            return number, first

        return work

    gate = Gate()
    first = asyncio.create_task(engine.write_together(appender("a", gate=gate)))
    await gate.reached()
    rest = [asyncio.create_task(engine.write_together(appender(n, fail=n == "c"))) for n in "bcd"]
    await queued(engine, 3)
    gate.open()
    results = await asyncio.gather(first, *rest, return_exceptions=True)
    assert results[0] == (1, 1) and results[1] == (2, 3) and results[3] == (3, 5)
    assert isinstance(results[2], ValueError)
    async with engine.connect() as conn:
        counters = (await conn.execute(select(store_counters).where(store_counters.c.store == "s1"))).one()
        assert (counters.last_number, counters.last_event_id) == (3, 6)
        rows = (await conn.execute(select(store_events).order_by(store_events.c.store, store_events.c.event_id))).all()
        s1 = [(row.event_id, json.loads(row.payload)["unit"]) for row in rows if row.store == "s1"]
        s2 = [(row.event_id, json.loads(row.payload)["unit"]) for row in rows if row.store == "s2"]
        assert s1 == [(1, "a"), (2, "a"), (3, "b"), (4, "b"), (5, "d"), (6, "d")]
        assert s2 == [(1, "a"), (2, "b"), (3, "d")]
        assert await last_event_id(conn, "s1") == 6 and await last_event_id(conn, "s2") == 3
    async with engine.begin() as conn:  # outside group commit: written at once, numbered on
        assert await append_event(conn, "s1", "alert", {"unit": "e"}) == 7
        assert await next_order_sequence(conn, "s1") == 4
