"""Pausing Kuper orders from the counter, and the feed state, over a real relay and the fake Kuper.

Two PCs of one store: a pause on one shows on the other (the stream's ``store`` event) and reaches
the fake Kuper; Kuper's refusal is a clear message and changes nothing; the relay resumes a pause
whose time is up; a stock import on the relay reaches the fake Kuper and the desk sees the feed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import update

from pharmacy_desk.desk.relay_client import RelayError
from pharmacy_desk.inventory.embedded import import_csv
from pharmacy_desk.kuper.content_wire import StoreStatus
from pharmacy_desk.relay.storage.schema import store_pauses
from pharmacy_desk.resources import sample_stock
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve
from tests.desk.desk_support import STORE, RelayServer
from tests.support import eventually

OUTLET = "12"


@pytest.fixture
async def kuper() -> AsyncIterator[tuple[KuperStub, str]]:
    fake = KuperStub()
    async with serve(fake.app) as url:
        yield fake, url


@pytest.fixture
async def relay(tmp_path: Path, kuper: tuple[KuperStub, str]) -> AsyncIterator[RelayServer]:
    _, url = kuper
    server = RelayServer(
        f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}",
        kuper={
            "base_url": url,
            "client_id": "sim-client",
            "client_secret": "sim-secret",
            "retail_chain_slug": "sim-chain",
        },
        feed={"check_seconds": 0.2},
        stores=[
            {"key": STORE, "name": "Аптека №12", "number_prefix": "A12-", "kuper_outlet_id": OUTLET, "feed": True},
            {"key": "apteka-7", "name": "Аптека №7", "number_prefix": "A7-"},
        ],
    )
    await server.start()
    try:
        yield server
    finally:
        await server.stop()


async def test_a_pause_from_one_pc_shows_on_another_and_reaches_kuper(
    relay: RelayServer, desk_factory, kuper: tuple[KuperStub, str]
) -> None:
    fake, _ = kuper
    first = await desk_factory("Касса 1", operator="Иванова")
    second = await desk_factory("Касса 2")
    await eventually(lambda: first.pause.info is not None and second.pause.info is not None)
    assert not second.pause.paused

    before = datetime.now(UTC)
    info = await first.pause_orders(15)
    assert info.paused and info.until is not None
    assert timedelta(minutes=14) < info.until - before <= timedelta(minutes=15, seconds=5)
    await eventually(lambda: second.pause.paused)
    assert second.pause.info is not None and second.pause.info.by == "Касса 1"
    assert second.pause.info.text_ru(tz=UTC) == f"Приём заказов Купера приостановлен до {info.until:%H:%M}"
    status = fake.content.store_status(OUTLET)
    assert status is not None and status.status is StoreStatus.INACTIVE
    assert status.scheduled_change is not None and status.scheduled_change.status is StoreStatus.ACTIVE
    assert abs((status.scheduled_change.change_at - info.until).total_seconds()) < 1

    await second.resume_orders()
    await eventually(lambda: not first.pause.paused)
    assert first.pause.info is not None and first.pause.info.text_ru() == ""
    resumed = fake.content.store_status(OUTLET)
    assert resumed is not None and resumed.status is StoreStatus.ACTIVE

    until_resumed = await first.pause_orders(None)
    assert until_resumed.until is None
    await eventually(lambda: second.pause.paused)
    assert second.pause.info is not None
    assert second.pause.info.text_ru() == "Приём заказов Купера приостановлен до возобновления"
    latest = fake.content.store_status(OUTLET)
    assert latest is not None and latest.status is StoreStatus.INACTIVE and latest.scheduled_change is None


async def test_kupers_refusal_is_a_clear_message_and_changes_nothing(
    relay: RelayServer, desk_factory, kuper: tuple[KuperStub, str]
) -> None:
    fake, _ = kuper
    fake.content.refuse_store_status(OUTLET)
    desk = await desk_factory()
    await eventually(lambda: desk.pause.info is not None)
    with pytest.raises(RelayError) as refused:
        await desk.pause_orders(30)
    assert refused.value.status == 422 and refused.value.code == "kuper_refused"
    assert refused.value.message.startswith("Купер не позволил приостановить приём заказов (403)")
    assert not desk.pause.paused
    assert not (await desk.client.store_pause()).paused
    with pytest.raises(RelayError) as bad:
        await desk.pause_orders(45)
    assert bad.value.code == "bad_duration"


async def test_the_relay_resumes_a_pause_whose_time_is_up(
    relay: RelayServer, desk_factory, kuper: tuple[KuperStub, str]
) -> None:
    fake, _ = kuper
    first = await desk_factory("Касса 1")
    second = await desk_factory("Касса 2")
    await first.pause_orders(15)
    await eventually(lambda: second.pause.paused)
    async with relay.state.engine.begin() as conn:  # a quarter of an hour later
        await conn.execute(update(store_pauses).values(until=datetime.now(UTC) - timedelta(seconds=1)))
    await relay.state.feed.pauses.resume_due()
    await eventually(lambda: not first.pause.paused and not second.pause.paused)
    assert second.pause.info is not None and second.pause.info.by == "автоматически"
    assert [s.status for _, s in fake.content.status_history] == [StoreStatus.INACTIVE, StoreStatus.ACTIVE]
    assert (await first.client.store_pause()).kuper_state == "sent"


async def test_two_rounds_resuming_at_once_tell_kuper_once(
    relay: RelayServer, desk_factory, kuper: tuple[KuperStub, str]
) -> None:
    fake, _ = kuper
    desk = await desk_factory("Касса 1")
    await desk.pause_orders(15)
    async with relay.state.engine.begin() as conn:  # a quarter of an hour later
        await conn.execute(update(store_pauses).values(until=datetime.now(UTC) - timedelta(seconds=1)))
    pauses = relay.state.feed.pauses
    await asyncio.gather(pauses.resume_due(), pauses.resume_due(), pauses.resume_due())  # the loop and PCs
    await eventually(lambda: not desk.pause.paused)
    assert [s.status for _, s in fake.content.status_history] == [StoreStatus.INACTIVE, StoreStatus.ACTIVE]


async def test_a_stock_import_reaches_kuper_and_the_desk_sees_the_feed(
    relay: RelayServer, desk_factory, kuper: tuple[KuperStub, str]
) -> None:
    fake, _ = kuper
    desk = await desk_factory()
    await import_csv(relay.state.engine, STORE, sample_stock())  # the relay notices the import by itself
    await eventually(lambda: len(fake.content.stocks_of(OUTLET)) > 0, timeout=10)

    async def fed() -> bool:
        state = await desk.feed_state()
        return state.pending == 0 and state.last_sent_at is not None

    for _ in range(100):
        if await fed():
            break
        await asyncio.sleep(0.1)
    state = await desk.feed_state()
    assert state.enabled and state.pending == 0 and state.failed == 0 and state.sent > 0
    assert state.text_ru().startswith("Остатки и цены в Купер: отправлено ")
    assert fake.content.stock(OUTLET, "100234") is not None
