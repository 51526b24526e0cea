"""Product rules at the counter (issue 14, items 1 and 2), over a real relay on loopback.

Marking as the stock source says: an unmarked product with a shop barcode (Пантенол spray, EAN-13) is
assembled by scanning that barcode; a marked one still needs its DataMatrix; a stock file without the
``marked`` column keeps the old rule (a GTIN means marked) and the catalogue says it guessed. An Rx
line is blocked at assembly until it is left out.
"""

from __future__ import annotations

from pathlib import Path

from desk_support import STORE, RelayServer, eventually, marking_code, position

from pharmacy_desk.desk.assembly_feedback import FeedbackCode
from pharmacy_desk.desk.relay_client import RelayClient
from pharmacy_desk.desk.service import Accepted
from pharmacy_desk.domain import StartAssembly
from pharmacy_desk.domain.product import Dispensing, Storage
from pharmacy_desk.inventory.embedded import import_csv
from pharmacy_desk.resources import sample_stock

PANTHENOL, PANTHENOL_GTIN = "102110", "04601707002180"  # marked 0 in the sample stock
NUROFEN, NUROFEN_GTIN = "100234", "04600714356057"  # marked 1


def _panthenol_and_nurofen() -> dict[str, object]:
    positions = [
        position(PANTHENOL, "Пантенол спрей д/наружн. прим. 4,63% 130г", 2, "449.00"),
        position(NUROFEN, "Нурофен таб. п/о 200мг №20", 1, "199.99"),
    ]
    total = "1097.99"
    return {"positions": positions, "total": {"totalPrice": total, "discountTotalPrice": total}}


async def test_an_unmarked_product_is_assembled_by_its_barcode_a_marked_one_by_its_datamatrix(
    relay: RelayServer, desk_factory
) -> None:
    await import_csv(relay.state.engine, STORE, sample_stock())
    number = await relay.create_order("pickup", **_panthenol_and_nurofen())
    async with RelayClient(relay.base_url, STORE, await relay.device("Касса 2")) as client:
        catalogue = await client.catalogue([PANTHENOL, NUROFEN])
    panthenol, nurofen = catalogue.items
    assert (panthenol.known, panthenol.marked, panthenol.marked_given) == (True, False, True)
    assert panthenol.gtins == (PANTHENOL_GTIN,)  # it has a GTIN, and still is not marked
    assert (nurofen.marked, nurofen.marked_given) == (True, True)
    assert nurofen.attributes.dispensing is Dispensing.OTC and nurofen.attributes.storage is Storage.ROOM
    assert nurofen.attributes.inn == "Ибупрофен" and str(nurofen.attributes.shelf_price) == "199.99"

    desk = await desk_factory(marked_skus=[PANTHENOL])  # a stale local list is overruled by the relay
    await eventually(lambda: number in desk.book)
    session = await desk.open_assembly(number)

    ean13 = PANTHENOL_GTIN[1:]  # what the scanner reads from the shop barcode
    first = session.scan(ean13)
    assert first.ok and first.code is FeedbackCode.OK and first.sku == PANTHENOL, first
    assert session.scan(ean13).ok
    assert session.line(PANTHENOL).complete  # type: ignore[union-attr]
    assert session.line(PANTHENOL).packs[0].series == "PT5507"  # type: ignore[union-attr]  # the only batch

    refused = session.scan(NUROFEN_GTIN[1:])
    assert not refused.ok and refused.code is FeedbackCode.MARKING_REQUIRED
    assert "маркирован" in refused.message
    assert session.scan(marking_code("PACKNUROFEN01", gtin=NUROFEN_GTIN)).ok
    assert session.complete, session.blockers()
    final = {line.sku: line for line in session.final_lines()}
    assert final[PANTHENOL].quantity == 2 and final[PANTHENOL].marking_codes == ()
    assert final[NUROFEN].quantity == 1 and len(final[NUROFEN].marking_codes) == 1


async def test_without_the_marked_column_a_gtin_means_marked(relay: RelayServer, tmp_path: Path) -> None:
    old = tmp_path / "old.csv"
    old.write_text(
        "sku;name;gtin;series;expiry;quantity;location\n"
        f"{PANTHENOL};Пантенол спрей;{PANTHENOL_GTIN};PT1;2099-01-31;4;В6-01\n"
        "777001;Бинт стерильный 7м×14см;;BN1;2099-01-31;4;В7-01\n",
        encoding="utf-8",
    )
    await import_csv(relay.state.engine, STORE, old)
    async with RelayClient(relay.base_url, STORE, await relay.device()) as client:
        panthenol, bandage = (await client.catalogue([PANTHENOL, "777001"])).items
    assert (panthenol.marked, panthenol.marked_given) == (True, False)  # the old rule, and it says so
    assert (bandage.marked, bandage.marked_given) == (False, False)
    assert panthenol.attributes.empty


AMOXICLAV, AMOXICLAV_GTIN = "100301", "04603521018446"  # rx in the sample stock


async def test_an_rx_line_is_blocked_at_the_counter_until_it_is_left_out(relay: RelayServer, desk_factory) -> None:
    await import_csv(relay.state.engine, STORE, sample_stock())
    positions = [
        position(NUROFEN, "Нурофен таб. п/о 200мг №20", 1, "199.99"),
        position(AMOXICLAV, "Амоксиклав таб. п/о 875+125мг №14", 1, "449.00"),
    ]
    total = {"totalPrice": "648.99", "discountTotalPrice": "648.99"}
    number = await relay.create_order("pickup", positions=positions, total=total)
    desk = await desk_factory()
    await eventually(lambda: number in desk.book)
    session = await desk.open_assembly(number)

    line = session.line(AMOXICLAV)
    assert line is not None and line.forbidden is not None and line.forbidden.startswith("рецептурный препарат")
    assert line.suggestions == ()  # nothing to pick
    refused = session.scan(marking_code("PACKAMOXICLAV", gtin=AMOXICLAV_GTIN))
    assert not refused.ok and refused.code is FeedbackCode.REMOTE_SALE_FORBIDDEN
    assert "исключите позицию или отмените заказ" in refused.message
    assert session.line(AMOXICLAV).picked == 0  # type: ignore[union-attr]
    assert session.scan(marking_code("PACKNUROFEN02", gtin=NUROFEN_GTIN)).ok
    assert any("Амоксиклав" in b and "рецептурный" in b for b in session.blockers())

    assert session.exclude_forbidden() == [AMOXICLAV]
    assert session.complete, session.blockers()
    started = await desk.act(number, StartAssembly())
    assert isinstance(started, Accepted), started
    assembled = await desk.act(number, session.assembled_action(), expected_version=started.order.version)
    assert isinstance(assembled, Accepted), assembled
    detail = await desk.order_detail(number, refresh=True)
    amoxiclav = next(line for line in detail.composition if line.sku == AMOXICLAV)
    assert amoxiclav.quantity == 0 and amoxiclav.change_reason == "дистанционная продажа запрещена"
    assert "remote_sale_forbidden" in detail.flags
