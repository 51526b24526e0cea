"""A simulated cash register: an ATOL Driver 10 Web Server with a fiscal drive inside, plus Честный знак.

It answers like the real Web Server (see :mod:`pharmacy_desk.fiscal.atol_wire`):
``POST /api/v2/requests`` validates the body with the strict task models (400 with the reason; 409 for a
uuid it already has) and queues the tasks; ``GET /api/v2/requests/{uuid}`` gives their results (404 for
an unknown uuid). The device checks what a real one checks before it prints: the shift is open and
younger than 24 h, there is paper, amounts add up, every marked position's code went through
``beginMarkingCodeValidation`` → ``acceptMarkingCode`` and, in the permit mode, carries tag 1260 with a
``reqId`` that this simulator's Честный знак issued for that very code.

The same app plays the permit-mode services: ``POST /api/v1/cis/check`` (the local module, ЛМ ЧЗ) and
``POST /api/v4/true-api/codes/check`` (Честный знак's API). A code sold here is withdrawn there, a
return puts it back.

Failures a test or the demo switches on (:class:`AtolSimulator` attributes): a code answered as
expired / withdrawn / not found / blocked / invalid (:meth:`AtolSimulator.set_code`), out of paper,
a shift older than 24 h (:meth:`AtolSimulator.age_shift`), the device offline (every task ends with
error 2 «Нет связи»), a hang (tasks stay ``inProgress``), and slow processing.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import hashlib
import uuid as uuid_lib
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import parse_qs

from pydantic import ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pharmacy_desk.fiscal import atol_wire as w
from pharmacy_desk.fiscal.models import PERMIT_DOCUMENT_DATE, PERMIT_DOCUMENT_NUMBER, PERMIT_FOIS, CodeVerdict

MSK = dt.timezone(dt.timedelta(hours=3))
FN_SERIAL = "9999078902012345"
REGISTRATION = "0000000001012345"


class TaskFailed(Exception):
    def __init__(self, code: int, description: str | None = None) -> None:
        super().__init__(description or w.ERROR_TEXT.get(code, ""))
        self.code = code
        self.description = description or w.ERROR_TEXT.get(code, "")


@dataclass
class PrintedReceipt:
    """A fiscal document the simulator printed (what the paper would show)."""

    uuid: str
    task: w.ReceiptTask
    number: int
    fiscal_sign: str
    at: dt.datetime
    shift: int
    receipt_number: int

    @property
    def kind(self) -> str:
        return self.task.type

    @property
    def codes(self) -> list[str]:
        return [item.imcParams.code for item in self.task.items if item.imcParams is not None]

    @property
    def industry_attributes(self) -> list[str]:
        return [info.industryAttribute for item in self.task.items for info in item.industryInfo or ()]

    def lines(self) -> list[str]:
        """The receipt as text lines, as the demo draws it."""
        title = "КАССОВЫЙ ЧЕК / ПРИХОД" if self.kind == "sell" else "КАССОВЫЙ ЧЕК / ВОЗВРАТ ПРИХОДА"
        out = ["ООО «Аптека» (симулятор)", title, f"Смена {self.shift}  Чек {self.receipt_number}", ""]
        for item in self.task.items:
            out.append(item.name[:40])
            out.append(f"  {item.quantity} x {item.price:.2f} = {item.amount:.2f}  НДС {item.tax.type}")
            if item.imcParams is not None:
                out.append(f"  [М] КМ: {item.imcParams.code[:31]}")
            for info in item.industryInfo or ():
                out.append(f"  1260: ФОИВ {info.fois} {info.date} № {info.number}")
                out.append(f"    {info.industryAttribute[:44]}")
        total = self.task.total if self.task.total is not None else sum(i.amount for i in self.task.items)
        out += ["", f"ИТОГ  {total:.2f}"]
        for payment in self.task.payments:
            name = "НАЛИЧНЫМИ" if payment.type == "cash" else "БЕЗНАЛИЧНЫМИ"
            out.append(f"{name}  {payment.sum:.2f}")
        cash = sum((p.sum for p in self.task.payments if p.type == "cash"), Decimal(0))
        if cash and cash > total:
            out.append(f"СДАЧА  {cash - total:.2f}")
        out += [
            "",
            f"ФН {FN_SERIAL}",
            f"ФД {self.number}  ФП {self.fiscal_sign}",
            self.at.strftime("%d.%m.%Y %H:%M"),
        ]
        return out


@dataclass
class _Queued:
    body: w.RequestBody
    results: list[dict[str, Any]]
    done: asyncio.Event = field(default_factory=asyncio.Event)


@dataclass
class _Permit:
    req_id: str
    timestamp: int
    codes: frozenset[str]


class AtolSimulator:
    def __init__(
        self,
        *,
        now: Any = None,
        shift_open: bool = True,
        permit_required: bool = True,
        permit_by_driver: bool = False,
        api_key: str | None = None,
        processing_delay: float = 0.0,
    ) -> None:
        self._now = now or (lambda: dt.datetime.now(MSK))
        self.permit_required = permit_required
        self.permit_by_driver = permit_by_driver  # permit_source "register": the driver makes the request
        self.api_key = api_key
        self.processing_delay = processing_delay
        self.paper = True
        self.cover_open = False
        self.offline = False
        self.hang = False
        self.shift_number = 1 if shift_open else 0
        self.shift_opened_at: dt.datetime | None = self._now() if shift_open else None
        self.document_number = 10
        self.receipts_in_shift = 0
        self.unsent = 0
        self.fn_nearly_full = False
        self.requests: dict[str, _Queued] = {}
        self.printed: list[PrintedReceipt] = []
        self.reports: list[str] = []  # "openShift", "reportX", "closeShift" as printed
        self.code_verdicts: dict[str, CodeVerdict] = {}
        self.sold: set[str] = set()
        self.permits: dict[str, _Permit] = {}
        self.permit_calls: list[list[str]] = []
        self._validation: w.ImcParams | None = None
        self._validation_ready = False
        self._accepted: set[str] = set()
        self._tasks: set[asyncio.Task[None]] = set()
        self.app = Starlette(
            routes=[
                Route("/api/v2/requests", self._post, methods=["POST"]),
                Route("/api/v2/requests/{uuid}", self._get, methods=["GET"]),
                Route("/api/v1/cis/check", self._lm_check, methods=["POST"]),
                Route("/api/v4/true-api/codes/check", self._chz_check, methods=["POST"]),
            ]
        )

    # --- switches --------------------------------------------------------------------------------

    def set_code(self, code: str, verdict: CodeVerdict) -> None:
        """How Честный знак and the register will see ``code`` from now on."""
        self.code_verdicts[code] = verdict

    def age_shift(self, hours: float) -> None:
        """Pretend the open shift was opened ``hours`` ago (24 and more: the register refuses receipts)."""
        if self.shift_opened_at is None:
            self.shift_number += 1
        self.shift_opened_at = self._now() - dt.timedelta(hours=hours)

    def receipts_for(self, codes: set[str] | None = None, kind: str | None = None) -> list[PrintedReceipt]:
        return [r for r in self.printed if (kind is None or r.kind == kind) and (codes is None or codes & set(r.codes))]

    # --- HTTP -------------------------------------------------------------------------------------

    async def _post(self, request: Request) -> Response:
        try:
            body = w.RequestBody.model_validate_json(await request.body())
        except ValidationError as exc:
            return JSONResponse({"error": {"code": 400, "description": _errors(exc)}}, status_code=400)
        if body.uuid in self.requests:
            return JSONResponse({"error": {"code": 409, "description": "Задание с таким uuid уже существует"}}, 409)
        queued = _Queued(
            body=body, results=[{"status": "wait", "errorCode": 0, "errorDescription": ""}] * len(body.request)
        )
        self.requests[body.uuid] = queued
        asyncio.get_running_loop().create_task(self._process(queued))
        return Response(status_code=201)

    async def _get(self, request: Request) -> Response:
        queued = self.requests.get(request.path_params["uuid"])
        if queued is None:
            return JSONResponse({"error": {"code": 404, "description": "Задание не найдено"}}, status_code=404)
        return JSONResponse({"results": queued.results})

    async def _process(self, queued: _Queued) -> None:
        n = len(queued.body.request)
        queued.results = [{"status": "inProgress", "errorCode": 0, "errorDescription": ""}] * n
        if self.hang:
            return
        if self.processing_delay:
            await asyncio.sleep(self.processing_delay)
        results: list[dict[str, Any]] = []
        failed = False
        for task in queued.body.request:
            if failed:
                results.append({"status": "interrupted", "errorCode": 0, "errorDescription": ""})
                continue
            try:
                if self.offline:
                    raise TaskFailed(w.NO_CONNECTION)
                result = self._run(queued.body.uuid, task)
                results.append({"status": "ready", "errorCode": 0, "errorDescription": "Ошибок нет", "result": result})
            except TaskFailed as exc:
                failed = True
                results.append({"status": "error", "errorCode": exc.code, "errorDescription": exc.description})
        queued.results = results
        queued.done.set()

    # --- the device -------------------------------------------------------------------------------

    def _shift_state(self) -> str:
        if self.shift_opened_at is None:
            return "closed"
        return "expired" if self._now() - self.shift_opened_at >= dt.timedelta(hours=24) else "opened"

    def _run(self, request_uuid: str, task: Any) -> dict[str, Any] | None:
        match task:
            case w.ReceiptTask():
                return self._receipt(request_uuid, task)
            case w.ShiftTask(type="openShift"):
                if self.shift_opened_at is not None:
                    raise TaskFailed(w.INVALID_MODE, "Смена уже открыта")
                self._needs_paper()
                self.shift_number += 1
                self.shift_opened_at = self._now()
                self.receipts_in_shift = 0
                self.document_number += 1
                self.reports.append("openShift")
                return {"fiscalParams": self._fiscal_params(total=None)}
            case w.ShiftTask(type="closeShift"):
                if self.shift_opened_at is None:
                    raise TaskFailed(w.DENIED_IN_CLOSED_SHIFT)
                self._needs_paper()
                self.document_number += 1
                self.shift_opened_at = None
                self.reports.append("closeShift")
                return {"fiscalParams": self._fiscal_params(total=None)}
            case w.ShiftTask(type="reportX"):
                self._needs_paper()
                self.reports.append("reportX")
                return None
            case w.QueryTask(type="getDeviceStatus"):
                return {
                    "deviceStatus": {
                        "currentDateTime": self._now().isoformat(timespec="seconds"),
                        "shift": self._shift_state(),
                        "blocked": False,
                        "coverOpened": self.cover_open,
                        "paperPresent": self.paper,
                        "fiscal": True,
                        "fnFiscal": True,
                        "fnPresent": True,
                        "cashDrawerOpened": False,
                        "modelName": "АТОЛ 30Ф (симулятор)",
                    }
                }
            case w.QueryTask(type="getShiftStatus"):
                status: dict[str, Any] = {"state": self._shift_state(), "number": self.shift_number}
                if self.shift_opened_at is not None:
                    expires = self.shift_opened_at + dt.timedelta(hours=24)
                    status["expiredTime"] = expires.isoformat(timespec="seconds")
                return {"shiftStatus": status}
            case w.QueryTask(type="getFnInfo"):
                return {
                    "fnInfo": {
                        "serial": FN_SERIAL,
                        "livePhase": "fiscalMode",
                        "warnings": {
                            "criticalError": False,
                            "memoryOverflow": self.fn_nearly_full,
                            "needReplacement": False,
                            "resourceExhausted": False,
                        },
                    }
                }
            case w.QueryTask(type="ofdExchangeStatus"):
                return {"status": {"notSentCount": self.unsent}}
            case w.BeginMarkingCodeValidation():
                if self._validation is not None and not self._validation_ready:
                    raise TaskFailed(w.MARKING_CODE_NOT_VALIDATED)
                self._validation = task.params
                self._validation_ready = True
                return {"sentImcRequest": True}
            case w.QueryTask(type="getMarkingCodeValidationStatus"):
                if self._validation is None:
                    raise TaskFailed(w.MARKING_CODE_NOT_VALIDATED)
                return self._validation_status(self._validation)
            case w.QueryTask(type="acceptMarkingCode" | "declineMarkingCode" | "cancelMarkingCodeValidation"):
                if self._validation is None:
                    raise TaskFailed(w.MARKING_CODE_NOT_VALIDATED)
                if task.type == "acceptMarkingCode":
                    self._accepted.add(self._validation.code)
                self._validation = None
                self._validation_ready = False
                return None
        raise TaskFailed(w.INVALID_PARAM, f"Задание {task.type} не поддерживается симулятором")

    def _needs_paper(self) -> None:
        if not self.paper:
            raise TaskFailed(w.NO_PAPER)
        if self.cover_open:
            raise TaskFailed(w.COVER_OPENED)

    def _verdict(self, code: str, *, returning: bool = False) -> CodeVerdict:
        verdict = self.code_verdicts.get(code, CodeVerdict.OK)
        if verdict is CodeVerdict.OK and code in self.sold and not returning:
            return CodeVerdict.WITHDRAWN
        return verdict

    def _validation_status(self, params: w.ImcParams) -> dict[str, Any]:
        returning = params.itemEstimatedStatus in ("itemPieceReturn", "itemDryReturn")
        verdict = self._verdict(params.code, returning=returning)
        authentic = verdict is not CodeVerdict.INVALID
        status_ok = verdict is CodeVerdict.OK
        item_status = (
            "itemSaleStopped"
            if verdict is CodeVerdict.BLOCKED
            else ("itemEstimatedStatusCorrect" if status_ok else "itemEstimatedStatusIncorrect")
        )
        return {
            "ready": True,
            "sentImcRequest": True,
            "driverError": {"code": 0, "error": "OK", "description": "Ошибок нет"},
            "onlineValidation": {
                "itemInfoCheckResult": {
                    "imcCheckFlag": True,
                    "imcCheckResult": authentic,
                    "imcStatusInfo": True,
                    "imcEstimatedStatusCorrect": status_ok,
                    "ecrStandAloneFlag": False,
                },
                "markOperatorItemStatus": item_status,
                "markOperatorResponse": {"responseStatus": True, "itemStatusCheck": status_ok},
                "markOperatorResponseResult": "correct" if status_ok else "incorrect",
                "imcType": "imcFmVerifyCode88",
                "imcModeProcessing": 0,
            },
        }

    def _fiscal_params(self, total: Decimal | None) -> dict[str, Any]:
        sign = int(hashlib.sha256(f"{FN_SERIAL}:{self.document_number}".encode()).hexdigest(), 16) % 4_294_967_295
        params: dict[str, Any] = {
            "fiscalDocumentNumber": self.document_number,
            "fiscalDocumentSign": str(sign),
            "fiscalDocumentDateTime": self._now().isoformat(timespec="seconds"),
            "fiscalReceiptNumber": self.receipts_in_shift,
            "shiftNumber": self.shift_number,
            "fnNumber": FN_SERIAL,
            "registrationNumber": REGISTRATION,
            "fnsUrl": "www.nalog.gov.ru",
        }
        if total is not None:
            params["total"] = float(total)
        return params

    def _receipt(self, request_uuid: str, task: w.ReceiptTask) -> dict[str, Any]:
        state = self._shift_state()
        if state == "closed":
            raise TaskFailed(w.DENIED_IN_CLOSED_SHIFT)
        if state == "expired":
            raise TaskFailed(w.SHIFT_EXPIRED)
        self._needs_paper()
        total = sum((item.amount for item in task.items), Decimal(0))
        for item in task.items:
            if item.price * item.quantity != item.amount:
                raise TaskFailed(w.INVALID_PARAM, f"Сумма позиции «{item.name}» не равна цене × количество")
        if task.total is not None and task.total != total:
            raise TaskFailed(w.INVALID_PARAM, "Итог чека не равен сумме позиций")
        paid = sum((p.sum for p in task.payments), Decimal(0))
        cashless = sum((p.sum for p in task.payments if p.type != "cash"), Decimal(0))
        if paid < total:
            raise TaskFailed(66, "Чек оплачен не полностью")
        if cashless > total:
            raise TaskFailed(52, "Сумма не наличных платежей превышает сумму чека")
        returning = task.type == "sellReturn"
        codes = []
        items = []
        for item in task.items:
            items.append(self._check_marked(item, returning=returning))
            if item.imcParams is not None:
                codes.append(item.imcParams.code)
        task = task.model_copy(update={"items": items})  # with the 1260 the driver added (permit_by_driver)
        if len(set(codes)) != len(codes):
            raise TaskFailed(w.INVALID_PARAM, "Один код маркировки дважды в чеке")
        self.document_number += 1
        self.receipts_in_shift += 1
        self.unsent += 1
        params = self._fiscal_params(total)
        self.printed.append(
            PrintedReceipt(
                uuid=request_uuid,
                task=task,
                number=self.document_number,
                fiscal_sign=params["fiscalDocumentSign"],
                at=self._now(),
                shift=self.shift_number,
                receipt_number=self.receipts_in_shift,
            )
        )
        for code in codes:
            self._accepted.discard(code)
            if returning:
                self.sold.discard(code)
            else:
                self.sold.add(code)
        return {"fiscalParams": params, "warnings": None}

    def _check_marked(self, item: w.Position, *, returning: bool) -> w.Position:
        """Refuse a marked position the real device would refuse; the position as printed."""
        if item.imcParams is None:
            if item.paymentObject == "commodityWithMarking":
                raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: маркированный товар без кода маркировки")
            return item
        imc = item.imcParams
        code = imc.code
        expected = "itemPieceReturn" if returning else "itemPieceSold"
        if imc.itemEstimatedStatus != expected:
            raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: планируемый статус {imc.itemEstimatedStatus}")
        if item.quantity != 1:
            raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: штучный маркированный товар — количество 1")
        if code not in self._accepted:
            raise TaskFailed(w.MARKING_CODE_NOT_VALIDATED, f"«{item.name}»: код не проверен кассой перед чеком")
        if imc.itemInfoCheckResult is None:
            raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: нет результата проверки кода (тег 2106)")
        if not self.permit_required or returning:  # tag 1260 of the permit mode: sales only
            return item
        infos = item.industryInfo or []
        if not infos and self.permit_by_driver:  # the driver asks Честный знак itself and writes 1260
            answer = self._permit_answer([code])
            if self._verdict(code) is not CodeVerdict.OK:
                raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: разрешительный режим запретил продажу")
            info = w.IndustryInfo(
                fois=PERMIT_FOIS,
                date=w.atol_date(PERMIT_DOCUMENT_DATE),
                number=PERMIT_DOCUMENT_NUMBER,
                industryAttribute=f"UUID={answer['reqId']}&Time={answer['reqTimestamp']}",
            )
            return item.model_copy(update={"industryInfo": [info]})
        if len(infos) != 1:
            raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: нет отраслевого реквизита 1260 разрешительного режима")
        info = infos[0]
        if (info.fois, info.date, info.number) != (
            PERMIT_FOIS,
            w.atol_date(PERMIT_DOCUMENT_DATE),
            PERMIT_DOCUMENT_NUMBER,
        ):
            raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: реквизит 1260 не разрешительного режима")
        fields = parse_qs(info.industryAttribute)
        req_id = (fields.get("UUID") or [""])[0]
        permit = self.permits.get(req_id)
        if permit is None or code not in permit.codes or (fields.get("Time") or [""])[0] != str(permit.timestamp):
            raise TaskFailed(w.INVALID_PARAM, f"«{item.name}»: реквизит 1260 не от проверки этого кода")
        return item

    # --- Честный знак (permit mode) -------------------------------------------------------------

    async def _lm_check(self, request: Request) -> Response:
        try:
            body = await request.json()
            codes = body["cis_list"]
            assert isinstance(codes, list) and codes and all(isinstance(c, str) and c for c in codes)
        except (ValueError, KeyError, AssertionError):
            return JSONResponse({"code": 400, "description": "cis_list: непустой список кодов"}, status_code=400)
        answer = self._permit_answer(codes)
        answer.update(inst="0c5e1f4a-5a2b-4c1e-9f00-00000000a11c", version="20250601")
        return JSONResponse(answer)

    async def _chz_check(self, request: Request) -> Response:
        if self.api_key is not None and request.headers.get("x-api-key") != self.api_key:
            return JSONResponse({"code": 401, "description": "Неверный X-API-KEY"}, status_code=401)
        try:
            body = await request.json()
            codes = body["codes"]
            assert isinstance(codes, list) and codes and all(isinstance(c, str) and c for c in codes)
        except (ValueError, KeyError, AssertionError):
            return JSONResponse({"code": 400, "description": "codes: непустой список кодов"}, status_code=400)
        return JSONResponse(self._permit_answer(codes))

    def _permit_answer(self, codes: list[str]) -> dict[str, Any]:
        if self.offline:
            raise ConnectionError("offline")  # pragma: no cover - the offline register is the device, not ЧЗ
        self.permit_calls.append(list(codes))
        now = self._now()
        req_id = str(uuid_lib.uuid4())
        timestamp = int(now.timestamp() * 1000)
        self.permits[req_id] = _Permit(req_id=req_id, timestamp=timestamp, codes=frozenset(codes))
        entries = []
        for code in codes:
            verdict = self._verdict(code)
            expire = now - dt.timedelta(days=1) if verdict is CodeVerdict.EXPIRED else now + dt.timedelta(days=400)
            entries.append(
                {
                    "cis": code,
                    "valid": verdict is not CodeVerdict.INVALID,
                    "printView": code[:31],
                    "gtin": code[2:16] if code.startswith("01") else "",
                    "groupIds": [17],
                    "verified": verdict is not CodeVerdict.INVALID,
                    "found": verdict is not CodeVerdict.NOT_FOUND,
                    "realizable": True,
                    "utilised": True,
                    "isBlocked": verdict is CodeVerdict.BLOCKED,
                    "expireDate": expire.isoformat(timespec="seconds"),
                    "sold": verdict is CodeVerdict.WITHDRAWN or code in self.sold,
                    "errorCode": 0,
                    "isTracking": True,
                }
            )
        return {"code": 0, "description": "ok", "codes": entries, "reqId": req_id, "reqTimestamp": timestamp}


def _errors(exc: ValidationError) -> str:
    parts = []
    for error in exc.errors()[:5]:
        where = ".".join(str(p) for p in error["loc"])
        parts.append(f"{where}: {error['msg']}")
    return "; ".join(parts)


def code_bytes(code: str) -> str:
    return base64.b64encode(code.encode()).decode()
