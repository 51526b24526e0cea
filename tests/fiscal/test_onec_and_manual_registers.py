"""The 1C and manual adapters against their stubs, the same way as the ATOL one (real HTTP on loopback)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest

from pharmacy_desk.domain.receipts import ReceiptKind
from pharmacy_desk.fiscal.errors import OutcomeUnknown, RegisterOffline, RegisterRefused
from pharmacy_desk.fiscal.manual import ManualEntry, ManualRegister
from pharmacy_desk.fiscal.models import CodeVerdict, ReceiptRequest, ShiftState
from pharmacy_desk.fiscal.onec import OneCRegister
from pharmacy_desk.sim.onec_register import OneCRegisterStub
from pharmacy_desk.sim.serving import serve
from tests.fiscal.fiscal_support import CODE_A, CODE_B, sale


@contextlib.asynccontextmanager
async def onec(stub: OneCRegisterStub, password: str = "secret") -> AsyncIterator[OneCRegister]:
    async with serve(stub.app) as url:
        register = OneCRegister(url, "apteka-1", username="kuper", password=password, timeout=5)
        try:
            yield register
        finally:
            await register.aclose()


async def test_onec_sale_with_codes_and_permit_then_return() -> None:
    stub = OneCRegisterStub()
    async with onec(stub) as register:
        status = await register.status()
        assert status.online and status.shift is ShiftState.OPENED and status.name.startswith("1С")
        checks = await register.check_codes([CODE_A, CODE_B])
        assert all(c.allowed and c.permit is not None for c in checks)
        receipt = await register.print_receipt(sale(checks, tendered=Decimal("500.00")))
        assert receipt.source == "onec" and receipt.marking_codes == (CODE_A, CODE_B)
        (body,) = stub.bodies
        assert [i.marking_code for i in body.items] == [CODE_A, CODE_B]
        assert body.items[0].permit is not None and body.tendered == Decimal("500.00")
        assert await register.print_receipt(sale(checks, tendered=Decimal("500.00"))) == receipt  # once
        assert len(stub.bodies) == 1
        (again,) = await register.check_codes([CODE_A])
        assert again.verdict is CodeVerdict.WITHDRAWN
        back = await register.check_codes([CODE_A, CODE_B], ReceiptKind.SELL_RETURN)
        returned = await register.print_receipt(sale(back, request_id="ret-1", kind=ReceiptKind.SELL_RETURN))
        assert returned.kind is ReceiptKind.SELL_RETURN and returned.number == receipt.number + 1


async def test_onec_lost_answer_outcome_and_offline() -> None:
    stub = OneCRegisterStub()
    async with onec(stub) as register:
        checks = await register.check_codes([CODE_A])
        request = sale(checks, request_id="lost-1")
        assert await register.outcome(request) is None
        stub.lose_answer = True
        with pytest.raises(OutcomeUnknown):
            await register.print_receipt(request)
        stub.lose_answer = False
        recovered = await register.outcome(request)
        assert recovered is not None and len(stub.bodies) == 1
        stub.offline = True
        with pytest.raises(RegisterOffline, match="не пробит"):
            await register.print_receipt(sale(checks, request_id="offline-1"))
        assert await register.outcome(sale(checks, request_id="offline-1")) is None
        url = register.base_url
    down = OneCRegister(url, "apteka-1", username="kuper", password="secret", timeout=2)
    with pytest.raises(RegisterOffline):  # nothing listens any more: nothing printed
        await down.print_receipt(sale(checks, request_id="down-1"))
    assert (await down.status()).online is False
    await down.aclose()


async def test_onec_refuses_bad_bodies_and_credentials() -> None:
    stub = OneCRegisterStub()
    async with onec(stub) as register:
        checks = await register.check_codes([CODE_A])
        unchecked = sale([c.model_copy(update={"permit": None}) for c in checks], request_id="no-permit")
        with pytest.raises(RegisterRefused, match="разрешительного режима"):
            await register.print_receipt(unchecked)
        await register.close_shift("Иванова")
        with pytest.raises(RegisterRefused, match="Смена закрыта"):
            await register.print_receipt(sale(checks, request_id="closed"))
        await register.open_shift("Иванова")
        await register.x_report("Иванова")
    async with onec(stub, password="wrong") as register:
        with pytest.raises(RegisterRefused, match="логин или пароль"):
            await register.status()


async def test_manual_register_records_what_the_cashier_typed() -> None:
    asked: list[ReceiptRequest] = []
    answers: list[ManualEntry | None] = [None, ManualEntry(number=57, fiscal_sign="0123456789", fn="9999078900001234")]

    async def ask(request: ReceiptRequest) -> ManualEntry | None:
        asked.append(request)
        return answers.pop(0)

    register = ManualRegister(ask)
    checks = await register.check_codes([CODE_A, CODE_B])
    request = sale(checks, payment="card")
    with pytest.raises(RegisterRefused, match="Чек не введён"):
        await register.print_receipt(request)
    assert await register.outcome(request) is None
    receipt = await register.print_receipt(request)
    assert (receipt.number, receipt.fiscal_sign, receipt.fn, receipt.source) == (
        57,
        "0123456789",
        "9999078900001234",
        "manual",
    )
    assert receipt.marking_codes == (CODE_A, CODE_B) and asked[-1].marking_codes == (CODE_A, CODE_B)
    assert await register.print_receipt(request) == receipt and len(asked) == 2  # not asked twice
    assert await register.outcome(request) == receipt
    with pytest.raises(RegisterRefused, match="на кассе магазина"):
        await register.open_shift("Иванова")
    with pytest.raises(ValueError):
        ManualEntry(number=1, fiscal_sign="12ab", fn="123")
