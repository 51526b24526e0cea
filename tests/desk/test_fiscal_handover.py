"""The legal hand-over at the counter, end to end: a real relay, the desk service, the simulated ATOL register
(all over real HTTP on loopback). Exactly one receipt per hand-over, with every pack's code and tag 1260."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

from sqlalchemy import select

from pharmacy_desk.desk.fiscal_handover import FiscalHandover, Step
from pharmacy_desk.desk.fiscal_journal import JOURNAL_FILE_NAME, FiscalJournal
from pharmacy_desk.desk.handover import HandoverSession
from pharmacy_desk.desk.relay_client import Accepted
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.domain import Assembled, FinalLine, OrderState, Ready, StartAssembly, VerifyPickupCode
from pharmacy_desk.domain.receipts import ReceiptKind
from pharmacy_desk.fiscal.atol import AtolWebServer
from pharmacy_desk.fiscal.models import CodeVerdict
from pharmacy_desk.fiscal.permit import PermitClient, PermitSource
from pharmacy_desk.inventory.embedded import EmbeddedStock, StockRow, import_rows
from pharmacy_desk.relay.storage.schema import orders, outbox
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.serving import serve
from tests.desk.desk_support import NUROFEN_SKU, STORE, RelayServer, marking_code
from tests.support import eventually

CODE_1, CODE_2 = marking_code("SERIALFISC001"), marking_code("SERIALFISC002")
DUE = Decimal("379.98")  # 2 × 189.99


@dataclass
class Counter:
    relay: RelayServer
    desk: DeskService
    sim: AtolSimulator
    register: AtolWebServer
    journal_path: Path

    def handover(self, session: HandoverSession, register: AtolWebServer | None = None) -> FiscalHandover:
        return FiscalHandover(
            session=session,
            register=register or self.register,
            journal=FiscalJournal(self.journal_path),
            act=self.desk.act,
            store=STORE,
            operator="Иванова",
        )

    async def waiting(self, *codes: str) -> HandoverSession:
        """A pickup order assembled with ``codes``, ready, its code verified by the relay."""
        number = await self.relay.create_order("pickup")
        await eventually(lambda: number in self.desk.book)
        assert isinstance(await self.desk.act(number, StartAssembly()), Accepted)
        packs = (FinalLine(sku=NUROFEN_SKU, quantity=len(codes), marking_codes=codes),)
        assert isinstance(await self.desk.act(number, Assembled(composition=packs)), Accepted)
        ready = await self.desk.act(number, Ready())
        assert isinstance(ready, Accepted) and ready.order.state is OrderState.AWAITING_PICKUP
        async with self.relay.state.engine.connect() as conn:
            body = (
                await conn.execute(
                    select(outbox.c.body)
                    .join(orders, orders.c.id == outbox.c.order_id)
                    .where(orders.c.number == number, outbox.c.event_type == "order.pickup_code_created")
                )
            ).scalar_one()
        code = json.loads(body)["payload"]["pickupCode"]  # only Kuper gets the code: take it from there
        verified = await self.desk.act(number, VerifyPickupCode(code=code))
        assert isinstance(verified, Accepted)
        return HandoverSession(verified.order)

    async def kuper_events(self) -> list[str]:
        async with self.relay.state.engine.connect() as conn:
            return list((await conn.execute(select(outbox.c.event_type).order_by(outbox.c.id))).scalars())


@contextlib.asynccontextmanager
async def counter(relay: RelayServer, desk_factory, tmp_path: Path, **kw: float) -> AsyncIterator[Counter]:  # type: ignore[no-untyped-def]
    await import_rows(
        relay.state.engine,
        STORE,
        [
            StockRow(
                line=2,
                sku=NUROFEN_SKU,
                name="Нурофен",
                gtin=None,
                series="S1",
                expiry=date(2099, 1, 1),
                quantity=5,
                location="А1",
            )
        ],
    )
    desk = await desk_factory("Касса 1")
    sim = AtolSimulator()
    async with serve(sim.app) as url:
        permit = PermitClient(PermitSource.LOCAL_MODULE, url)
        register = AtolWebServer(url, permit=permit, poll_interval=0.01, close_permit=True, **kw)
        try:
            yield Counter(relay, desk, sim, register, tmp_path / JOURNAL_FILE_NAME)
        finally:
            await register.aclose()


async def _available(relay: RelayServer) -> int:
    return (await EmbeddedStock(relay.state.engine).stock(STORE, [NUROFEN_SKU]))[NUROFEN_SKU].available


async def test_cash_with_change_exactly_one_receipt_with_every_code_and_1260(relay, desk_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with counter(relay, desk_factory, tmp_path) as c:
        flow = c.handover(await c.waiting(CODE_1, CODE_2))
        assert flow.next_step() is Step.CODES_CHECKED
        refused = flow.pay("cash", Decimal("500.00"))
        assert not refused.ok and "проверьте коды" in refused.message  # payment only after the codes
        assert not (await flow.print_receipt()).ok and c.sim.printed == []
        assert (await flow.check_codes()).ok
        paid = flow.pay("cash", Decimal("500.00"))
        assert paid.ok and "Сдача 120.02" in paid.message and flow.change == Decimal("120.02")
        assert not flow.pay("card").ok  # switching asks
        done = await flow.print_receipt()
        assert done.ok, done.message
        assert (await flow.hand_over()).ok
        assert [ok for _, ok in flow.steps()] == [True] * 5
        (printed,) = c.sim.printed
        assert printed.kind == "sell" and sorted(printed.codes) == sorted([CODE_1, CODE_2])
        assert len(printed.industry_attributes) == 2 and all("UUID=" in a for a in printed.industry_attributes)
        assert printed.task.payments[0].sum == Decimal("500.00")
        order = await c.desk.order_detail(flow.number, refresh=True)
        assert order.state is OrderState.SHIPPED and [r.number for r in order.receipts] == [printed.number]
        assert (await c.kuper_events())[-1] == "order.delivered"
        assert (await flow.print_receipt()).ok and len(c.sim.printed) == 1  # never twice


async def test_card_payment(relay, desk_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with counter(relay, desk_factory, tmp_path) as c:
        flow = c.handover(await c.waiting(CODE_1))
        assert (await flow.check_codes()).ok
        assert flow.pay("card").ok and flow.change is None
        assert (await flow.print_receipt()).ok and (await flow.hand_over()).ok
        (printed,) = c.sim.printed
        assert printed.task.payments[0].type == "electronically" and printed.codes == [CODE_1]


async def test_blocked_pack_taken_out_the_rest_handed_over(relay, desk_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with counter(relay, desk_factory, tmp_path) as c:
        c.sim.set_code(CODE_1, CodeVerdict.EXPIRED)
        flow = c.handover(await c.waiting(CODE_1, CODE_2))
        result = await flow.check_codes()
        assert not result.ok and "Истёк срок годности" in result.message and "уберите" in result.message
        assert [r.code for r in result.refused] == [CODE_1] and flow.codes_checked
        assert flow.session.amount == Decimal("189.99")
        assert flow.pay("cash").ok and (await flow.print_receipt()).ok
        assert (await flow.hand_over()).ok
        (printed,) = c.sim.printed
        assert printed.codes == [CODE_2]
        order = await c.desk.order_detail(flow.number, refresh=True)
        assert order.handed_over is not None and order.handed_over[0].marking_codes == (CODE_2,)


async def test_crash_after_the_register_took_the_sale_no_second_receipt(relay, desk_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with counter(relay, desk_factory, tmp_path, task_timeout=0.2) as c:
        session = await c.waiting(CODE_1, CODE_2)
        flow = c.handover(session)
        assert (await flow.check_codes()).ok and flow.pay("card").ok
        c.sim.processing_delay = 0.6  # the register prints after the app has given up waiting
        doubt = await flow.print_receipt()
        assert not doubt.ok and "неизвестно, пробит ли чек" in doubt.message
        assert await c.kuper_events() == [
            "order.in_work",
            "order.assembled",
            "order.ready_for_delivery",
            "order.pickup_code_created",
        ]
        await eventually(lambda: len(c.sim.printed) == 1)
        # The app restarts: a new session from the relay, a new journal object on the same file.
        order = await c.desk.order_detail(session.number, refresh=True)
        restarted = c.handover(HandoverSession(order))
        resumed = await restarted.resume()
        assert resumed is not None and resumed.ok and "повторно не печатаем" in resumed.message
        assert restarted.session.payment is not None and restarted.session.payment.method == "card"
        assert (await restarted.hand_over()).ok
        assert len(c.sim.printed) == 1
        assert (await c.kuper_events())[-1] == "order.delivered"


async def test_register_offline_nothing_sent_to_kuper_then_resumes(relay, desk_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with counter(relay, desk_factory, tmp_path) as c:
        flow = c.handover(await c.waiting(CODE_1))
        assert (await flow.check_codes()).ok and flow.pay("cash", Decimal("200.00")).ok
        before = await c.kuper_events()
        c.sim.offline = True
        failed = await flow.print_receipt()
        assert not failed.ok and "Нет связи" in failed.message and "ничего не отправлено" in failed.message
        assert not (await flow.hand_over()).ok
        assert await c.kuper_events() == before and c.sim.printed == []
        order = await c.desk.order_detail(flow.number, refresh=True)
        assert order.state is OrderState.AWAITING_PICKUP and order.receipts == ()
        c.sim.offline = False
        assert (await flow.print_receipt()).ok  # the same key resumes: the register said "not printed"
        assert (await flow.hand_over()).ok and len(c.sim.printed) == 1


async def test_refusal_after_the_receipt_return_receipt_same_codes_stock_back(relay, desk_factory, tmp_path) -> None:  # type: ignore[no-untyped-def]
    async with counter(relay, desk_factory, tmp_path) as c:
        flow = c.handover(await c.waiting(CODE_1, CODE_2))
        reserved = await _available(relay)
        assert (await flow.check_codes()).ok and flow.pay("card").ok and (await flow.print_receipt()).ok
        result = await flow.refund_and_cancel(description="Передумал")
        assert result.ok, result.message
        sale, back = c.sim.printed
        assert (sale.kind, back.kind) == ("sell", "sellReturn") and sorted(back.codes) == sorted(sale.codes)
        order = await c.desk.order_detail(flow.number, refresh=True)
        assert order.state is OrderState.CANCELED
        assert [r.kind for r in order.receipts] == [ReceiptKind.SELL, ReceiptKind.SELL_RETURN]
        assert (await c.kuper_events())[-1] == "order.canceled"
        await eventually_async(lambda: _available(relay), reserved + 2)


async def eventually_async(read, expected: int, timeout: float = 5.0) -> None:  # type: ignore[no-untyped-def]
    import asyncio

    async with asyncio.timeout(timeout):
        while await read() != expected:
            await asyncio.sleep(0.02)
