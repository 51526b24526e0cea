"""ATOL Driver 10 JSON tasks and answers, as its Web Server takes and gives them. Strict: extra keys refused.

The Web Server (``fptr10`` web server, port 16732 by default) queues tasks by request:

- ``POST /api/v2/requests`` with ``{"uuid": "...", "request": [task, ...]}`` → 201 (queued);
  a ``uuid`` it already has → 409, a body it cannot read → 400;
- ``GET /api/v2/requests/{uuid}`` → 200 ``{"results": [{"status", "errorCode", "errorDescription",
  "result"}, ...]}`` with one result per task (``status``: ``wait``, ``inProgress``, ``ready``, ``error``,
  ``interrupted``, ``blocked``, ``canceled``); an unknown ``uuid`` → 404.

Only the tasks and fields the hand-over uses are modelled. Marked goods (ФФД 1.2): each pack is a
``position`` with ``imcParams`` (the code base64-encoded in ``imc``, the planned status, the check
result of ``getMarkingCodeValidationStatus`` as tag 2106) and ``industryInfo`` (tag 1260); dates in ATOL
JSON are ``yyyy.mm.dd``. Error codes are the driver's ``LIBFPTR_ERROR_*`` numbers.
"""

from __future__ import annotations

import base64
import binascii
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# LIBFPTR_ERROR_* codes the adapter and the simulator use
OK = 0
NO_CONNECTION = 2
INVALID_PARAM = 13
NO_PAPER = 44
COVER_OPENED = 45
BUSY = 55
SHIFT_EXPIRED = 68
DENIED_IN_CLOSED_SHIFT = 73
INVALID_MODE = 12
MARKING_CODE_NOT_VALIDATED = 401  # the marking-code check was not started / already running

ERROR_TEXT: dict[int, str] = {
    OK: "Ошибок нет",
    NO_CONNECTION: "Нет связи",
    INVALID_PARAM: "Некорректное значение параметра",
    NO_PAPER: "Нет бумаги",
    COVER_OPENED: "Открыта крышка",
    BUSY: "Предыдущая операция незавершена",
    SHIFT_EXPIRED: "Смена превысила 24 часа",
    DENIED_IN_CLOSED_SHIFT: "Смена закрыта - операция невозможна",
    INVALID_MODE: "Не поддерживается в данном режиме",
    MARKING_CODE_NOT_VALIDATED: "Процедура проверки КМ уже запущена или не начата",
}

Status = Literal["wait", "inProgress", "ready", "error", "interrupted", "blocked", "canceled"]
FINAL_STATUSES: frozenset[str] = frozenset({"ready", "error", "interrupted", "canceled"})


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _kopecks(value: Decimal) -> Decimal:
    if value != value.quantize(Decimal("0.01")):
        raise ValueError("money has at most two decimal places")
    return value


class Operator(_Strict):
    name: str = Field(min_length=1, max_length=64)
    vatin: str | None = Field(default=None, pattern=r"^\d{10}(\d{2})?$")


class ItemInfoCheckResult(_Strict):
    """Tag 2106: the result of the code's check (ФН and ОИСМ)."""

    imcCheckFlag: bool
    imcCheckResult: bool
    imcStatusInfo: bool
    imcEstimatedStatusCorrect: bool
    ecrStandAloneFlag: bool


ItemEstimatedStatus = Literal[
    "itemPieceSold", "itemDryForSale", "itemPieceReturn", "itemDryReturn", "itemStatusUnchanged"
]


class ImcParams(_Strict):
    imcType: Literal["auto", "imcUnrecognized", "imcShort", "imcFmVerifyCode88", "imcVerifyCode44"] = "auto"
    imc: str = Field(min_length=1, description="The marking code, base64 of its bytes (GS as 0x1D)")
    itemEstimatedStatus: ItemEstimatedStatus
    imcModeProcessing: int = Field(default=0, ge=0, le=255)  # tag 2102
    itemQuantity: Decimal | None = None
    itemUnits: Literal["piece"] | None = None
    itemInfoCheckResult: ItemInfoCheckResult | None = None
    notSendToServer: bool | None = None

    @field_validator("imc")
    @classmethod
    def _base64(cls, value: str) -> str:
        try:
            base64.b64decode(value, validate=True)
        except binascii.Error as exc:
            raise ValueError("imc is not base64") from exc
        return value

    @property
    def code(self) -> str:
        return base64.b64decode(self.imc).decode("utf-8", errors="replace")


class IndustryInfo(_Strict):
    """Tag 1260: ФОИВ (1262), document date (1263, ``yyyy.mm.dd``), number (1264), value (1265)."""

    fois: str = Field(pattern=r"^\d{3}$")
    date: str = Field(pattern=r"^\d{4}\.\d{2}\.\d{2}$")
    number: str = Field(min_length=1, max_length=32)
    industryAttribute: str = Field(min_length=1, max_length=256)


class Tax(_Strict):
    type: Literal["none", "vat0", "vat5", "vat7", "vat10", "vat20", "vat22", "vat105", "vat107", "vat110", "vat120"]


class Position(_Strict):
    type: Literal["position"] = "position"
    name: str = Field(min_length=1, max_length=128)
    price: Decimal = Field(ge=0)
    quantity: Decimal = Field(gt=0)
    amount: Decimal = Field(ge=0)
    tax: Tax
    paymentMethod: Literal[
        "fullPrepayment", "prepayment", "advance", "fullPayment", "partialPayment", "credit", "creditPayment"
    ] = "fullPayment"
    paymentObject: Literal["commodity", "commodityWithMarking", "commodityWithoutMarking", "service"] = "commodity"
    measurementUnit: Literal["piece"] = "piece"
    imcParams: ImcParams | None = None
    industryInfo: list[IndustryInfo] | None = None

    _money = field_validator("price", "amount")(_kopecks)


class Payment(_Strict):
    type: Literal["cash", "electronically", "prepaid", "credit", "other"]
    sum: Decimal = Field(gt=0)

    _money = field_validator("sum")(_kopecks)


class ReceiptTask(_Strict):
    type: Literal["sell", "sellReturn"]
    operator: Operator | None = None
    taxationType: Literal["osn", "usnIncome", "usnIncomeOutcome", "esn", "patent"] | None = None
    electronically: bool = False
    ignoreNonFiscalPrintErrors: bool | None = None
    validateMarkingCodes: bool | None = None
    items: list[Position] = Field(min_length=1)
    payments: list[Payment] = Field(min_length=1)
    total: Decimal | None = None

    _money = field_validator("total")(lambda v: v if v is None else _kopecks(v))


class ShiftTask(_Strict):
    type: Literal["openShift", "closeShift", "reportX"]
    operator: Operator | None = None
    electronically: bool | None = None


class QueryTask(_Strict):
    type: Literal[
        "getDeviceStatus",
        "getShiftStatus",
        "getFnInfo",
        "ofdExchangeStatus",
        "getMarkingCodeValidationStatus",
        "acceptMarkingCode",
        "declineMarkingCode",
        "cancelMarkingCodeValidation",
    ]


class BeginMarkingCodeValidation(_Strict):
    type: Literal["beginMarkingCodeValidation"]
    params: ImcParams


Task = Annotated[ReceiptTask | ShiftTask | QueryTask | BeginMarkingCodeValidation, Field(discriminator="type")]


class RequestBody(_Strict):
    uuid: str = Field(min_length=1, max_length=64)
    request: list[Task] = Field(min_length=1)


# --- answers ---------------------------------------------------------------------------------------


class _Answer(BaseModel):
    """Answers are read leniently about extra keys (a newer driver adds fields) but strictly about ours."""

    model_config = ConfigDict(extra="ignore", frozen=True)


class TaskResult(_Answer):
    status: Status
    errorCode: int = 0
    errorDescription: str = ""
    result: dict[str, Any] | None = None


class RequestResults(_Answer):
    results: list[TaskResult]


class DeviceStatus(_Answer):
    currentDateTime: str
    shift: Literal["closed", "opened", "expired"]
    blocked: bool = False
    coverOpened: bool
    paperPresent: bool
    fiscal: bool = True
    fnFiscal: bool = True
    fnPresent: bool = True
    cashDrawerOpened: bool = False
    model: int | None = None
    modelName: str | None = None


class DeviceStatusResult(_Answer):
    deviceStatus: DeviceStatus


class ShiftStatus(_Answer):
    state: Literal["closed", "opened", "expired"]
    number: int
    expiredTime: str | None = None  # yyyy.mm.dd HH:MM:SS in ATOL's format: when the 24 h run out


class ShiftStatusResult(_Answer):
    shiftStatus: ShiftStatus


class FnWarnings(_Answer):
    criticalError: bool = False
    memoryOverflow: bool = False
    needReplacement: bool = False
    resourceExhausted: bool = False


class FnInfo(_Answer):
    serial: str
    warnings: FnWarnings = FnWarnings()
    livePhase: str | None = None


class FnInfoResult(_Answer):
    fnInfo: FnInfo


class OfdStatus(_Answer):
    notSentCount: int = 0
    notSentFirstDocDateTime: str | None = None


class OfdExchangeStatusResult(_Answer):
    status: OfdStatus


class FiscalParams(_Answer):
    fiscalDocumentNumber: int
    fiscalDocumentSign: str
    fiscalDocumentDateTime: str
    fiscalReceiptNumber: int
    shiftNumber: int
    fnNumber: str
    registrationNumber: str
    total: Decimal | None = None
    fnsUrl: str | None = None


class FiscalResult(_Answer):
    fiscalParams: FiscalParams


class DriverError(_Answer):
    code: int
    error: str | None = None
    description: str | None = None


class MarkOperatorResponse(_Answer):
    responseStatus: bool
    itemStatusCheck: bool


class OnlineValidation(_Answer):
    itemInfoCheckResult: ItemInfoCheckResult
    markOperatorItemStatus: Literal["itemEstimatedStatusCorrect", "itemEstimatedStatusIncorrect", "itemSaleStopped"]
    markOperatorResponse: MarkOperatorResponse | None = None
    markOperatorResponseResult: Literal["correct", "incorrect", "unrecognized"] | None = None
    imcType: str | None = None
    imcModeProcessing: int | None = None


class MarkingValidationStatus(_Answer):
    ready: bool
    sentImcRequest: bool = False
    driverError: DriverError | None = None
    onlineValidation: OnlineValidation | None = None


def atol_date(value: Any) -> str:
    """A date as ATOL JSON writes it (``yyyy.mm.dd``)."""
    return f"{value.year:04d}.{value.month:02d}.{value.day:02d}"


def encode_code(code: str) -> str:
    return base64.b64encode(code.encode("utf-8")).decode("ascii")
