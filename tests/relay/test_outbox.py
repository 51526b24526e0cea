"""The outbox worker against a real stub Kuper over HTTP, on SQLite and on PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import random
from collections.abc import AsyncIterator, Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.kuper.client import KuperClient
from pharmacy_desk.kuper.notifications import Notification
from pharmacy_desk.kuper.results import SendResult
from pharmacy_desk.relay.outbox.worker import (
    CREDENTIALS_ERROR,
    ExponentialBackoff,
    NotificationSender,
    OutboxWorker,
    enqueue_notification,
    reset_for_retry,
    retry_failed,
)
from pharmacy_desk.relay.storage.db import create_engine
from pharmacy_desk.relay.storage.schema import metadata
from tests.relay.outbox_support import (
    Answer,
    Arrival,
    FakeClock,
    OrderRef,
    StubKuper,
    StubServer,
    add_notification,
    add_order,
    create_temp_database,
    drop_temp_database,
    notification_events,
    notification_for,
    outbox_row,
    pg_reachable,
    statuses,
)
from tests.support import eventually, free_port

# --- fixtures --------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def pg_url() -> Iterator[str]:
    """A temporary PostgreSQL database for this module, dropped afterwards."""
    if not pg_reachable():
        if os.environ.get("PHARMACY_DESK_REQUIRE_PG") == "1":
            pytest.fail("PostgreSQL on 127.0.0.1:5432 does not answer and PHARMACY_DESK_REQUIRE_PG=1")
        pytest.skip("PostgreSQL on 127.0.0.1:5432 does not answer")
    url = create_temp_database()
    yield url
    drop_temp_database(url)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Any) -> str:
    if request.param == "sqlite":
        return f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
async def engine(db_url: str) -> AsyncIterator[AsyncEngine]:
    engine = create_engine(db_url)
    async with engine.begin() as conn:
        await conn.run_sync(metadata.drop_all)
        await conn.run_sync(metadata.create_all)
    yield engine
    await engine.dispose()


@pytest.fixture
async def stub() -> AsyncIterator[StubKuper]:
    async with StubServer(StubKuper()) as served:
        yield served


@pytest.fixture
async def kuper(stub: StubKuper) -> AsyncIterator[KuperClient]:
    async with KuperClient(stub.url, "desk", "s3cret", timeout=httpx.Timeout(5.0)) as client:
        yield client


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def published() -> list[str]:
    return []


WorkerFactory = Callable[..., OutboxWorker]


@pytest.fixture
async def make_worker(
    engine: AsyncEngine, kuper: KuperClient, clock: FakeClock, published: list[str]
) -> AsyncIterator[WorkerFactory]:
    """Workers with a fake clock and a jitter-free 1 s back-off unless told otherwise; stopped at the end."""
    made: list[OutboxWorker] = []

    async def publish(store: str) -> None:
        published.append(store)

    def make(**kwargs: Any) -> OutboxWorker:
        kwargs.setdefault("clock", clock)
        kwargs.setdefault("backoff", ExponentialBackoff(base=1.0, cap=600.0, jitter=0.0))
        kwargs.setdefault("publish", publish)
        client: NotificationSender = kwargs.pop("client", kuper)  # mypy: KuperClient fits the protocol
        worker = OutboxWorker(kwargs.pop("engine", engine), client, **kwargs)
        made.append(worker)
        return worker

    yield make
    for worker in made:
        await worker.stop()
    leaked = [task for task in asyncio.all_tasks() if task.get_name().startswith("outbox-") and not task.done()]
    assert not leaked


async def new_orders(engine: AsyncEngine, count: int) -> list[OrderRef]:
    return [await add_order(engine, index) for index in range(count)]


def accepted_in_order(arrivals: list[Arrival]) -> list[int]:
    """Check FIFO at Kuper: every request of an order is for the next notification not yet accepted.

    Returns the accepted sequence numbers.
    """
    expected = 0
    for arrival in arrivals:
        assert arrival.seq == expected, f"seq {arrival.seq} arrived while {expected} was not accepted: {arrivals}"
        if arrival.status in (200, 202):
            expected += 1
    return list(range(expected))


# --- outcomes --------------------------------------------------------------------------------------


async def test_200_marks_done_and_streams_the_change(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory, clock: FakeClock, published: list[str]
) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    worker = make_worker()

    assert await worker.run_once() == 1

    row = await outbox_row(engine, row_id)
    assert (row.status, row.attempts, row.last_status_code, row.last_error) == ("done", 1, 200, None)
    assert row.sent_at is not None
    assert [(a.event_type, a.status) for a in stub.arrivals] == [("order.in_work", 200)]
    (event,) = await notification_events(engine, row_id)
    assert event == {
        "outbox_id": row_id,
        "order_id": order.id,
        "event_type": "order.in_work",
        "status": "done",
        "attempts": 1,
        "last_error": None,
        "last_status_code": 200,
        "next_attempt_at": event["next_attempt_at"],
    }
    assert published == [order.store]
    assert await worker.run_once() == 0  # nothing due any more


async def test_202_duplicate_counts_as_done(engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    stub.answer(202, '{"status": "already processed"}')

    await make_worker().run_once()

    row = await outbox_row(engine, row_id)
    assert (row.status, row.last_status_code) == ("done", 202)


async def test_401_refreshes_the_token_once_then_done(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory
) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    stub.rejected_tokens.add("tok-1")

    assert await make_worker().run_once() == 1

    row = await outbox_row(engine, row_id)
    assert (row.status, row.attempts, row.last_status_code) == ("done", 1, 200)
    assert [(a.token, a.status) for a in stub.arrivals] == [("tok-1", 401), ("tok-2", 200)]
    assert stub.tokens_issued == 2


async def test_401_after_refresh_is_retrying_with_a_credentials_error(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory, clock: FakeClock
) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    stub.reject_every_token = True
    worker = make_worker()

    await worker.run_once()

    row = await outbox_row(engine, row_id)
    assert (row.status, row.attempts, row.last_status_code) == ("retrying", 1, 401)
    assert row.last_error.startswith(CREDENTIALS_ERROR)
    (event,) = await notification_events(engine, row_id)
    assert event["status"] == "retrying" and event["last_error"].startswith(CREDENTIALS_ERROR)

    stub.reject_every_token = False  # the operator fixed the credentials
    clock.advance(1)
    await worker.run_once()
    assert (await outbox_row(engine, row_id)).status == "done"


async def test_422_fails_holds_its_order_others_go_on_and_staff_retry_sends_in_order(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory, clock: FakeClock
) -> None:
    bad, good = await new_orders(engine, 2)
    bad_ids = [await add_notification(engine, bad, seq) for seq in range(3)]
    good_ids = [await add_notification(engine, good, seq) for seq in range(2)]
    error_body = '{"error": "positions[0].totalPrice: does not match quantity × price"}'
    rejected_once: list[int] = []

    def responder(arrival: Arrival) -> Answer:
        if arrival.order_uuid == bad.kuper_id and arrival.seq == 1 and not rejected_once:
            rejected_once.append(arrival.seq)
            return Answer(422, error_body)
        return Answer(200)

    stub.responder = responder
    worker = make_worker()

    assert await worker.run_once() == 4
    assert await statuses(engine) == {
        bad_ids[0]: "done",
        bad_ids[1]: "failed",
        bad_ids[2]: "pending",
        good_ids[0]: "done",
        good_ids[1]: "done",
    }
    failed = await outbox_row(engine, bad_ids[1])
    assert (failed.last_status_code, failed.last_error, failed.attempts) == (422, error_body, 1)
    held = await outbox_row(engine, bad_ids[2])
    assert held.attempts == 0

    clock.advance(3600)  # a failed row is never retried by itself, and it holds the rest of its order
    assert await worker.run_once() == 0
    assert (await outbox_row(engine, bad_ids[2])).status == "pending"

    async with engine.begin() as conn:
        assert not await reset_for_retry(conn, bad_ids[0], now=clock())  # done: not failed
        assert not await reset_for_retry(conn, 999_999, now=clock())  # no such row
        assert await reset_for_retry(conn, bad_ids[1], now=clock())
    worker.notify()

    assert await worker.run_once() == 2
    assert set((await statuses(engine)).values()) == {"done"}
    assert [(a.seq, a.status) for a in stub.of(bad.kuper_id)] == [(0, 200), (1, 422), (1, 200), (2, 200)]
    assert [event["status"] for event in await notification_events(engine, bad_ids[1])] == [
        "failed",
        "pending",
        "done",
    ]


async def test_5xx_and_429_retry_with_growing_delays_respecting_retry_after(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory, clock: FakeClock
) -> None:
    (order,) = await new_orders(engine, 1)
    first = await add_notification(engine, order, 0)
    second = await add_notification(engine, order, 1)
    worker = make_worker()
    delays: list[float] = []

    for answer in (Answer(500), Answer(503), Answer(429, headers={"Retry-After": "30"}), Answer(502)):
        stub.always(answer)
        assert await worker.run_once() == 1
        row = await outbox_row(engine, first)
        assert row.status == "retrying" and row.last_status_code == answer.status
        delay = (row.next_attempt_at.replace(tzinfo=UTC) - clock()).total_seconds()
        delays.append(delay)
        assert await worker.run_once() == 0  # not due yet; the order's second row waits too
        assert (await outbox_row(engine, second)).status == "pending"
        clock.advance(delay)

    assert delays == [1.0, 2.0, 30.0, 8.0]  # 1, 2, 4 → Retry-After 30, 8
    assert [e["status"] for e in await notification_events(engine, first)] == ["retrying"] * 4
    stub.answer(200)
    assert await worker.run_once() == 2
    row = await outbox_row(engine, first)
    assert (row.status, row.attempts, row.last_error) == ("done", 5, None)
    assert (await outbox_row(engine, second)).status == "done"
    accepted_in_order(stub.of(order.kuper_id))


async def test_slow_answer_beyond_the_client_time_out_is_retrying(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory, clock: FakeClock
) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    stub.responder = lambda _arrival: Answer(200, delay=5.0)
    async with KuperClient(stub.url, "desk", "s3cret", timeout=httpx.Timeout(5.0, read=0.3)) as impatient:
        worker = make_worker(client=impatient)
        await worker.run_once()
        row = await outbox_row(engine, row_id)
        assert (row.status, row.attempts, row.last_status_code) == ("retrying", 1, None)
        assert "did not answer in time" in row.last_error

        stub.answer(200)
        clock.advance(1)
        await worker.run_once()
    assert (await outbox_row(engine, row_id)).status == "done"


async def test_connection_refused_is_retrying(engine: AsyncEngine, make_worker: WorkerFactory) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    async with KuperClient(f"http://127.0.0.1:{free_port()}", "desk", "s3cret", timeout=2.0) as nowhere:
        await make_worker(client=nowhere).run_once()
    row = await outbox_row(engine, row_id)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "unreachable" in row.last_error


class _HangingClient:
    async def send_notification(self, notification: Notification, /) -> SendResult:
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


class _BrokenClient:
    async def send_notification(self, notification: Notification, /) -> SendResult:
        raise RuntimeError("bug in the client")


async def test_the_worker_guards_every_send_with_its_own_time_out(
    engine: AsyncEngine, make_worker: WorkerFactory
) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    await make_worker(client=_HangingClient(), send_timeout=0.2).run_once()
    row = await outbox_row(engine, row_id)
    assert (row.status, row.last_error) == ("retrying", "Kuper did not answer within 0.2 s")


async def test_a_client_bug_is_retried_not_lost(engine: AsyncEngine, make_worker: WorkerFactory) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    await make_worker(client=_BrokenClient()).run_once()
    row = await outbox_row(engine, row_id)
    assert (row.status, row.attempts) == ("retrying", 1)
    assert "RuntimeError" in row.last_error


async def test_a_stored_body_we_would_never_send_fails_without_a_request(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory
) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0, body='{"event_type": "order.in_work"}')
    await make_worker().run_once()
    row = await outbox_row(engine, row_id)
    assert (row.status, row.last_status_code) == ("failed", None)
    assert "cannot be sent" in row.last_error
    assert stub.arrivals == []


# --- order, parallelism, processes -------------------------------------------------------------------


async def test_fifo_per_order_under_parallel_orders_and_random_failures(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory
) -> None:
    orders = await new_orders(engine, 16)
    per_order = 5
    for seq in range(per_order):  # interleaved inserts, as staff work on many orders at once
        for order in orders:
            await add_notification(engine, order, seq)
    rng = random.Random(20261122)

    def responder(_arrival: Arrival) -> Answer:
        delay = rng.uniform(0.0, 0.01)
        return rng.choices(
            [Answer(200, delay=delay), Answer(202, delay=delay), Answer(500), Answer(503), Answer(429)],
            weights=[55, 10, 15, 10, 10],
        )[0]

    stub.responder = responder
    worker = make_worker(
        clock=lambda: datetime.now(UTC),
        backoff=ExponentialBackoff(base=0.01, cap=0.05, jitter=0.3),
        poll_interval=0.02,
    )
    await worker.start()

    async def all_done() -> bool:
        return set((await statuses(engine)).values()) == {"done"}

    await eventually(all_done, timeout=20, what="every notification done")
    await worker.stop()

    for order in orders:
        assert accepted_in_order(stub.of(order.kuper_id)) == list(range(per_order))
    assert any(a.status >= 500 for a in stub.arrivals)  # failures did happen
    assert 1 < stub.max_in_flight <= 8  # orders went in parallel, bounded
    events = await notification_events(engine)
    last_status: dict[int, str] = {}
    for event in events:
        last_status[event["outbox_id"]] = event["status"]
    assert set(last_status.values()) == {"done"} and len(last_status) == len(orders) * per_order


async def test_a_retrying_order_does_not_block_the_others(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory
) -> None:
    down, fine = await new_orders(engine, 2)
    await add_notification(engine, down, 0)
    fine_ids = [await add_notification(engine, fine, seq) for seq in range(3)]
    stub.responder = lambda a: Answer(503) if a.order_uuid == down.kuper_id else Answer(200)

    assert await make_worker().run_once() == 4

    assert [(await outbox_row(engine, row_id)).status for row_id in fine_ids] == ["done"] * 3


async def test_concurrency_is_bounded(engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory) -> None:
    orders = await new_orders(engine, 6)
    for order in orders:
        await add_notification(engine, order, 0)
    stub.responder = lambda _arrival: Answer(200, delay=0.05)
    assert await make_worker(concurrency=2).run_once() == 6
    assert stub.max_in_flight == 2


async def test_relay_killed_mid_send_sends_again_on_restart(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory
) -> None:
    (order,) = await new_orders(engine, 1)
    row_id = await add_notification(engine, order, 0)
    stub.responder = lambda _arrival: Answer(200, delay=30.0)  # Kuper holds the answer
    first = make_worker(stop_grace=0.05)
    await first.start()

    async def in_flight() -> bool:
        return stub.in_flight == 1

    await eventually(in_flight, what="the send to start")
    await first.stop()  # dies before Kuper answered

    row = await outbox_row(engine, row_id)
    assert (row.status, row.attempts, row.sent_at) == ("pending", 0, None)
    assert await notification_events(engine, row_id) == []

    stub.answer(202)  # Kuper had it already
    assert await make_worker().run_once() == 1
    assert (await outbox_row(engine, row_id)).status == "done"
    assert [a.seq for a in stub.arrivals] == [0, 0]


@pytest.mark.postgres
@pytest.mark.parametrize("db_url", ["postgres"], indirect=True)
async def test_two_relay_processes_on_postgresql_send_each_notification_once_in_order(
    db_url: str, stub: StubKuper, make_worker: WorkerFactory, engine: AsyncEngine
) -> None:
    assert engine.dialect.name == "postgresql"
    orders = await new_orders(engine, 12)
    for seq in range(4):
        for order in orders:
            await add_notification(engine, order, seq)
    stub.responder = lambda _arrival: Answer(200, delay=0.005)
    other_engine = create_engine(db_url)
    try:
        async with KuperClient(stub.url, "desk-2", "s3cret", timeout=5.0) as other_client:
            real_clock = {"clock": lambda: datetime.now(UTC), "poll_interval": 0.02}
            one = make_worker(**real_clock)
            two = make_worker(engine=other_engine, client=other_client, **real_clock)
            await asyncio.gather(one.start(), two.start())

            async def all_done() -> bool:
                return set((await statuses(engine)).values()) == {"done"}

            await eventually(all_done, timeout=20, what="every notification done")
            await asyncio.gather(one.stop(), two.stop())
    finally:
        await other_engine.dispose()

    for order in orders:
        assert [(a.seq, a.status) for a in stub.of(order.kuper_id)] == [(seq, 200) for seq in range(4)]
    assert {a.token for a in stub.arrivals} == {"tok-1", "tok-2"}  # both processes did send


# --- wake-ups, start/stop, staff API -----------------------------------------------------------------


async def test_notify_wakes_the_worker_at_once(engine: AsyncEngine, make_worker: WorkerFactory) -> None:
    (order,) = await new_orders(engine, 1)
    worker = make_worker(clock=lambda: datetime.now(UTC), poll_interval=30.0)
    await worker.start()
    await asyncio.sleep(0)  # let it do its first (empty) pass
    row_id = await add_notification(engine, order, 0)
    worker.notify()

    async def done() -> bool:
        return bool((await outbox_row(engine, row_id)).status == "done")

    await eventually(done, timeout=3, what="the notified row to be sent")


async def test_the_worker_sleeps_until_the_next_due_row_not_until_the_safety_poll(
    engine: AsyncEngine, make_worker: WorkerFactory
) -> None:
    (order,) = await new_orders(engine, 1)
    due = datetime.now(UTC) + timedelta(seconds=0.3)
    row_id = await add_notification(engine, order, 0, due=due)
    worker = make_worker(clock=lambda: datetime.now(UTC), poll_interval=30.0)
    await worker.start()

    async def done() -> bool:
        return bool((await outbox_row(engine, row_id)).status == "done")

    await eventually(done, timeout=5, what="the row due later to be sent at its time")
    row = await outbox_row(engine, row_id)
    assert row.sent_at.replace(tzinfo=UTC) >= due
    assert worker.wakes == 0  # nothing woke it: it read the row's next_attempt_at and slept until then


async def test_a_row_written_without_a_wake_up_is_sent_by_the_safety_poll(
    engine: AsyncEngine, make_worker: WorkerFactory
) -> None:
    (order,) = await new_orders(engine, 1)
    worker = make_worker(clock=lambda: datetime.now(UTC), poll_interval=0.3)
    await worker.start()
    await eventually(lambda: worker.passes >= 1, what="the first (empty) pass")
    row_id = await add_notification(engine, order, 0)  # the wake-up is lost: no notify()

    async def done() -> bool:
        return bool((await outbox_row(engine, row_id)).status == "done")

    await eventually(done, timeout=5, what="the safety poll to find the row")
    assert worker.wakes == 0 and worker.passes >= 2


async def test_a_rows_future_due_time_is_read_again_after_a_wake_up(
    engine: AsyncEngine, make_worker: WorkerFactory
) -> None:
    """Idle with nothing due (sleeping for the safety poll), then a row due soon: notify makes it read it."""
    (order,) = await new_orders(engine, 1)
    worker = make_worker(clock=lambda: datetime.now(UTC), poll_interval=30.0)
    await worker.start()
    await eventually(lambda: worker.passes >= 1, what="the first (empty) pass")
    due = datetime.now(UTC) + timedelta(seconds=0.3)
    row_id = await add_notification(engine, order, 0, due=due)
    worker.notify()  # the row is not due yet: this pass only learns when it will be

    async def done() -> bool:
        return bool((await outbox_row(engine, row_id)).status == "done")

    await eventually(done, timeout=5, what="the row to be sent when due")
    assert (await outbox_row(engine, row_id)).sent_at.replace(tzinfo=UTC) >= due


async def test_start_twice_is_refused_and_stop_is_idempotent(make_worker: WorkerFactory) -> None:
    worker = make_worker()
    await worker.stop()  # never started: fine
    await worker.start()
    assert worker.running
    with pytest.raises(RuntimeError):
        await worker.start()
    await worker.stop()
    await worker.stop()
    assert not worker.running


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
async def test_stop_is_not_lost_when_it_races_a_wake_up(make_worker: WorkerFactory) -> None:
    """Python 3.11's ``asyncio.wait_for`` swallows a cancel that lands just as its event is set."""
    worker = make_worker(clock=lambda: datetime.now(UTC), poll_interval=30.0)
    for ticks in range(6):
        await worker.start()
        await asyncio.sleep(0.05)  # the first pass is over: the worker waits for a wake-up
        worker.notify()
        for _ in range(ticks):
            await asyncio.sleep(0)
        async with asyncio.timeout(5):
            await worker.stop()
        assert not worker.running


async def test_enqueue_and_the_worker_retry_failed_helper(
    engine: AsyncEngine, stub: StubKuper, make_worker: WorkerFactory, clock: FakeClock, published: list[str]
) -> None:
    (order,) = await new_orders(engine, 1)
    async with engine.begin() as conn:
        row_id = await enqueue_notification(
            conn, store=order.store, order_id=order.id, notification=notification_for(order, 0), now=clock()
        )
    assert [e["status"] for e in await notification_events(engine, row_id)] == ["pending"]
    stub.answer(404, '{"error": "order not found"}')
    worker = make_worker()
    await worker.run_once()
    row = await outbox_row(engine, row_id)
    assert (row.status, row.last_status_code, row.last_error) == ("failed", 404, '{"error": "order not found"}')

    published.clear()
    assert await worker.retry_failed(row_id)
    assert not await worker.retry_failed(row_id)  # pending now, not failed
    assert published == [order.store]
    stub.answer(200)
    await worker.run_once()
    assert (await outbox_row(engine, row_id)).status == "done"
    assert not await retry_failed(engine, row_id)
