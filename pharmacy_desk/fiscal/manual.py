"""The store's own register, operated by hand: the app shows every pack's code, the cashier types the receipt in.

Used where the register is not connected to this PC (a separate POS, a register of another make).
The cashier scans each code shown on the screen into the store's register (which makes its own
permit-mode check), takes the money, and types the receipt's fiscal document number, fiscal sign and
ФН from the paper. :class:`ManualRegister` asks for that through ``ask`` (the hand-over screen's
dialog); ``None`` means the cashier gave up: nothing recorded.

The receipts typed in this session are kept so :meth:`outcome` can answer a repeat; after a restart
it answers None and the cashier is asked again (the dialog says to type the receipt already printed,
never to print another).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Sequence

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.fiscal.errors import RegisterRefused
from pharmacy_desk.fiscal.models import CodeCheck, CodeVerdict, ReceiptRequest, RegisterStatus, ShiftState


class ManualEntry(BaseModel):
    """What the cashier typed from the paper receipt."""

    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)

    number: int = Field(ge=1)
    fiscal_sign: str = Field(pattern=r"^\d{1,10}$")
    fn: str = Field(pattern=r"^\d{16}$")
    at: dt.datetime | None = None


Ask = Callable[[ReceiptRequest], Awaitable[ManualEntry | None]]


class ManualRegister:
    def __init__(self, ask: Ask) -> None:
        self._ask = ask
        self._typed: dict[str, Receipt] = {}

    @property
    def name(self) -> str:
        return "Касса магазина (вручную)"

    async def status(self) -> RegisterStatus:
        return RegisterStatus(name=self.name, shift=ShiftState.OPENED, checked_at=dt.datetime.now(dt.UTC))

    async def open_shift(self, operator: str) -> None:
        raise RegisterRefused("Смену открывают на кассе магазина")

    async def close_shift(self, operator: str) -> None:
        raise RegisterRefused("Смену закрывают на кассе магазина")

    async def x_report(self, operator: str) -> None:
        raise RegisterRefused("X-отчёт печатают на кассе магазина")

    async def check_codes(
        self, codes: Sequence[str], kind: ReceiptKind = ReceiptKind.SELL, *, for_sale: bool = True
    ) -> list[CodeCheck]:
        # The store's register checks each code when the cashier scans it (its own permit-mode check).
        return [CodeCheck(code=code, verdict=CodeVerdict.OK, message="проверяется на кассе магазина") for code in codes]

    async def print_receipt(self, request: ReceiptRequest) -> Receipt:
        if request.request_id in self._typed:
            return self._typed[request.request_id]
        entry = await self._ask(request)
        if entry is None:
            raise RegisterRefused("Чек не введён: выдача не завершена")
        receipt = Receipt(
            kind=request.kind,
            number=entry.number,
            fiscal_sign=entry.fiscal_sign,
            fn=entry.fn,
            at=entry.at or dt.datetime.now(dt.UTC),
            total=request.total,
            payment=request.payment,
            marking_codes=request.marking_codes,
            request_id=request.request_id,
            source="manual",
        )
        self._typed[request.request_id] = receipt
        return receipt

    async def outcome(self, request: ReceiptRequest) -> Receipt | None:
        return self._typed.get(request.request_id)

    async def aclose(self) -> None:
        return None
