"""F4 on a short line offers substitutes by МНН in the real assembly screen (offscreen), over a real relay.

The sample stock has 1 pack of 100236 Нурофен №10 (129.00); the order wants 2. With one pack scanned, the
line is 1 pack (10 tablets) short: 102120 Ибупрофен 200мг №50 (119.00) is offered, 100234 Нурофен №20
(199.99) is not (above what the customer pays for the missing pack).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt

from pharmacy_desk.desk.assembly_feedback import FeedbackCode
from pharmacy_desk.ui.line_dialogs import SubstituteDialog, SubstituteOfferDialog
from pharmacy_desk.ui.outcome import Tone
from tests.desk.desk_support import marking_code, position
from tests.support import eventually
from tests.ui.handover_support import load_sample_stock
from tests.ui.test_assembly_live import act, open_in_assembly, scan
from tests.ui.ui_support import Desk, Live, press

NUROFEN10, NUROFEN10_GTIN = "100236", "04600714356101"
IBUPROFEN50, IBUPROFEN50_GTIN = "102120", "04602439012133"
PHONE = "+79990001122"  # the webhook fixture's customer


async def _short_order(env: Live, desk: Desk, policy: str) -> str:
    total = "258.00"
    number = await env.relay.create_order(
        "pickup",
        positions=[position(NUROFEN10, "Нурофен таб. п/о 200мг №10", 2, "129.00")],
        total={"totalPrice": total, "discountTotalPrice": total},
        replacementPolicy=policy,
    )
    await open_in_assembly(desk, number)
    assert await act(desk, Qt.Key.Key_F5) is Tone.OK
    assert await scan(desk, marking_code("SERIALNUROF10", NUROFEN10_GTIN)) is FeedbackCode.OK  # the one pack
    return number


async def test_call_shows_the_phone_first_then_the_offers_within_the_price(live: Callable[[], Live]) -> None:
    async with live() as env:
        await load_sample_stock(env)
        desk = await env.open_desk()
        await _short_order(env, desk, "call")
        view = desk.window.assembly
        view.table.setFocus()
        await press(desk.window, Qt.Key.Key_F4)
        await eventually(lambda: view.findChild(SubstituteOfferDialog, "substituteOfferDialog") is not None)
        dialog = view.findChild(SubstituteOfferDialog, "substituteOfferDialog")
        assert dialog is not None

        assert PHONE in dialog.phone.text() and "позвоните" in dialog.phone.text().lower()
        assert dialog.layout().indexOf(dialog.phone) == 0  # above everything else
        offers = [dialog.list.item(i).text() for i in range(dialog.list.count())]
        assert len(offers) == 1 and offers[0].startswith("Ибупрофен таб. п/о 200мг №50: 1 уп. × 119,00")
        assert not any("Нурофен таб. п/о 200мг №20" in text for text in offers)  # 199,99 > 129,00

        dialog.accept()
        await eventually(lambda: view.session.line(IBUPROFEN50) is not None)  # type: ignore[union-attr]
        assert "вместо 100236" in view.table.model().index(1, 0).data()
        assert await scan(desk, marking_code("SERIALIBUPR50", IBUPROFEN50_GTIN)) is FeedbackCode.OK
        assert view.session is not None and view.session.complete
        assert await act(desk, Qt.Key.Key_F8) is Tone.OK
        number = view.number
        assert number is not None
        detail = await desk.service.order_detail(number, refresh=True)
        assert {(line.sku, line.quantity) for line in detail.composition if line.quantity} == {
            (NUROFEN10, 1),
            (IBUPROFEN50, 1),
        }


async def test_a_policy_that_forbids_replacement_offers_none(live: Callable[[], Live]) -> None:
    async with live() as env:
        await load_sample_stock(env)
        desk = await env.open_desk()
        await _short_order(env, desk, "no_replace")
        view = desk.window.assembly
        view.table.setFocus()
        await press(desk.window, Qt.Key.Key_F4)
        await eventually(lambda: "не заменять" in view.feedback.text())
        assert view.last_shown is not None and view.last_shown.tone is Tone.REFUSED
        assert view.findChild(SubstituteOfferDialog) is None and view.findChild(SubstituteDialog) is None
        assert view.session is not None and view.session.line(IBUPROFEN50) is None
