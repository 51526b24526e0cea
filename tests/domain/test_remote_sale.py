"""The remote-sale rules (issue 14, item 2): OTC only, never above the shelf price."""

from __future__ import annotations

from decimal import Decimal

import pytest
from factories import aspirin, assembled, ctx, nurofen, ok, opened

from pharmacy_desk.domain import actions as act
from pharmacy_desk.domain.composition import FinalLine
from pharmacy_desk.domain.lifecycle import decide
from pharmacy_desk.domain.product import Dispensing, ProductAttributes
from pharmacy_desk.domain.refusals import RefusalCode
from pharmacy_desk.domain.remote_sale import (
    FLAG_FORBIDDEN,
    FLAG_PRICE_ABOVE_SHELF,
    RULE_RU,
    cap_prices,
    check_remote_sale,
)
from pharmacy_desk.domain.states import NotificationType

NUROFEN, ASPIRIN = "100234", "100777"


@pytest.mark.parametrize("dispensing", [d for d in Dispensing if d is not Dispensing.OTC])
def test_every_rule_but_otc_forbids_the_line(dispensing: Dispensing) -> None:
    found = check_remote_sale(
        [nurofen(), aspirin()], {NUROFEN: ProductAttributes(dispensing=dispensing), ASPIRIN: ProductAttributes()}
    )
    (line,) = found.forbidden
    assert (line.sku, line.dispensing, line.rule_ru) == (NUROFEN, dispensing, RULE_RU[dispensing])
    assert found.flags == (FLAG_FORBIDDEN,) and found.forbidden_skus == {NUROFEN: RULE_RU[dispensing]}
    message = found.alert_ru("A12-000001")
    assert message.startswith("Заказ A12-000001: «Нурофен таб. п/о 200мг №20» — ")
    assert "исключите её или отмените заказ" in message


def test_otc_and_unknown_attributes_pass() -> None:
    attributes = {NUROFEN: ProductAttributes(dispensing=Dispensing.OTC, shelf_price=Decimal("189.99"))}
    found = check_remote_sale([nurofen(), aspirin()], attributes)  # aspirin: the source says nothing
    assert found.clean and found.flags == () and found.alert_ru("A12-1") == ""


def test_a_unit_price_above_the_shelf_is_flagged_and_capped() -> None:
    shelf = {
        NUROFEN: ProductAttributes(shelf_price=Decimal("179.00")),
        ASPIRIN: ProductAttributes(shelf_price=Decimal("150")),
    }
    found = check_remote_sale([nurofen(), aspirin()], shelf)  # Нурофен sells at 189.99 (its discount price)
    (above,) = found.above_shelf
    assert (above.sku, above.price, above.shelf_price) == (NUROFEN, Decimal("189.99"), Decimal("179.00"))
    assert found.flags == (FLAG_PRICE_ABOVE_SHELF,) and found.price_caps == {NUROFEN: Decimal("179.00")}
    capped = cap_prices((nurofen(), aspirin()), found.price_caps)
    assert [(line.price, line.unit_price) for line in capped] == [
        (Decimal("199.99"), Decimal("179.00")),
        (Decimal("145.50"), Decimal("145.50")),
    ]


def test_the_lifecycle_refuses_packs_of_a_forbidden_line_and_caps_the_ready_composition() -> None:
    order = opened().model_copy(
        update={"forbidden_skus": {ASPIRIN: RULE_RU[Dispensing.RX]}, "price_caps": {NUROFEN: Decimal("179.00")}}
    )
    started = ok(decide(order, act.StartAssembly(), ctx()))
    refused = decide(
        started,
        act.Assembled(composition=(FinalLine(sku=NUROFEN, quantity=2), FinalLine(sku=ASPIRIN, quantity=1))),
        ctx(),
    )
    assert refused.refusal is not None and refused.refusal.code is RefusalCode.REMOTE_SALE_FORBIDDEN
    assert "Аспирин Кардио" in refused.refusal.message and not refused.changed

    left_out = (
        FinalLine(sku=NUROFEN, quantity=2),
        FinalLine(sku=ASPIRIN, quantity=0, reason="дистанционная продажа запрещена"),
    )
    built = assembled(order, left_out)
    outcome = decide(built, act.Ready(), ctx())
    ready = ok(outcome)
    nurofen_line = next(line for line in ready.composition if line.sku == NUROFEN)
    assert nurofen_line.unit_price == Decimal("179.00") and ready.totals.total_price == Decimal("358.00")
    (sent,) = [n for n in outcome.notifications if n.type is NotificationType.READY_FOR_DELIVERY]
    assert sent.totals is not None and sent.totals.total_price == Decimal("358.00")
    smuggled = decide(
        built, act.Ready(composition=(FinalLine(sku=NUROFEN, quantity=2), FinalLine(sku=ASPIRIN, quantity=1))), ctx()
    )
    assert smuggled.refusal is not None and smuggled.refusal.code is RefusalCode.REMOTE_SALE_FORBIDDEN
