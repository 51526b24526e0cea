"""Substitutes by МНН over a real relay on loopback (issue 14, item 5): ``GET /stores/{store}/equivalents``,
the typed client call, and the desk's offer for a short line under the order's ``replacementPolicy``.

Sample stock: 100236 Нурофен №10 (129.00) has 1 pack; the order wants 2. Ibuprofen 200 мг «таблетки п/о»
is also 100234 Нурофен №20 (199.99: above what the customer pays) and 102120 Ибупрофен №50 (119.00).
"""

from __future__ import annotations

from decimal import Decimal

from pharmacy_desk.desk.relay_client import RelayClient
from pharmacy_desk.domain.substitutes import Replacement
from pharmacy_desk.inventory.embedded import import_csv
from pharmacy_desk.resources import sample_stock
from tests.desk.desk_support import STORE, DeskFactory, RelayServer, marking_code, position
from tests.support import eventually

NUROFEN10, NUROFEN10_GTIN = "100236", "04600714356101"
IBUPROFEN50, IBUPROFEN50_GTIN = "102120", "04602439012133"
IBUPROFEN_200 = {"inn": "Ибупрофен", "form": "таблетки п/о", "dose": "200 мг"}


def _short_order(policy: str) -> dict[str, object]:
    total = "258.00"
    return {
        "positions": [position(NUROFEN10, "Нурофен таб. п/о 200мг №10", 2, "129.00")],
        "total": {"totalPrice": total, "discountTotalPrice": total},
        "replacementPolicy": policy,
    }


async def test_the_relay_answers_the_products_with_the_same_inn_form_and_dose(relay: RelayServer) -> None:
    await import_csv(relay.state.engine, STORE, sample_stock())
    token = await relay.device()
    async with RelayClient(relay.base_url, STORE, token) as client:
        found = await client.equivalents(**IBUPROFEN_200)
    assert [item.sku for item in found.items] == ["100234", NUROFEN10, IBUPROFEN50]
    ibuprofen = found.items[2]
    assert ibuprofen.attributes.pack_size == 50 and ibuprofen.attributes.shelf_price == Decimal("119.00")
    assert [(b.series, b.quantity) for b in ibuprofen.batches] == [("IBS2311", 6), ("IBS2409", 14)]
    assert found.min_shelf_life_days >= 0

    assert relay.client is not None
    url, auth = f"/stores/{STORE}/equivalents", {"Authorization": f"Bearer {token}"}
    empty = await relay.client.get(url, params={**IBUPROFEN_200, "dose": " "}, headers=auth)
    assert empty.status_code == 400 and "дозировка" in empty.json()["message"]
    missing = await relay.client.get(url, params={"inn": "Ибупрофен"}, headers=auth)
    assert missing.status_code == 400
    anonymous = await relay.client.get(url, params=IBUPROFEN_200)
    assert anonymous.status_code == 401


async def test_a_short_line_is_offered_the_cheaper_same_inn_product_after_a_call(
    relay: RelayServer, desk_factory: DeskFactory
) -> None:
    await import_csv(relay.state.engine, STORE, sample_stock())
    number = await relay.create_order("pickup", **_short_order("call"))
    desk = await desk_factory()
    await eventually(lambda: number in desk.book)
    session = await desk.open_assembly(number)
    assert session.attributes[NUROFEN10].inn == "Ибупрофен"

    both = await desk.substitute_offers(session, NUROFEN10)  # 2 packs of 10 = 20 tablets, 258.00 at most
    assert [(o.sku, o.packs, o.total) for o in both.offers] == [
        (IBUPROFEN50, 1, Decimal("119.00")),
        ("100234", 1, Decimal("199.99")),
    ]
    assert session.scan(marking_code("SERIALNUROF10", NUROFEN10_GTIN)).ok  # the one pack on the shelf

    choice = await desk.substitute_offers(session, NUROFEN10)  # 1 pack short: 129.00 at most

    assert choice.rule is Replacement.CALL_FIRST and choice.phone == "+79990001122"
    assert [(o.sku, o.packs, o.total) for o in choice.offers] == [(IBUPROFEN50, 1, Decimal("119.00"))]
    line = session.take_offer(NUROFEN10, choice.offers[0])
    assert (line.sku, line.replaces, line.required) == (IBUPROFEN50, NUROFEN10, 1)
    assert session.scan(marking_code("SERIALIBUPR50", IBUPROFEN50_GTIN)).ok  # its GTIN is known now
    assert session.complete
    assert [b.series for b in line.suggestions] == ["IBS2311"]  # FEFO over its sellable batches

    one_short = session.line(NUROFEN10)
    assert one_short is not None and one_short.reason is not None and one_short.reason.startswith("замена")


async def test_a_policy_that_forbids_replacement_offers_nothing(relay: RelayServer, desk_factory: DeskFactory) -> None:
    await import_csv(relay.state.engine, STORE, sample_stock())
    number = await relay.create_order("pickup", **_short_order("no_replace"))
    desk = await desk_factory()
    await eventually(lambda: number in desk.book)
    session = await desk.open_assembly(number)

    choice = await desk.substitute_offers(session, NUROFEN10)

    assert (choice.rule, choice.offers) == (Replacement.FORBIDDEN, ())
    assert choice.why_none_ru is not None and "не заменять" in choice.why_none_ru
