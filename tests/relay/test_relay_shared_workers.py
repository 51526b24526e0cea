"""Background work of several relay processes on one database: the outbox woken by NOTIFY, each
notification sent once; periodic jobs (reconciliation, no-show sweep) once per interval between them.

Two relays started by ``relay_factory`` on the same database are two relay processes: each has its own
engine, outbox worker, listener and reconciler. ``outbox_poll_seconds = NO_POLL`` makes "sent" mean
"sent after a wake-up": the safety poll would come long after the wait's time-out.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from pharmacy_desk.kuper import names
from pharmacy_desk.relay.intake.reconcile import Reconciler
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.exclusive import take_turn
from pharmacy_desk.relay.storage.schema import worker_jobs
from pharmacy_desk.relay.timeutil import utcnow
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from tests.relay.relay_support import Relay, RelayFactory
from tests.support import eventually

NO_POLL = 60.0
WAIT = 10.0  # well under NO_POLL


def needs_postgres(relay: Relay) -> None:
    if not relay.config.database_url.startswith("postgresql"):
        pytest.skip("several relay processes share a PostgreSQL database only")


@asynccontextmanager
async def kuper_stub() -> AsyncIterator[tuple[KuperStub, dict[str, Any]]]:
    stub = KuperStub(client_id="cid", client_secret="secret")
    async with serve(stub.app) as url:
        yield stub, {"base_url": url, "client_id": "cid", "client_secret": "secret", "timeout_seconds": 5}


async def all_sent(relay: Relay, count: int) -> bool:
    rows = await relay.outbox_rows()
    return len(rows) == count and all(row["status"] == "done" for row in rows)


async def test_a_notification_written_through_one_process_is_sent_by_another_woken_by_notify(
    relay_factory: RelayFactory,
) -> None:
    async with kuper_stub() as (stub, kuper):
        a = await relay_factory(kuper=kuper, outbox_poll_seconds=NO_POLL)
        needs_postgres(a)
        b = await relay_factory(kuper=kuper, outbox_poll_seconds=NO_POLL)
        worker_a, worker_b = a.state.outbox_worker, b.state.outbox_worker
        assert worker_a is not None and worker_b is not None
        await worker_a.stop()  # only process B sends: it hears of A's row by PostgreSQL's NOTIFY alone
        number = await a.create_order()
        wakes = worker_b.wakes
        await a.ok(number, {"kind": "start_assembly"}, await a.device())

        await eventually(lambda: all_sent(a, 1), timeout=WAIT, what="A's notification sent by B")
        assert worker_b.wakes > wakes
        assert [(r.event_type, r.number) for r in stub.received] == [("order.in_work", number)]


async def test_two_processes_send_each_notification_once_woken_by_each_others_commits(
    relay_factory: RelayFactory,
) -> None:
    async with kuper_stub() as (stub, kuper):
        a = await relay_factory(kuper=kuper, outbox_poll_seconds=NO_POLL)
        needs_postgres(a)
        b = await relay_factory(kuper=kuper, outbox_poll_seconds=NO_POLL)
        relays = [a, b]
        numbers = [await relays[i % 2].create_order() for i in range(8)]
        devices = [await relay.device() for relay in relays]
        # both workers are woken by every commit (their own and, by NOTIFY, the other's): they race
        await asyncio.gather(
            *(relays[i % 2].ok(number, {"kind": "start_assembly"}, devices[i % 2]) for i, number in enumerate(numbers))
        )

        await eventually(lambda: all_sent(a, len(numbers)), timeout=WAIT, what="every notification sent")
        sent = [(attempt.order_uuid, attempt.event_type) for attempt in stub.attempts]
        assert len(sent) == len(set(sent)) == len(numbers)  # each once: SKIP LOCKED, no duplicate
        assert sorted(r.number for r in stub.received) == sorted(numbers)


async def test_a_turn_of_a_periodic_job_goes_to_one_process_per_interval(relay: Relay) -> None:
    engines = [create_engine(relay.config.database_url) for _ in range(2)]
    every = timedelta(minutes=5)
    try:
        now = utcnow()
        for round_ in range(3):  # together, again and again: one turn each time
            taken = await asyncio.gather(*(take_turn(e, "reconcile:x", every, now=now) for e in engines))
            assert sorted(taken) == ([False, True] if round_ == 0 else [False, False])
        later = now + every
        assert await take_turn(engines[1], "reconcile:x", every, now=later)
        assert not await take_turn(engines[0], "reconcile:x", every, now=later)
        assert await take_turn(engines[0], "no-shows", every, now=later)  # another job: its own turns
        async with engines[0].connect() as conn:
            jobs = {row.job for row in await conn.execute(select(worker_jobs))}
        assert jobs == {"reconcile:x", "no-shows"}
    finally:
        for engine in engines:
            await engine.dispose()


async def test_a_store_polled_by_another_process_is_not_polled_again_at_start(relay_factory: RelayFactory) -> None:
    async with kuper_stub() as (stub, kuper):
        first = await relay_factory()
        other = create_engine(first.config.database_url)
        try:  # another relay process polled the store a moment ago, with a 5-minute interval
            assert await take_turn(other, f"reconcile:{first.config.stores[0].key}", timedelta(minutes=5))
        finally:
            await other.dispose()
        kuper["reconcile_minutes"] = 5
        relay = await relay_factory(kuper=kuper)
        reconciler = relay.app.state.reconciler
        assert isinstance(reconciler, Reconciler)
        await eventually(lambda: reconciler.passes >= 1, timeout=WAIT, what="the reconciler's first round")
        assert reconciler.skipped >= 1
        polled = {request.get(names.FILTER_STORE_ID) for request in stub.shipment_requests}
        assert relay.config.stores[0].pull_store_id not in polled  # its turn was taken: skipped
        assert relay.config.stores[1].pull_store_id in polled  # the other store's turn was free
