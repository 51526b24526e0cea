"""What the app asks of a register and what it answers, independent of the register's own wire format."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pharmacy_desk.domain.money import ZERO, Money
from pharmacy_desk.domain.receipts import ReceiptKind

# Tag 1260 (отраслевой реквизит предмета расчёта) of a permit-mode check, as Честный знак prescribes
# for every marked good since 1 June 2025: ФОИВ "030" (Минпромторг), the document of 21.11.2023 № 1944.
PERMIT_FOIS = "030"
PERMIT_DOCUMENT_DATE = dt.date(2023, 11, 21)
PERMIT_DOCUMENT_NUMBER = "1944"

SHIFT_LIMIT = dt.timedelta(hours=24)
SHIFT_WARNING = dt.timedelta(hours=23)  # announced an hour before the register refuses


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class ShiftState(StrEnum):
    CLOSED = "closed"
    OPENED = "opened"
    EXPIRED = "expired"  # open for more than 24 h: the register refuses receipts until it is closed


class RegisterStatus(_Model):
    """Device and shift, as the status bar, the diagnostics and ``pharmacy-desk fiscal status`` show it."""

    name: str  # "АТОЛ 30Ф", "1С", "Касса магазина (вручную)"
    online: bool = True
    paper: bool = True
    cover_open: bool = False
    shift: ShiftState = ShiftState.CLOSED
    shift_number: int | None = None
    shift_opened_at: dt.datetime | None = None
    unsent_documents: int = Field(default=0, ge=0)
    oldest_unsent_at: dt.datetime | None = None
    fn_nearly_full: bool = False
    fn_serial: str | None = None
    checked_at: dt.datetime | None = None

    def shift_age(self, now: dt.datetime) -> dt.timedelta | None:
        if self.shift is ShiftState.CLOSED or self.shift_opened_at is None:
            return None
        return now - self.shift_opened_at

    def shift_over_24h(self, now: dt.datetime) -> bool:
        age = self.shift_age(now)
        return self.shift is ShiftState.EXPIRED or (age is not None and age >= SHIFT_LIMIT)

    def shift_nearly_over(self, now: dt.datetime) -> bool:
        age = self.shift_age(now)
        return age is not None and SHIFT_WARNING <= age < SHIFT_LIMIT

    def problems(self, now: dt.datetime) -> list[str]:
        """Why a receipt cannot be printed now (empty: ready), in Russian."""
        found = []
        if not self.online:
            found.append("Касса не отвечает")
            return found
        if not self.paper:
            found.append("В кассе закончилась бумага")
        if self.cover_open:
            found.append("Открыта крышка кассы")
        if self.shift is ShiftState.CLOSED:
            found.append("Смена закрыта: откройте смену (Касса → Открыть смену)")
        elif self.shift_over_24h(now):
            found.append("Смена открыта больше 24 часов: закройте смену (Касса → Закрыть смену) и откройте новую")
        return found

    def warnings(self, now: dt.datetime) -> list[str]:
        found = []
        if self.shift_nearly_over(now):
            age = self.shift_age(now)
            assert age is not None
            left = int((SHIFT_LIMIT - age).total_seconds() // 60)
            found.append(f"Смена закончится через {left} мин: после 24 часов касса перестанет печатать чеки")
        if self.unsent_documents:
            found.append(f"Не отправлено в ОФД документов: {self.unsent_documents}")
        if self.fn_nearly_full:
            found.append("Фискальный накопитель скоро заполнится: замените ФН")
        return found

    def summary(self, now: dt.datetime) -> str:
        """One line for the status bar: «Касса: готова, смена 5 ч»."""
        problems = self.problems(now)
        if problems:
            return f"Касса: {problems[0]}"
        age = self.shift_age(now)
        hours = f", смена {int(age.total_seconds() // 3600)} ч" if age is not None else ""
        return f"Касса: готова{hours}"


class CodeVerdict(StrEnum):
    """What the permit-mode check said of one pack's code."""

    OK = "ok"
    EXPIRED = "expired"  # срок годности истёк
    WITHDRAWN = "withdrawn"  # уже выведен из оборота (продан, списан)
    NOT_FOUND = "not_found"  # нет в Честном знаке
    BLOCKED = "blocked"  # оборот приостановлен (решение контролирующего органа)
    INVALID = "invalid"  # код не прошёл проверку подлинности
    NOT_CHECKED = "not_checked"  # проверка не выполнена (нет связи; допускается только в офлайн-режиме)

    @property
    def allowed(self) -> bool:
        return self is CodeVerdict.OK

    @property
    def reason_ru(self) -> str:
        return _REASONS[self]


_REASONS = {
    CodeVerdict.OK: "Код проверен: продажа разрешена",
    CodeVerdict.EXPIRED: "Истёк срок годности: продажа запрещена",
    CodeVerdict.WITHDRAWN: "Упаковка уже выведена из оборота (продана или списана)",
    CodeVerdict.NOT_FOUND: "Код не найден в Честном знаке",
    CodeVerdict.BLOCKED: "Оборот упаковки приостановлен",
    CodeVerdict.INVALID: "Код маркировки не прошёл проверку подлинности",
    CodeVerdict.NOT_CHECKED: "Код не удалось проверить",
}


class PermitCheck(_Model):
    """The permit-mode request a code was checked in: its id and time go into tag 1260."""

    req_id: str = Field(min_length=1, max_length=64)
    req_timestamp: int = Field(ge=0, description="Milliseconds since the epoch, as Честный знак answers")
    inst: str | None = None  # the local module's instance id (ЛМ ЧЗ only)
    version: str | None = None  # the local module's database version (ЛМ ЧЗ only)

    @property
    def industry_attribute(self) -> str:
        """The tag 1265 value of tag 1260: ``UUID=<reqId>&Time=<reqTimestamp>`` (+ ``&Inst=&Ver=`` from ЛМ ЧЗ)."""
        value = f"UUID={self.req_id}&Time={self.req_timestamp}"
        if self.inst:
            value += f"&Inst={self.inst}"
        if self.version:
            value += f"&Ver={self.version}"
        return value


class CodeCheck(_Model):
    """One pack's code after the register's check (tag 2106) and the permit-mode check (tag 1260)."""

    code: str
    verdict: CodeVerdict
    message: str = ""  # the register's or Честный знак's own words when refused
    # tag 2106 bits as ATOL answers them (itemInfoCheckResult)
    imc_check_flag: bool = False
    imc_check_result: bool = False
    imc_status_info: bool = False
    imc_estimated_status_correct: bool = False
    ecr_stand_alone: bool = False
    permit: PermitCheck | None = None

    @property
    def allowed(self) -> bool:
        return self.verdict.allowed

    @property
    def reason(self) -> str:
        return (
            f"{self.verdict.reason_ru}: {self.message}" if self.message and not self.allowed else self.verdict.reason_ru
        )


class ReceiptItem(_Model):
    """One receipt position: a marked pack is always its own position of quantity 1 with its code."""

    sku: str
    name: str = Field(min_length=1, max_length=128)
    price: Money
    quantity: int = Field(ge=1)
    vat: Literal["none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22"] = "vat10"
    marking_code: str | None = None
    check: CodeCheck | None = None

    @model_validator(mode="after")
    def _one_pack_per_code(self) -> ReceiptItem:
        if self.marking_code is not None and self.quantity != 1:
            raise ValueError("a marked pack is a position of quantity 1")
        if self.check is not None and self.check.code != self.marking_code:
            raise ValueError("the check belongs to another code")
        return self

    @property
    def amount(self) -> Decimal:
        return self.price * self.quantity


class ReceiptRequest(_Model):
    """A sale or return receipt to print. ``request_id`` is decided (and stored) before it goes out."""

    request_id: str = Field(min_length=1, max_length=64)
    kind: ReceiptKind
    items: tuple[ReceiptItem, ...] = Field(min_length=1)
    payment: Literal["cash", "card"]
    tendered: Money | None = None  # cash handed over by the customer (change = tendered - total)
    operator: str = Field(default="Кассир", min_length=1, max_length=64)
    order_number: str | None = None

    @model_validator(mode="after")
    def _cash_covers(self) -> ReceiptRequest:
        if self.tendered is not None:
            if self.payment != "cash":
                raise ValueError("only cash is tendered")
            if self.tendered < self.total:
                raise ValueError(f"tendered {self.tendered} is less than the total {self.total}")
        return self

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), ZERO)

    @property
    def change(self) -> Decimal:
        return (self.tendered - self.total) if self.tendered is not None else ZERO

    @property
    def marking_codes(self) -> tuple[str, ...]:
        return tuple(item.marking_code for item in self.items if item.marking_code)
