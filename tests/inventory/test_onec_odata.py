"""Stock and expiry read through 1C's standard OData interface (the read-only option)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date

import pytest
from inventory_support import line, onec_settings, shelf_life

from pharmacy_desk.domain.product import Dispensing
from pharmacy_desk.inventory import StockUnavailable, UnavailableKind
from pharmacy_desk.inventory.embedded import StockRow
from pharmacy_desk.inventory.onec import ODataSettings, OneCStock
from pharmacy_desk.inventory.onec.odata import guid, quote
from pharmacy_desk.inventory.onec.stub import ITEM_FIELDS, Fault, OneCStub


@pytest.fixture
async def pair(
    onec_stub: tuple[OneCStub, str], sample_rows: list[StockRow], store: str
) -> AsyncIterator[tuple[OneCStock, OneCStock, OneCStub, str]]:
    """(service-only adapter, OData-reading adapter) on the same 1C store."""
    stub, url = onec_stub
    stub.load(store, sample_rows)
    odata = ODataSettings(
        base_url=f"{url}/odata/standard.odata/",
        warehouses={store: stub.warehouses[store]},
        reserve_register="РезервыKuper",
    )
    service = OneCStock(onec_settings(url), shelf_life(store))
    reader = OneCStock(onec_settings(url, odata=odata, timeout_seconds=0.5), shelf_life(store))
    yield service, reader, stub, store
    await service.aclose()
    await reader.aclose()


async def test_odata_reads_the_same_batches_and_reservations(pair: tuple[OneCStock, OneCStock, OneCStub, str]) -> None:
    service, reader, _, store = pair
    await service.reserve(store, "order-1", [line("100234", 7)])

    via_service = await service.stock(store, ["100234", "100777", "999999"])
    via_odata = await reader.stock(store, ["100234", "100777", "999999"])

    def figures(stock: object) -> dict[str, list[tuple[str, date, int, int]]]:
        return {
            sku: [(b.series, b.expiry, b.quantity, b.reserved) for b in item.batches]
            for sku, item in stock.items()  # type: ignore[attr-defined]
        }

    assert figures(via_odata) == figures(via_service)
    assert via_odata["100234"].name == "Нурофен таб. п/о 200мг №20"
    assert via_odata["100234"].batches[2].reserved == 5
    assert via_odata["100234"].batches[0].gtin is None  # not read through OData
    assert via_odata["999999"].batches == ()


async def test_reservations_still_go_through_the_service(pair: tuple[OneCStock, OneCStock, OneCStub, str]) -> None:
    _, reader, stub, store = pair
    before = len(stub.calls)

    result = await reader.reserve(store, "order-1", [line("100777", 2)])

    assert result.reserved == 2
    assert [op for op, _ in stub.calls[before:]] == ["reserve"]


async def test_a_store_without_a_warehouse_is_refused(pair: tuple[OneCStock, OneCStock, OneCStub, str]) -> None:
    _, reader, _, _ = pair
    with pytest.raises(StockUnavailable) as caught:
        await reader.stock("apteka-99", ["100234"])
    assert caught.value.kind is UnavailableKind.REFUSED
    assert "для аптеки apteka-99 не задан склад 1С" in caught.value.message_ru


@pytest.mark.parametrize(
    ("fault", "kind"),
    [
        (Fault(body=b'{"odata.metadata": "x"}', times=1), UnavailableKind.BAD_ANSWER),
        (Fault(body=b"<feed/>", content_type="application/atom+xml", times=1), UnavailableKind.BAD_ANSWER),
        (Fault(status=404, body=b"", times=1), UnavailableKind.REFUSED),
        (Fault(delay=0.8, times=1), UnavailableKind.TIMEOUT),
    ],
)
async def test_odata_failures_are_clear(
    pair: tuple[OneCStock, OneCStock, OneCStub, str], fault: Fault, kind: UnavailableKind
) -> None:
    _, reader, stub, store = pair
    stub.fault("*", "odata", fault)
    try:
        with pytest.raises(StockUnavailable) as caught:
            await reader.stock(store, ["100234"])
    finally:
        stub.fault("*", "odata", None)
    assert caught.value.kind is kind
    assert not caught.value.maybe_applied


def test_literals_are_quoted_and_guids_checked() -> None:
    assert quote("O'Brien") == "'O''Brien'"
    assert guid("6f1c0000-0000-4000-8000-00000000c0de") == "guid'6f1c0000-0000-4000-8000-00000000c0de'"
    with pytest.raises(ValueError):
        guid("' or 1 eq 1 or '")


async def test_odata_reads_the_product_attributes_from_the_items_catalogue(
    onec_stub: tuple[OneCStub, str], sample_rows: list[StockRow], store: str
) -> None:
    stub, url = onec_stub
    stub.load(store, sample_rows)
    odata = ODataSettings(
        base_url=f"{url}/odata/standard.odata/", warehouses={store: stub.warehouses[store]}, item_attributes=ITEM_FIELDS
    )
    service = OneCStock(onec_settings(url), shelf_life(store))
    reader = OneCStock(onec_settings(url, odata=odata), shelf_life(store))
    skus = ["100234", "102110", "102210"]
    try:
        via_service = await service.stock(store, skus)
        via_odata = await reader.stock(store, skus)
        for sku in skus:  # the same, but the shelf price (a price register's, not the catalogue's)
            assert via_odata[sku].attributes == via_service[sku].attributes.model_copy(update={"shelf_price": None})
        assert not via_odata["102110"].marked and via_odata["102210"].attributes.dispensing is Dispensing.RX

        stub.one_c.products[store]["100234"]["dispensing"] = True  # a Булево "by prescription" flag
        assert (await reader.stock(store, ["100234"]))["100234"].attributes.dispensing is Dispensing.RX
        stub.one_c.products[store]["100234"]["storage"] = "в холодильнике"
        with pytest.raises(StockUnavailable) as caught:
            await reader.stock(store, ["100234"])
        assert caught.value.kind is UnavailableKind.BAD_ANSWER and "storage" in caught.value.message_ru
    finally:
        await service.aclose()
        await reader.aclose()


def test_only_the_catalogue_attributes_can_be_mapped() -> None:
    with pytest.raises(ValueError, match="not read through OData: shelf_price"):
        ODataSettings(base_url="http://1c/odata", warehouses={}, item_attributes={"shelf_price": "Цена"})
