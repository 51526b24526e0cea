"""The desk and the relay's store endpoints, over loopback: the shared acknowledgement, the catalogue,
batches and the store's minimum shelf life for assembling, the typed client calls and their fall-backs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmacy_desk import __version__
from pharmacy_desk.desk.relay_client import RelayClient, RelayProtocolError, RelayUnreachable
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings
from pharmacy_desk.inventory.embedded import import_csv
from pharmacy_desk.resources import sample_stock
from tests.desk.desk_support import STORE, DeskFactory, RelayServer, marking_code
from tests.support import eventually

SAMPLE_SKU = "100234"  # the webhook fixtures' product, in the sample stock
SAMPLE_GTIN = "04600714356057"
SAMPLE_SERIES = {"NF2409A", "NF2501B", "NF2503C", "NF2506D"}


async def _stock_sample(relay: RelayServer) -> None:
    await import_csv(relay.state.engine, STORE, sample_stock())


async def test_acknowledge_stops_the_bell_on_every_pc_and_after_a_restart(
    relay: RelayServer, desk_factory: DeskFactory
) -> None:
    number = await relay.create_order()
    first = await desk_factory("Касса 1", operator="Иванова")
    second = await desk_factory("Касса 2")
    await eventually(lambda: number in first.bell.ringing and number in second.bell.ringing)

    task = first.acknowledge(number)
    assert number not in first.bell.ringing  # at once, before the relay answers
    assert task is not None and await task
    await eventually(lambda: number not in second.bell.ringing)
    assert second.bell.acknowledged_by(number) == "Касса 1 (Иванова)"
    again = first.acknowledge(number)
    assert again is not None and await again  # idempotent

    later = await relay.create_order("pickup")
    restarted = await desk_factory("Касса 2")  # a PC started after the acknowledgement
    await eventually(lambda: later in restarted.bell.ringing)
    assert number in restarted.book and number not in restarted.bell.ringing
    assert restarted.bell.acknowledged_by(number) == "Касса 1 (Иванова)"


async def test_acknowledge_stays_local_when_the_relay_is_away(relay: RelayServer, desk_factory: DeskFactory) -> None:
    number = await relay.create_order()
    desk = await desk_factory()
    await eventually(lambda: number in desk.bell.ringing)
    await relay.stop()
    task = desk.acknowledge(number)
    assert number not in desk.bell.ringing
    assert task is not None and not await task
    assert desk.bell.ringing == frozenset()


async def test_open_assembly_takes_batches_gtins_and_marking_from_the_relay(
    relay: RelayServer, desk_factory: DeskFactory
) -> None:
    await _stock_sample(relay)
    number = await relay.create_order()  # 2 packs of 100234, reserved from the sample stock
    desk = await desk_factory()  # no catalogue, no marked SKUs given
    await eventually(lambda: number in desk.book)
    session = await desk.open_assembly(number)

    line = session.line(SAMPLE_SKU)
    assert line is not None and line.suggestions
    assert {b.series for b in line.suggestions} <= SAMPLE_SERIES
    assert all(b.gtin == SAMPLE_GTIN for b in line.suggestions)
    assert desk.store_info is not None and desk.store_info.stock == "embedded"
    feedback = session.scan(marking_code("SAMPLEPACK001", gtin=SAMPLE_GTIN))
    assert feedback.ok and feedback.sku == SAMPLE_SKU, feedback
    assert session.line(SAMPLE_SKU).picked == 1  # type: ignore[union-attr]
    assert not session.scan(SAMPLE_GTIN).ok  # marked per the relay's catalogue: the DataMatrix is needed


async def test_open_assembly_without_a_stock_source_falls_back(tmp_path: Path) -> None:
    store = {"key": STORE, "name": "Аптека №12", "number_prefix": "A12-", "stock": "none", "min_shelf_life_days": 30}
    server = RelayServer(f"sqlite+aiosqlite:///{tmp_path / 'nostock.sqlite3'}", stores=[store])
    await server.start()
    try:
        number = await server.create_order()
        settings = DeskSettings(relay_url=server.base_url, store=STORE, device_name="Касса 1", data_dir=tmp_path / "d")
        async with DeskService(settings, await server.device(), catalogue={SAMPLE_GTIN: SAMPLE_SKU}) as desk:
            await eventually(lambda: number in desk.book)
            session = await desk.open_assembly(number)
            assert session.min_shelf_life_days == 30  # the relay's, the local setting being 0
            assert session.line(SAMPLE_SKU).suggestions == ()  # type: ignore[union-attr]
            assert session.scan(marking_code("SAMPLEPACK002", gtin=SAMPLE_GTIN)).ok  # the passed catalogue
            async with RelayClient(server.base_url, STORE, await server.device("Касса 2")) as client:
                with pytest.raises(RelayProtocolError) as refused:
                    await client.catalogue([SAMPLE_SKU])
                assert (refused.value.status, refused.value.code) == (409, "no_stock_source")
    finally:
        await server.stop()


async def test_client_store_calls(relay: RelayServer) -> None:
    await _stock_sample(relay)
    number = await relay.create_order()
    async with RelayClient(relay.base_url, STORE, await relay.device()) as client:
        assert (await client.health()).version == __version__
        info = await client.store_info()
        assert (info.key, info.name, info.number_prefix) == (STORE, "Аптека №12", "A12-")
        catalogue = await client.catalogue([SAMPLE_SKU, "999999"])
        known, unknown = catalogue.items
        assert (known.known, known.marked, known.gtins) == (True, True, (SAMPLE_GTIN,))
        assert not unknown.known and catalogue.gtin_map() == {SAMPLE_GTIN: SAMPLE_SKU}
        batches = await client.order_batches(number)
        assert batches.number == number and batches.lines[0].sku == SAMPLE_SKU
        assert await client.find_series(SAMPLE_GTIN, "NOSUCHSERIAL1") is None
        assert await client.marking_code_owners(["01046000000000002100000000000001"]) == {}
        ack = await client.acknowledge(number, operator="Петров")
        assert ack.first and ack.acknowledged_by.operator == "Петров"
        assert not (await client.acknowledge(number)).first
    async with RelayClient("http://127.0.0.1:9", STORE, "token", timeout=2) as away:
        with pytest.raises(RelayUnreachable):
            await away.store_info()
