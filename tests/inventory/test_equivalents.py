"""``find_equivalents`` on every source (embedded on SQLite and PostgreSQL, 1C through its stub): the products
with a МНН, form and dose, with their batches; then the domain's substitutes rule over the answer.

Sample stock: ibuprofen 200 мг «таблетки п/о» is 100234 Нурофен №20 (199.99), 100236 Нурофен №10 (129.00,
1 pack) and 102120 Ибупрофен №50 (119.00: IBS2311 30.04.2027 ×6, IBS2409 30.09.2028 ×14); 100415 is 400 мг.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from pharmacy_desk.domain.fefo import Batch
from pharmacy_desk.domain.substitutes import Candidate, choose_substitutes
from pharmacy_desk.inventory import InvalidRequest
from pharmacy_desk.inventory.onec.stub import OneCStub
from tests.inventory.inventory_support import TODAY, Bench, line

IBUPROFEN_200 = ("Ибупрофен", "таблетки п/о", "200 мг")


async def test_products_with_the_same_inn_form_and_dose_with_their_stock(bench: Bench) -> None:
    await bench.source.reserve(bench.store, "order-1", [line("102120", 4)])

    found = await bench.source.find_equivalents(bench.store, *IBUPROFEN_200)

    assert [item.sku for item in found] == ["100234", "100236", "102120"]
    by_sku = {item.sku: item for item in found}
    assert by_sku["102120"].name == "Ибупрофен таб. п/о 200мг №50"
    assert [(b.series, b.quantity, b.reserved) for b in by_sku["102120"].batches] == [
        ("IBS2311", 6, 4),  # the order above holds 4 of them
        ("IBS2409", 14, 0),
    ]
    attributes = by_sku["100236"].attributes
    assert (attributes.pack_size, attributes.shelf_price, attributes.dispensing) == (10, Decimal("129.00"), "otc")
    assert by_sku["100236"].gtins == ("04600714356101",) and by_sku["100236"].marked

    other = await bench.source.find_equivalents(bench.store, "Ибупрофен", "таблетки п/о", "400 мг")
    assert [item.sku for item in other] == ["100415"]
    assert await bench.source.find_equivalents(bench.store, "Ибупрофен", "сироп", "200 мг") == ()
    assert [i.sku for i in await bench.source.find_equivalents(bench.lax_store, *IBUPROFEN_200)] == [
        "100234",
        "100236",
        "102120",
    ]


async def test_the_answer_feeds_the_substitutes_rule(bench: Bench) -> None:
    found = await bench.source.find_equivalents(bench.store, *IBUPROFEN_200)
    candidates = [
        Candidate(
            item.sku,
            item.name,
            item.attributes,
            tuple(Batch(b.series, b.expiry, b.available, gtin=b.gtin) for b in item.batches),
        )
        for item in found
    ]
    nurofen10 = next(item.attributes for item in found if item.sku == "100236")

    choice = choose_substitutes(
        "100236", nurofen10, 1, Decimal("129.00"), candidates, policy="call", today=TODAY, min_shelf_life_days=30
    )

    assert [(o.sku, o.packs, o.total) for o in choice.offers] == [("102120", 1, Decimal("119.00"))]  # №20 costs more


@pytest.mark.parametrize("empty", ["inn", "form", "dose"])
async def test_an_empty_key_is_refused(bench: Bench, empty: str) -> None:
    keys = dict(zip(("inn", "form", "dose"), IBUPROFEN_200, strict=True))
    keys[empty] = "  "
    with pytest.raises(InvalidRequest):
        await bench.source.find_equivalents(bench.store, keys["inn"], keys["form"], keys["dose"])


@pytest.mark.parametrize("bench", ["onec"], indirect=True)
async def test_the_1c_service_is_asked_what_the_contract_says(onec_stub: tuple[OneCStub, str], bench: Bench) -> None:
    stub, _ = onec_stub
    await bench.source.find_equivalents(bench.store, " Ибупрофен ", *IBUPROFEN_200[1:])
    op, body = stub.calls[-1]
    assert (op, body) == (
        "equivalents",
        {"store": bench.store, "inn": "Ибупрофен", "form": "таблетки п/о", "dose": "200 мг"},
    )
