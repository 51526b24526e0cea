"""The demo's assortment (the sample stock file with prices) and the virtual scanner's packs of an order."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from pharmacy_desk.demo.catalogue import UNMARKED, DemoCatalogue
from pharmacy_desk.demo.packs import GARBAGE, PackKind, sample_packs
from pharmacy_desk.domain import Line, NewOrder, Order, StoreRules, open_order
from pharmacy_desk.domain.bag_label import BagLabel
from pharmacy_desk.domain.scans import DrugPack, RetailBarcode, ScanError, parse_scan
from pharmacy_desk.inventory.gtin import normalize_gtin

TODAY = dt.date(2026, 11, 23)


def test_the_catalogue_is_the_sample_stock_with_prices() -> None:
    catalogue = DemoCatalogue.load()
    assert len(catalogue) == 39
    nurofen = catalogue.get("100234")
    assert nurofen is not None and nurofen.name == "Нурофен таб. п/о 200мг №20"
    assert nurofen.gtin == "04600714356057" and nurofen.marked and nurofen.price == Decimal("199.99")
    assert all(normalize_gtin(p.gtin) == p.gtin for p in catalogue.products.values() if p.gtin)
    assert catalogue.marked_skus() == frozenset(catalogue.products) - UNMARKED
    assert catalogue.gtins()["04600714356057"] == "100234"
    for seed in range(20):
        items = catalogue.random_items(random.Random(seed))
        assert 1 <= len(items) <= 3 and len({item.drug.sku for item in items}) == len(items)
        assert all(item.drug.sku in catalogue.products and 1 <= item.quantity <= 3 for item in items)


def _order(*lines: tuple[str, int]) -> tuple[DemoCatalogue, Order]:
    catalogue = DemoCatalogue.load()
    order_lines = []
    for sku, quantity in lines:
        product = catalogue.get(sku)
        assert product is not None
        order_lines.append(
            Line(sku=sku, name=product.name, quantity=quantity, ordered_quantity=quantity, price=product.price)
        )
    new = NewOrder(kuper_id="apteka-demo:1", shipment_method="pickup", lines=tuple(order_lines))
    when = dt.datetime(2026, 11, 23, 10, tzinfo=dt.UTC)
    opened = open_order(new, store="apteka-demo", number="D-000007", now=when, rules=StoreRules()).order
    return catalogue, opened


def test_the_packs_of_an_order_scan_as_what_they_claim() -> None:
    catalogue, order = _order(("100234", 2), ("102110", 1))  # a marked drug and a product sold by EAN
    packs = sample_packs(order, catalogue, today=TODAY)
    kinds = [pack.kind for pack in packs]
    assert kinds == [
        PackKind.MARKED,
        PackKind.MARKED,
        PackKind.EAN,
        PackKind.BAG_LABEL,
        PackKind.EXPIRED,
        PackKind.NOT_IN_ORDER,
        PackKind.GARBAGE,
    ]
    first, second, ean, label, expired, other, garbage = packs
    scanned = [parse_scan(pack.text) for pack in (first, second)]
    assert all(isinstance(s, DrugPack) and s.gtin == "04600714356057" for s in scanned)
    assert scanned[0].serial != scanned[1].serial  # type: ignore[union-attr]
    assert scanned[0].marking_code == first.text  # type: ignore[union-attr]  # the canonical MDLP layout
    barcode = parse_scan(ean.text)
    assert isinstance(barcode, RetailBarcode) and barcode.gtin == catalogue.get("102110").gtin  # type: ignore[union-attr]
    assert parse_scan(label.text) == BagLabel("apteka-demo", "D-000007")
    stale = parse_scan(expired.text)
    assert isinstance(stale, DrugPack) and stale.expiry is not None and stale.expiry < TODAY
    foreign = parse_scan(other.text)
    assert isinstance(foreign, DrugPack) and other.sku not in {"100234", "102110"}
    assert garbage.text == GARBAGE and all(pack.wrong for pack in (expired, other, garbage))
    try:
        parse_scan(garbage.text)
    except ScanError:
        pass
    else:
        raise AssertionError("garbage parsed")
    assert sample_packs(order, catalogue, today=TODAY) == packs  # the same order lists the same packs


def test_the_first_orders_show_the_product_rules() -> None:
    catalogue = DemoCatalogue.load()
    first = [catalogue.random_items(random.Random(seed), today=TODAY) for seed in range(5)]
    skus = [{item.drug.sku for item in items} for items in first]
    assert "102110" in skus[0] and not catalogue.products["102110"].marked  # sold by its EAN
    assert "100301" in skus[2] and not catalogue.products["100301"].remote_sale  # Rx
    aquadetrim = next(item.drug for item in first[4] if item.drug.sku == "101500")
    shelf = catalogue.products["101500"].attributes.shelf_price
    assert shelf is not None and aquadetrim.unit_price > shelf  # Kuper's stale price
    later = [catalogue.random_items(random.Random(seed), today=TODAY) for seed in range(30)]
    assert all(catalogue.products[item.drug.sku].remote_sale for items in later for item in items)


def test_a_line_the_shelf_cannot_fill_lists_the_packs_of_its_substitutes() -> None:
    catalogue, order = _order(("100236", 2))  # Нурофен №10: 1 pack on the shelf
    packs = sample_packs(order, catalogue, today=TODAY)
    offered = [pack for pack in packs if pack.kind is PackKind.SUBSTITUTE]
    assert {pack.sku for pack in offered} == {"100234", "102120"}  # same МНН, form and dose; not the 400 мг
    assert all(not pack.wrong and pack.series for pack in offered)
    ibuprofen = next(pack for pack in offered if pack.sku == "102120")
    scanned = parse_scan(ibuprofen.text)
    assert isinstance(scanned, DrugPack) and scanned.gtin == "04602439012133"
    full = sample_packs(_order(("100234", 1))[1], catalogue, today=TODAY)
    assert not any(pack.kind is PackKind.SUBSTITUTE for pack in full)  # a line the shelf fills: none
