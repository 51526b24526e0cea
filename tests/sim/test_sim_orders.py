"""The simulator's orders are what the wire models and the domain accept: valid GTINs, exact totals."""

from __future__ import annotations

import random
from decimal import Decimal

import pytest

from pharmacy_desk.domain.product import Dispensing
from pharmacy_desk.domain.scans import DrugPack, parse_scan
from pharmacy_desk.inventory.embedded import read_stock_csv
from pharmacy_desk.kuper import (
    OrderCreatedWebhook,
    OrderPaidWebhook,
    OrderUpdatedWebhook,
    ShipmentMethod,
    parse_webhook,
)
from pharmacy_desk.resources import sample_stock
from pharmacy_desk.sim.catalogue import (
    BY_SKU,
    CATALOGUE,
    NOT_REMOTE,
    UNSTOCKED,
    Drug,
    gs1_check_digit,
    marking_code,
)
from pharmacy_desk.sim.orders import Item, random_order
from pharmacy_desk.sim.report import ScenarioResult, exit_code, format_result, format_summary


def test_catalogue_is_consistent() -> None:
    assert len(BY_SKU) == len(CATALOGUE) + len(NOT_REMOTE)
    assert UNSTOCKED.sku not in BY_SKU
    for drug in (*CATALOGUE, *NOT_REMOTE):
        assert drug.unit_price <= drug.price
        assert drug.price == drug.price.quantize(Decimal("0.01"))
        if drug.gtin is not None:
            assert len(drug.gtin) == 14
            assert gs1_check_digit(drug.gtin[:13]) == int(drug.gtin[13])


def test_the_catalogue_is_the_sample_stocks_products() -> None:
    """A relay loaded with the sample stock has every product the simulator orders, marked as the file says."""
    rows = read_stock_csv(sample_stock())
    by_sku = {row.sku: row for row in rows}
    assert {d.sku for d in CATALOGUE} <= set(by_sku)
    for drug in CATALOGUE:
        row = by_sku[drug.sku]
        assert drug.name == row.name and drug.price == row.attributes.shelf_price
        assert row.attributes.dispensing is Dispensing.OTC
        assert drug.is_marked is bool(row.attributes.marked)
        assert drug.gtin == (row.gtin if row.attributes.marked else None)
        assert sum(r.quantity for r in rows if r.sku == drug.sku) >= 3
    assert {d.sku for d in NOT_REMOTE} == {r.sku for r in rows if r.attributes.dispensing is not Dispensing.OTC}
    assert any(not d.is_marked for d in CATALOGUE)  # the panthenol spray, scanned by its EAN
    for seed in range(10):
        assert all(item.drug.sku in by_sku for item in random_order(random.Random(seed), store_id="s").items)


@pytest.mark.parametrize("drug", [d for d in CATALOGUE if d.is_marked], ids=lambda d: d.sku)
def test_marking_codes_parse_as_drug_packs(drug: Drug) -> None:
    code = marking_code(drug, random.Random(drug.sku))
    scan = parse_scan(code)
    assert isinstance(scan, DrugPack)
    assert scan.gtin == drug.gtin
    assert scan.marking_code == code


def test_unmarked_drug_has_no_code() -> None:
    unmarked = next(d for d in CATALOGUE if not d.is_marked)
    with pytest.raises(ValueError, match="no marking code"):
        marking_code(unmarked, random.Random(1))


@pytest.mark.parametrize("seed", range(20))
def test_random_orders_round_trip_through_the_wire_models(seed: int) -> None:
    rng = random.Random(seed)
    order = random_order(rng, store_id="apteka-sim")
    parsed = parse_webhook(order.created().to_json())
    assert isinstance(parsed, OrderCreatedWebhook)
    payload = parsed.payload
    assert payload.order_uuid == order.uuid
    assert payload.known_shipment_method is order.flow
    assert payload.positions is not None and payload.total is not None
    assert sum((p.total_discount_price or Decimal(0) for p in payload.positions), Decimal(0)) == order.total
    assert payload.total.total_price == order.total
    assert (payload.address is None) == (order.flow is ShipmentMethod.PICKUP)
    assert "null" not in order.created().to_json().decode()


def test_orders_differ_and_follow_up_webhooks_parse() -> None:
    rng = random.Random(5)
    orders = [random_order(rng, store_id="s") for _ in range(50)]
    assert len({o.uuid for o in orders}) == 50
    assert {o.flow for o in orders} == {ShipmentMethod.PICKUP, ShipmentMethod.BY_COURIER}
    order = orders[0]
    updated = parse_webhook(order.updated([Item(CATALOGUE[0], 1)]).to_json())
    assert isinstance(updated, OrderUpdatedWebhook) and updated.payload.positions is not None
    assert order.total == CATALOGUE[0].unit_price
    paid = parse_webhook(order.paid(order.total).to_json())
    assert isinstance(paid, OrderPaidWebhook) and paid.payload.total is not None
    assert paid.payload.total.total_price == order.total
    for webhook in (order.courier_assigned(), order.courier_arrived(), order.received(), order.delivered()):
        assert parse_webhook(webhook.to_json()).event_type == webhook.event_type
    canceled = order.canceled("out_of_stock", "Нет в наличии")
    assert canceled.payload.cancellation is not None and canceled.payload.cancellation.known_slug is not None


def test_report_and_exit_code() -> None:
    ok = ScenarioResult("a", (), 0.5, ("S000001",))
    bad = ScenarioResult("b", ("S000002: order.in_work accepted 2 times",), 1.0)
    assert exit_code([ok]) == 0
    assert exit_code([ok, bad]) == 1
    assert exit_code([]) == 1
    assert format_result(ok).startswith("PASS  a")
    assert "      - S000002: order.in_work accepted 2 times" in format_result(bad)
    assert format_summary([ok, bad], 1.2) == "1/2 scenarios passed in 1.2 s; failed: b"
