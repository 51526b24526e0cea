"""The ATOL Web Server adapter against the simulated register, over real HTTP on loopback."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import httpx
import pytest

from pharmacy_desk.domain.receipts import ReceiptKind
from pharmacy_desk.fiscal import atol_wire as w
from pharmacy_desk.fiscal.atol import AtolWebServer
from pharmacy_desk.fiscal.errors import OutcomeUnknown, RegisterOffline, RegisterRefused
from pharmacy_desk.fiscal.models import CodeVerdict, ShiftState
from pharmacy_desk.fiscal.permit import PermitSource
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.serving import bind, url_of
from tests.fiscal.fiscal_support import CODE_A, CODE_B, CODE_C, atol_rig, sale


async def test_status_reports_shift_paper_and_fn() -> None:
    async with atol_rig() as rig:
        now = dt.datetime.now(dt.UTC)
        status = await rig.register.status()
        assert status.online and status.paper and status.shift is ShiftState.OPENED
        assert status.fn_serial == "9999078902012345"
        assert status.problems(now) == []
        assert status.summary(now).startswith("Касса: готова")
        rig.sim.paper = False
        rig.sim.age_shift(25)
        rig.sim.unsent = 3
        status = await rig.register.status()
        assert not status.paper and status.shift is ShiftState.EXPIRED
        assert status.shift_over_24h(now)
        assert "В кассе закончилась бумага" in status.problems(now)
        assert any("больше 24 часов" in p for p in status.problems(now))
        assert status.unsent_documents == 3


async def test_shift_nearly_24h_is_announced_before_the_register_refuses() -> None:
    async with atol_rig() as rig:
        rig.sim.age_shift(23.5)
        status = await rig.register.status()
        now = dt.datetime.now(dt.UTC)
        assert status.problems(now) == []
        assert any("Смена закончится через" in warning for warning in status.warnings(now))


async def test_cash_sale_carries_every_code_2106_and_1260_and_the_change() -> None:
    async with atol_rig() as rig:
        checks = await rig.register.check_codes([CODE_A, CODE_B])
        assert [c.verdict for c in checks] == [CodeVerdict.OK, CodeVerdict.OK]
        assert all(c.permit is not None and c.imc_check_result for c in checks)
        with pytest.raises(ValueError, match=r"less than the total 551\.00"):
            sale(checks, tendered=Decimal("500.00"), extra=True)  # not enough cash: refused before the register
        request = sale(checks, tendered=Decimal("1000.00"), extra=True)
        receipt = await rig.register.print_receipt(request)
        assert request.change == Decimal("449.00")
        assert receipt.kind is ReceiptKind.SELL and receipt.fn == "9999078902012345"
        assert receipt.marking_codes == (CODE_A, CODE_B)
        (printed,) = rig.sim.printed
        assert printed.codes == [CODE_A, CODE_B]
        assert printed.task.payments[0].type == "cash" and printed.task.payments[0].sum == Decimal("1000.00")
        attrs = printed.industry_attributes
        assert len(attrs) == 2 and all(a.startswith("UUID=") and "&Time=" in a and "&Inst=" in a for a in attrs)
        info = printed.task.items[0].industryInfo
        assert info is not None and (info[0].fois, info[0].date, info[0].number) == ("030", "2023.11.21", "1944")
        assert receipt.number == printed.number and receipt.fiscal_sign == printed.fiscal_sign
        assert "СДАЧА  449.00" in printed.lines()


async def test_card_sale_through_chz_api_permit_source() -> None:
    async with atol_rig(AtolSimulator(api_key="key"), permit=None) as rig:
        from pharmacy_desk.fiscal.permit import PermitClient

        rig.register.permit = PermitClient(PermitSource.CHZ_API, rig.url, token="key")
        checks = await rig.register.check_codes([CODE_A])
        receipt = await rig.register.print_receipt(sale(checks, payment="card"))
        await rig.register.permit.aclose()
        (printed,) = rig.sim.printed
        assert printed.task.payments[0].type == "electronically"
        assert receipt.payment == "card" and "&Inst=" not in printed.industry_attributes[0]


@pytest.mark.parametrize(
    ("verdict", "words"),
    [
        (CodeVerdict.EXPIRED, "срок годности"),
        (CodeVerdict.WITHDRAWN, "выведена из оборота"),
        (CodeVerdict.NOT_FOUND, "не найден"),
        (CodeVerdict.BLOCKED, "приостановлен"),
    ],
)
async def test_permit_mode_refuses_a_blocked_pack_with_its_reason(verdict: CodeVerdict, words: str) -> None:
    async with atol_rig() as rig:
        rig.sim.set_code(CODE_B, verdict)
        checks = await rig.register.check_codes([CODE_A, CODE_B])
        assert checks[0].allowed and not checks[1].allowed
        assert checks[1].verdict is verdict and words in checks[1].reason
        # the refused pack is not kept for the receipt: a receipt with it is refused by the register
        with pytest.raises(RegisterRefused, match="не проверен"):
            await rig.register.print_receipt(sale(checks, request_id="with-blocked"))
        receipt = await rig.register.print_receipt(sale(checks[:1], request_id="without"))
        assert receipt.marking_codes == (CODE_A,)


async def test_a_code_sold_once_is_withdrawn_until_the_return_receipt() -> None:
    async with atol_rig() as rig:
        checks = await rig.register.check_codes([CODE_A])
        await rig.register.print_receipt(sale(checks, request_id="sell-1"))
        (again,) = await rig.register.check_codes([CODE_A])
        assert again.verdict is CodeVerdict.WITHDRAWN
        returned = await rig.register.check_codes([CODE_A], ReceiptKind.SELL_RETURN)
        receipt = await rig.register.print_receipt(sale(returned, request_id="return-1", kind=ReceiptKind.SELL_RETURN))
        assert receipt.kind is ReceiptKind.SELL_RETURN and receipt.marking_codes == (CODE_A,)
        assert [p.kind for p in rig.sim.printed] == ["sell", "sellReturn"]
        (after,) = await rig.register.check_codes([CODE_A])
        assert after.allowed


async def test_the_same_request_id_prints_once_and_outcome_tells_what_became_of_it() -> None:
    async with atol_rig() as rig:
        request = sale(await rig.register.check_codes([CODE_C]), request_id="order-7-1")
        assert await rig.register.outcome(request) is None  # never sent
        first = await rig.register.print_receipt(request)
        second = await rig.register.print_receipt(request)  # 409 from the Web Server: the first result
        assert first == second and len(rig.sim.printed) == 1
        assert await rig.register.outcome(request) == first


async def test_a_hanging_register_leaves_the_outcome_unknown_and_prints_nothing() -> None:
    async with atol_rig(task_timeout=0.3) as rig:
        checks = await rig.register.check_codes([CODE_A])
        rig.sim.hang = True
        request = sale(checks, request_id="hang-1")
        with pytest.raises(OutcomeUnknown) as caught:
            await rig.register.print_receipt(request)
        assert caught.value.request_id == "hang-1"
        assert rig.sim.printed == []
        with pytest.raises(OutcomeUnknown):
            await rig.register.outcome(request)


async def test_offline_device_and_stopped_web_server() -> None:
    async with atol_rig() as rig:
        checks = await rig.register.check_codes([CODE_A])
        rig.sim.offline = True
        with pytest.raises(RegisterRefused, match="Нет связи") as caught:
            await rig.register.print_receipt(sale(checks, request_id="offline-1"))
        assert caught.value.code == w.NO_CONNECTION
        assert (await rig.register.status()).online is False
        assert await rig.register.outcome(sale(checks, request_id="offline-1")) is None  # failed: not printed
    sock = bind()
    url = url_of(sock)
    sock.close()  # nothing listens there any more
    register = AtolWebServer(url, timeout=1.0)
    with pytest.raises(RegisterOffline, match="веб-сервер АТОЛ"):
        await register.print_receipt(sale(checks, request_id="down-1"))
    assert (await register.status()).online is False
    await register.aclose()


async def test_refusals_of_the_device_carry_the_code_and_a_hint() -> None:
    async with atol_rig() as rig:
        checks = await rig.register.check_codes([CODE_A])
        rig.sim.age_shift(25)
        with pytest.raises(RegisterRefused, match="Смена превысила 24 часа") as caught:
            await rig.register.print_receipt(sale(checks, request_id="old-shift"))
        assert caught.value.code == w.SHIFT_EXPIRED and "закройте смену" in caught.value.message
        await rig.register.close_shift("Иванова")
        with pytest.raises(RegisterRefused, match="Смена закрыта"):
            await rig.register.print_receipt(sale(checks, request_id="closed-shift"))
        await rig.register.open_shift("Иванова")
        rig.sim.paper = False
        with pytest.raises(RegisterRefused, match="Нет бумаги"):
            await rig.register.x_report("Иванова")
        rig.sim.paper = True
        await rig.register.x_report("Иванова")
        assert rig.sim.reports == ["closeShift", "openShift", "reportX"]
        assert rig.sim.printed == []


async def test_the_simulator_validates_every_task_strictly() -> None:
    async with atol_rig() as rig, httpx.AsyncClient(base_url=rig.url) as http:
        bad = await http.post("/api/v2/requests", json={"uuid": "x", "request": [{"type": "sell", "items": []}]})
        assert bad.status_code == 400 and "items" in bad.text
        unknown = await http.post("/api/v2/requests", json={"uuid": "y", "request": [{"type": "fly"}]})
        assert unknown.status_code == 400
        extra = {"uuid": "z", "request": [{"type": "getDeviceStatus", "colour": "red"}]}
        assert (await http.post("/api/v2/requests", json=extra)).status_code == 400
        assert (await http.get("/api/v2/requests/nope")).status_code == 404
        position = {
            "type": "position",
            "name": "Нурофен",
            "price": 100.0,
            "quantity": 1,
            "amount": 90.0,
            "tax": {"type": "vat10"},
        }
        task = {"type": "sell", "items": [position], "payments": [{"type": "cash", "sum": 100.0}]}
        assert (await http.post("/api/v2/requests", json={"uuid": "sum", "request": [task]})).status_code == 201
        register = rig.register
        results = await register._wait("sum", printing=False)
        assert results[0].status == "error" and "цене × количество" in results[0].errorDescription
        assert rig.sim.printed == []


async def test_permit_source_register_the_driver_writes_1260() -> None:
    async with atol_rig(AtolSimulator(permit_by_driver=True), permit=None) as rig:
        checks = await rig.register.check_codes([CODE_A])
        assert checks[0].allowed and checks[0].permit is None  # the app made no permit request
        await rig.register.print_receipt(sale(checks))
        (printed,) = rig.sim.printed
        assert printed.industry_attributes[0].startswith("UUID=") and rig.sim.permit_calls == [[CODE_A]]
        rig.sim.set_code(CODE_B, CodeVerdict.BLOCKED)
        (blocked,) = await rig.register.check_codes([CODE_B])
        assert blocked.verdict is CodeVerdict.BLOCKED  # the register's own check (2106) still refuses it
    async with atol_rig(AtolSimulator(), permit=None) as rig:  # a driver not set up for the permit mode
        checks = await rig.register.check_codes([CODE_A])
        with pytest.raises(RegisterRefused, match="1260"):
            await rig.register.print_receipt(sale(checks))
