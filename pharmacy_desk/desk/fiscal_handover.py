"""The legal hand-over at this PC, step by step: code ✓ → codes checked ✓ → paid ✓ → receipt ✓ → handed over.

Plain asyncio over a :class:`~pharmacy_desk.desk.handover.HandoverSession`, the PC's register
(:class:`~pharmacy_desk.fiscal.FiscalRegister`) and the relay (``act``, normally
:meth:`~pharmacy_desk.desk.service.DeskService.act`). The screen only shows :meth:`FiscalHandover.steps`
and calls the steps; each refuses, with a Russian sentence, what comes out of order:

1. the pickup code is verified by the relay (never compared here), and not during a lock-out;
2. every pack's marking code goes through the register and the permit mode; a refused pack is taken
   out of the bag with the register's reason, and the composition (and the amount) follow;
3. payment: cash with the amount tendered (the change shown) or card; switching asks (``switch=True``);
4. the sale receipt: every pack's code with its check result and tag 1260. Exactly once per hand-over:
   the request and its id (order + attempt) go to the :class:`~.fiscal_journal.FiscalJournal` before the
   register sees them; any doubt (time-out, lost answer, crash) is settled by asking the register what
   became of that request before printing again. The receipt is recorded on the order (``record_receipt``);
5. ``hand_over`` with the receipt → the relay sends ``order.delivered``.

The register away or refusing: a clear message, nothing is sent to the relay (so nothing to Kuper), and
the same key resumes where it stopped. A customer who refuses after the receipt: the return receipt
with the same codes, then the cancellation (the relay releases the reservation: the packs are back).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pharmacy_desk.desk.fiscal_journal import FiscalJournal, JournalEntry, request_id
from pharmacy_desk.desk.handover import HandoverSession, PaymentMethodName
from pharmacy_desk.desk.relay_client import Accepted, Refused, Rejected, Stale
from pharmacy_desk.domain import Action, Cancel, CancelReason, RecordReceipt, Refusal
from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.fiscal.errors import FiscalError, OutcomeUnknown
from pharmacy_desk.fiscal.models import CodeCheck, ReceiptItem, ReceiptRequest
from pharmacy_desk.fiscal.register import FiscalRegister

ActFn = Callable[[str, Action], Awaitable[object]]
VatName = Literal["none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22"]


class Step(StrEnum):
    CODE = "code"
    CODES_CHECKED = "codes_checked"
    PAID = "paid"
    RECEIPT = "receipt"
    HANDED_OVER = "handed_over"


STEP_RU = {
    Step.CODE: "Код выдачи",
    Step.CODES_CHECKED: "Коды упаковок проверены",
    Step.PAID: "Оплачено",
    Step.RECEIPT: "Чек пробит",
    Step.HANDED_OVER: "Выдано",
}

MSG_CODE_FIRST = "Сначала проверьте код выдачи"
MSG_LOCKED = "Проверка кода заблокирована: оплату принять нельзя"
MSG_CHECK_FIRST = "Сначала проверьте коды упаковок (F4)"
MSG_PAY_FIRST = "Сначала примите оплату"
MSG_RECEIPT_FIRST = "Сначала пробейте чек"
MSG_NO_REGISTER = (
    "На этом рабочем месте не настроена касса (Аптека → Настройки подключения… → Касса): чек пробить нельзя"
)
MSG_PAID_BY_KUPER = "Заказ оплачен в Купере: оплата на кассе не нужна"
MSG_RECEIPT_PRINTED = "Чек уже пробит: способ оплаты не меняется (отказ — через чек возврата)"
MSG_IN_DOUBT = "Касса не ответила вовремя: неизвестно, пробит ли чек. Нажмите ещё раз — сначала спросим кассу"


@dataclass(frozen=True)
class StepResult:
    ok: bool
    message: str
    refused: tuple[CodeCheck, ...] = ()  # packs the permit mode refused (taken out of the bag)


@dataclass
class FiscalHandover:
    session: HandoverSession
    register: FiscalRegister | None
    journal: FiscalJournal
    act: ActFn
    store: str
    required: bool = True
    operator: str = "Кассир"
    vat: VatName = "vat10"
    clock: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))
    checks: dict[str, CodeCheck] = field(default_factory=dict)
    tendered: Decimal | None = None
    receipt: Receipt | None = None
    handed_over: bool = False

    def __post_init__(self) -> None:
        entry = self._entry(ReceiptKind.SELL)
        if entry is not None and entry.receipt is not None:
            self.receipt = entry.receipt

    # --- where we are -------------------------------------------------------------------------------

    @property
    def number(self) -> str:
        return self.session.number

    @property
    def fiscal(self) -> bool:
        """Whether this hand-over needs the register (the store requires a receipt and Kuper was not paid)."""
        return self.required and not self.session.paid_by_kuper

    def given_codes(self) -> list[str]:
        composition = self.session.composition()
        if isinstance(composition, Refusal):
            return []
        return [code for line in composition for code in line.marking_codes]

    @property
    def codes_checked(self) -> bool:
        return all(code in self.checks and self.checks[code].allowed for code in self.given_codes())

    def steps(self) -> list[tuple[Step, bool]]:
        """The checklist the screen shows: each step and whether it is done."""
        done = [(Step.CODE, self.session.verified)]
        if self.fiscal:
            done.append((Step.CODES_CHECKED, self.codes_checked))
        done.append((Step.PAID, self.session.paid))
        if self.fiscal:
            done.append((Step.RECEIPT, self.receipt is not None))
        done.append((Step.HANDED_OVER, self.handed_over))
        return done

    def next_step(self) -> Step | None:
        return next((step for step, ok in self.steps() if not ok), None)

    @property
    def change(self) -> Decimal | None:
        payment = self.session.payment
        if payment is None or payment.method != "cash" or self.tendered is None:
            return None
        return self.tendered - payment.amount

    # --- 2. the codes -------------------------------------------------------------------------------

    def _before_payment(self) -> str | None:
        if not self.session.verified:
            return MSG_LOCKED if self.session.locked_until(self.clock()) is not None else MSG_CODE_FIRST
        return None

    async def check_codes(self) -> StepResult:
        problem = self._before_payment()
        if problem:
            return StepResult(False, problem)
        if self.receipt is not None:
            return StepResult(True, "Чек уже пробит")
        if not self.fiscal:
            return StepResult(True, "Коды проверит касса магазина")
        if self.register is None:
            return StepResult(False, MSG_NO_REGISTER)
        refused: list[CodeCheck] = []
        while True:
            pending = [code for code in self.given_codes() if code not in self.checks]
            if not pending:
                break
            try:
                results = await self.register.check_codes(pending, ReceiptKind.SELL)
            except FiscalError as exc:
                return StepResult(False, f"{exc.message}. Коды не проверены: выдача подождёт")
            for check in results:
                self.checks[check.code] = check
                if not check.allowed:
                    refused.append(check)
                    self.session.take_out(check.code)
        if refused:
            names = "; ".join(f"{self._name_of(c.code)}: {c.reason}" for c in refused)
            left = "Остальное можно выдать" if self.given_codes() or self.session.amount else "Выдавать нечего"
            return StepResult(
                False, f"Упаковка снята с продажи — уберите её из пакета ({names}). {left}", tuple(refused)
            )
        return StepResult(True, "Коды упаковок проверены: продажа разрешена")

    def _name_of(self, code: str) -> str:
        for line in self.session.order.composition:
            if code in line.marking_codes:
                return line.name or line.sku
        return code[:31]

    # --- 3. payment ---------------------------------------------------------------------------------

    def pay(self, method: PaymentMethodName, tendered: Decimal | None = None, *, switch: bool = False) -> StepResult:
        problem = self._before_payment()
        if problem:
            return StepResult(False, problem)
        if self.session.paid_by_kuper:
            return StepResult(False, MSG_PAID_BY_KUPER)
        if self.receipt is not None:
            return StepResult(False, MSG_RECEIPT_PRINTED)
        if self.fiscal and not self.codes_checked:
            return StepResult(False, MSG_CHECK_FIRST)
        current = self.session.payment
        if current is not None and current.method != method and not switch:
            was = "наличными" if current.method == "cash" else "картой"
            return StepResult(False, f"Оплата уже принята {was}: подтвердите смену способа оплаты")
        amount = self.session.amount
        if method == "cash" and tendered is not None and tendered < amount:
            return StepResult(False, f"Внесено {tendered}, к оплате {amount}: не хватает {amount - tendered}")
        self.session.take_payment(method)
        self.tendered = tendered if method == "cash" else None
        if method == "cash" and tendered is not None:
            return StepResult(True, f"Оплачено наличными {amount}. Сдача {tendered - amount}")
        return StepResult(True, f"Оплачено {'наличными' if method == 'cash' else 'картой'} {amount}")

    # --- 4. the receipt -----------------------------------------------------------------------------

    def _entry(self, kind: ReceiptKind) -> JournalEntry | None:
        return self.journal.get(self.store, self.number, kind)

    def _sale_request(self, attempt: int) -> ReceiptRequest:
        payment = self.session.payment
        assert payment is not None
        composition = self.session.composition()
        assert not isinstance(composition, Refusal)
        items: list[ReceiptItem] = []
        for line in composition:
            name = (line.name or line.sku)[:128]
            if line.marking_codes:
                for code in line.marking_codes:
                    check = self.checks.get(code)
                    items.append(
                        ReceiptItem(
                            sku=line.sku,
                            name=name,
                            price=line.unit_price,
                            quantity=1,
                            vat=self.vat,
                            marking_code=code,
                            check=check,
                        )
                    )
            elif line.quantity:
                items.append(
                    ReceiptItem(sku=line.sku, name=name, price=line.unit_price, quantity=line.quantity, vat=self.vat)
                )
        return ReceiptRequest(
            request_id=request_id(self.store, self.number, ReceiptKind.SELL, attempt),
            kind=ReceiptKind.SELL,
            items=tuple(items),
            payment=payment.method,
            tendered=self.tendered,
            operator=self.operator[:64] or "Кассир",
            order_number=self.number,
        )

    async def _print_once(
        self, kind: ReceiptKind, build: Callable[[int], ReceiptRequest]
    ) -> tuple[Receipt | None, str]:
        """Print ``kind`` for this order exactly once (journal first, the register asked before a repeat)."""
        assert self.register is not None
        entry = self._entry(kind)
        if entry is not None and entry.receipt is not None:
            return entry.receipt, "Чек уже пробит"
        attempt = 1
        if entry is not None:
            attempt = entry.attempt
            if entry.request is not None:
                try:
                    found = await self.register.outcome(entry.request)
                except OutcomeUnknown:
                    return None, MSG_IN_DOUBT
                except FiscalError as exc:
                    return None, f"{exc.message}. Чек не пробит повторно: сначала касса должна ответить"
                if found is not None:
                    self.journal.put(entry.model_copy(update={"receipt": found}))
                    return found, "Касса уже пробила этот чек: повторно не печатаем"
                attempt = entry.attempt + 1
        request = build(attempt)
        entry = JournalEntry(store=self.store, number=self.number, kind=kind, attempt=attempt, request=request)
        self.journal.put(entry)  # before the register sees it
        try:
            receipt = await self.register.print_receipt(request)
        except OutcomeUnknown:
            return None, MSG_IN_DOUBT
        except FiscalError as exc:
            return None, f"{exc.message}. Чек не пробит, в Купер ничего не отправлено"
        self.journal.put(entry.model_copy(update={"receipt": receipt}))
        return receipt, ""

    async def _record(self, receipt: Receipt) -> str:
        """Put the receipt on the order at the relay (the hand-over carries it anyway)."""
        result = await self.act(self.number, RecordReceipt(receipt=receipt))
        if isinstance(result, Accepted | Stale):
            self.session.update(result.order)
            entry = self._entry(receipt.kind)
            if entry is not None:
                self.journal.put(entry.model_copy(update={"recorded": True}))
            return ""
        if isinstance(result, Refused | Rejected):
            return f"Сервер не записал чек: {result.message}"
        return "Нет связи с сервером: чек сохранён на этом ПК и уйдёт с выдачей"

    async def print_receipt(self) -> StepResult:
        if self.receipt is not None:
            return StepResult(True, f"Чек уже пробит: {self.receipt.label}")
        problem = self._before_payment()
        if problem:
            return StepResult(False, problem)
        if not self.fiscal:
            return StepResult(True, "Чек на кассе не нужен")
        if self.register is None:
            return StepResult(False, MSG_NO_REGISTER)
        entry = self._entry(ReceiptKind.SELL)
        pending = entry is not None and (entry.request is not None or entry.receipt is not None)
        if not pending:
            if not self.codes_checked:
                return StepResult(False, MSG_CHECK_FIRST)
            if self.session.payment is None:
                return StepResult(False, MSG_PAY_FIRST)
        receipt, message = await self._print_once(ReceiptKind.SELL, self._sale_request)
        if receipt is None:
            return StepResult(False, message)
        self.receipt = receipt
        if self.session.payment is None and receipt.payment is not None:  # resumed after a restart
            self.session.take_payment(receipt.payment)
        note = await self._record(receipt)
        text = f"Чек пробит: {receipt.label}"
        return StepResult(True, "; ".join(part for part in (message or text, note) if part))

    async def resume(self) -> StepResult | None:
        """After a restart: settle what this PC left with the register for this order (None: nothing)."""
        entry = self._entry(ReceiptKind.SELL)
        if entry is None or self.register is None:
            return None
        if entry.receipt is None and entry.request is None:
            return None
        return await self.print_receipt()

    # --- 5. the hand-over ---------------------------------------------------------------------------

    async def hand_over(self) -> StepResult:
        if self.fiscal and self.receipt is None:
            problem = self._before_payment()
            if problem:
                return StepResult(False, problem)
            return StepResult(False, MSG_CHECK_FIRST if not self.codes_checked else MSG_RECEIPT_FIRST)
        try:
            action = self.session.hand_over_action(self.clock())
        except Exception as exc:  # HandoverBlocked: the screen says which step is missing
            return StepResult(False, str(exc))
        if self.receipt is not None:
            action = action.model_copy(update={"receipt": self.receipt})
        result = await self.act(self.number, action)
        if isinstance(result, Accepted):
            self.session.update(result.order)
            self.handed_over = True
            self.journal.drop(self.store, self.number)
            return StepResult(True, "Заказ выдан")
        if isinstance(result, Refused | Rejected):
            return StepResult(False, result.message)
        if isinstance(result, Stale):
            self.session.update(result.order)
            return StepResult(False, result.message)
        return StepResult(False, "Нет связи с сервером: выдача не завершена. Чек сохранён — нажмите ещё раз")

    # --- a refusal after the receipt ----------------------------------------------------------------

    async def refund_and_cancel(
        self, reason: CancelReason = CancelReason.ORDER_NOT_PAID, description: str = ""
    ) -> StepResult:
        """The customer changed their mind after paying: return receipt with the same codes, then cancel."""
        sale = self._entry(ReceiptKind.SELL)
        if self.receipt is not None:
            if self.register is None or sale is None or sale.request is None:
                return StepResult(False, "Чек возврата пробейте на кассе магазина: этот ПК не знает чека прихода")
            sold = sale.request
            try:
                checks = await self.register.check_codes(list(sold.marking_codes), ReceiptKind.SELL_RETURN)
            except FiscalError as exc:
                return StepResult(False, f"{exc.message}. Чек возврата не пробит")
            by_code = {c.code: c for c in checks}

            def build(attempt: int) -> ReceiptRequest:
                items = tuple(
                    item.model_copy(update={"check": by_code.get(item.marking_code)}) if item.marking_code else item
                    for item in sold.items
                )
                return sold.model_copy(
                    update={
                        "request_id": request_id(self.store, self.number, ReceiptKind.SELL_RETURN, attempt),
                        "kind": ReceiptKind.SELL_RETURN,
                        "items": items,
                        "tendered": None,
                    }
                )

            back, message = await self._print_once(ReceiptKind.SELL_RETURN, build)
            if back is None:
                return StepResult(False, message)
            note = await self._record(back)
            if note:
                return StepResult(False, f"Чек возврата пробит ({back.label}), но {note}")
        result = await self.act(self.number, Cancel(reason=reason, description=description))
        if isinstance(result, Accepted):
            self.session.update(result.order)
            self.journal.drop(self.store, self.number)
            return StepResult(True, "Чек возврата пробит, заказ отменён" if self.receipt else "Заказ отменён")
        if isinstance(result, Refused | Rejected | Stale):
            return StepResult(False, result.message)
        return StepResult(False, "Нет связи с сервером: отмена будет отправлена, когда сервер ответит")
