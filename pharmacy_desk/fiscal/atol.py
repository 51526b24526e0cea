"""ATOL Driver 10 Web Server: JSON tasks over HTTP on the counter PC (default ``http://127.0.0.1:16732``).

Every operation is one request: ``POST /api/v2/requests {uuid, request: [task...]}``, then
``GET /api/v2/requests/{uuid}`` until each task's status is final. A receipt's ``uuid`` is the
caller's ``request_id``: the Web Server keeps it, so :meth:`AtolWebServer.outcome` can ask what became
of it after a crash and a repeated POST of the same uuid (409) never prints twice.

Time-outs: connecting or a refused connection → :class:`~.errors.RegisterOffline` (nothing printed); a
receipt request that was sent but whose result did not come in time → :class:`~.errors.OutcomeUnknown`.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid as uuid_lib
from collections.abc import Sequence
from decimal import Decimal
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.fiscal import atol_wire as w
from pharmacy_desk.fiscal.errors import FiscalError, OutcomeUnknown, RegisterOffline, RegisterRefused
from pharmacy_desk.fiscal.models import (
    PERMIT_DOCUMENT_DATE,
    PERMIT_DOCUMENT_NUMBER,
    PERMIT_FOIS,
    SHIFT_LIMIT,
    CodeCheck,
    CodeVerdict,
    ReceiptRequest,
    RegisterStatus,
    ShiftState,
)
from pharmacy_desk.fiscal.permit import PermitClient

DEFAULT_URL = "http://127.0.0.1:16732"

_M = TypeVar("_M", bound=BaseModel)


def parse_atol_datetime(value: str) -> dt.datetime:
    """ATOL answers ISO 8601 with the offset (``2025-06-01T12:30:00+03:00``); an old driver omits it (local time)."""
    parsed = dt.datetime.fromisoformat(value.replace(".", "-", 2) if value[4:5] == "." else value)
    return parsed if parsed.tzinfo is not None else parsed.astimezone()


def _result(model: type[_M], result: w.TaskResult) -> _M:
    try:
        return model.model_validate(result.result or {})
    except ValidationError as exc:
        raise RegisterRefused(f"Касса ответила непонятно: {exc.errors()[0]['msg']}") from exc


def receipt_task(request: ReceiptRequest) -> w.ReceiptTask:
    """The ``sell`` / ``sellReturn`` task: one position per marked pack with its code, 2106 and 1260."""
    sale = request.kind is ReceiptKind.SELL
    items = []
    for item in request.items:
        imc = None
        industry = None
        if item.marking_code is not None:
            check = item.check
            imc = w.ImcParams(
                imc=w.encode_code(item.marking_code),
                itemEstimatedStatus="itemPieceSold" if sale else "itemPieceReturn",
                imcModeProcessing=0,
                itemInfoCheckResult=(
                    w.ItemInfoCheckResult(
                        imcCheckFlag=check.imc_check_flag,
                        imcCheckResult=check.imc_check_result,
                        imcStatusInfo=check.imc_status_info,
                        imcEstimatedStatusCorrect=check.imc_estimated_status_correct,
                        ecrStandAloneFlag=check.ecr_stand_alone,
                    )
                    if check is not None
                    else None
                ),
            )
            if check is not None and check.permit is not None:
                industry = [
                    w.IndustryInfo(
                        fois=PERMIT_FOIS,
                        date=w.atol_date(PERMIT_DOCUMENT_DATE),
                        number=PERMIT_DOCUMENT_NUMBER,
                        industryAttribute=check.permit.industry_attribute,
                    )
                ]
        items.append(
            w.Position(
                name=item.name,
                price=item.price,
                quantity=Decimal(item.quantity),
                amount=item.amount,
                tax=w.Tax(type=item.vat),
                paymentObject="commodityWithMarking" if item.marking_code else "commodity",
                imcParams=imc,
                industryInfo=industry,
            )
        )
    if request.payment == "cash":
        paid = request.tendered if request.tendered is not None else request.total
        payments = [w.Payment(type="cash", sum=paid)]
    else:
        payments = [w.Payment(type="electronically", sum=request.total)]
    return w.ReceiptTask(
        type="sell" if sale else "sellReturn",
        operator=w.Operator(name=request.operator),
        items=items,
        payments=payments,
        total=request.total,
        validateMarkingCodes=True,
    )


def receipt_of(request: ReceiptRequest, fiscal: w.FiscalParams) -> Receipt:
    return Receipt(
        kind=request.kind,
        number=fiscal.fiscalDocumentNumber,
        fiscal_sign=fiscal.fiscalDocumentSign,
        fn=fiscal.fnNumber,
        at=parse_atol_datetime(fiscal.fiscalDocumentDateTime),
        total=request.total,
        payment=request.payment,
        marking_codes=request.marking_codes,
        shift=fiscal.shiftNumber,
        receipt_number=fiscal.fiscalReceiptNumber,
        request_id=request.request_id,
        source="atol",
    )


class AtolWebServer:
    """:class:`~.register.FiscalRegister` over the ATOL Web Server."""

    def __init__(
        self,
        url: str = DEFAULT_URL,
        *,
        permit: PermitClient | None = None,
        timeout: float = 5.0,
        task_timeout: float = 60.0,
        poll_interval: float = 0.2,
        client: httpx.AsyncClient | None = None,
        close_permit: bool = False,
    ) -> None:
        self.url = url.rstrip("/")
        self.permit = permit
        self._close_permit = close_permit
        self.task_timeout = task_timeout
        self.poll_interval = poll_interval
        # The Web Server is on this PC: a connection per request, none kept open between hand-overs.
        self._client = client or httpx.AsyncClient(
            timeout=httpx.Timeout(timeout, connect=min(timeout, 3.0)),
            limits=httpx.Limits(max_keepalive_connections=0),
        )
        self._own_client = client is None
        self.owned_client: httpx.AsyncClient | None = None  # a client passed in that aclose() closes too
        self._marking = asyncio.Lock()
        self._name = "АТОЛ"

    @property
    def name(self) -> str:
        return self._name

    # --- the Web Server's two calls ---------------------------------------------------------------

    async def _post(self, request_id: str, tasks: Sequence[Any], *, printing: bool) -> None:
        body = w.RequestBody(uuid=request_id, request=list(tasks)).model_dump(mode="json", exclude_none=True)
        try:
            response = await self._client.post(f"{self.url}/api/v2/requests", json=body)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise RegisterOffline(f"Касса не отвечает ({self.url}): проверьте, что запущен веб-сервер АТОЛ") from exc
        except httpx.TransportError as exc:
            if printing:  # sent, and the answer was lost: it may be queued and printed
                raise OutcomeUnknown("Ответ кассы потерян: неизвестно, пробит ли чек", request_id=request_id) from exc
            raise RegisterOffline(f"Касса не ответила ({exc.__class__.__name__})") from exc
        if response.status_code == 409:
            return  # this uuid is already queued: the result is the first one's
        if response.status_code not in (200, 201):
            raise RegisterRefused(
                f"Веб-сервер АТОЛ отклонил задание: HTTP {response.status_code} {response.text[:200]}"
            )

    async def _get(self, request_id: str) -> w.RequestResults | None:
        try:
            response = await self._client.get(f"{self.url}/api/v2/requests/{request_id}")
        except httpx.TransportError as exc:
            raise RegisterOffline(f"Касса не отвечает ({self.url})") from exc
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise RegisterRefused(f"Веб-сервер АТОЛ: HTTP {response.status_code}")
        try:
            return w.RequestResults.model_validate_json(response.content)
        except ValidationError as exc:
            raise RegisterRefused(f"Касса ответила непонятно: {exc.errors()[0]['msg']}") from exc

    async def _wait(self, request_id: str, *, printing: bool) -> list[w.TaskResult]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.task_timeout
        while True:
            try:
                answer = await self._get(request_id)
            except RegisterOffline as exc:
                if printing:
                    raise OutcomeUnknown(
                        "Касса перестала отвечать во время печати чека", request_id=request_id
                    ) from exc
                raise
            if answer is None:
                raise RegisterRefused("Касса потеряла задание")
            if answer.results and all(r.status in w.FINAL_STATUSES for r in answer.results):
                return answer.results
            if loop.time() >= deadline:
                if printing:
                    raise OutcomeUnknown("Касса не закончила печать вовремя", request_id=request_id)
                raise RegisterOffline("Касса не ответила вовремя (задание висит в очереди)")
            await asyncio.sleep(self.poll_interval)

    async def _run(self, tasks: Sequence[Any], *, request_id: str | None = None) -> list[w.TaskResult]:
        request_id = request_id or str(uuid_lib.uuid4())
        await self._post(request_id, tasks, printing=False)
        results = await self._wait(request_id, printing=False)
        for result in results:
            if result.status != "ready" or result.errorCode != w.OK:
                raise RegisterRefused(_describe(result), code=result.errorCode)
        return results

    # --- the protocol -----------------------------------------------------------------------------

    async def status(self) -> RegisterStatus:
        tasks = [w.QueryTask(type=t) for t in ("getDeviceStatus", "getShiftStatus", "getFnInfo", "ofdExchangeStatus")]
        try:
            device_r, shift_r, fn_r, ofd_r = await self._run(tasks)
        except RegisterOffline:
            return RegisterStatus(name=self.name, online=False, checked_at=dt.datetime.now(dt.UTC))
        except RegisterRefused as exc:
            if exc.code == w.NO_CONNECTION:
                return RegisterStatus(name=self.name, online=False, checked_at=dt.datetime.now(dt.UTC))
            raise
        device = _result(w.DeviceStatusResult, device_r).deviceStatus
        shift = _result(w.ShiftStatusResult, shift_r).shiftStatus
        fn = _result(w.FnInfoResult, fn_r).fnInfo
        ofd = _result(w.OfdExchangeStatusResult, ofd_r).status
        if device.modelName:
            self._name = f"АТОЛ {device.modelName}".replace("АТОЛ АТОЛ", "АТОЛ")
        opened_at = None
        if shift.state != "closed" and shift.expiredTime:
            opened_at = parse_atol_datetime(shift.expiredTime) - SHIFT_LIMIT
        return RegisterStatus(
            name=self.name,
            online=True,
            paper=device.paperPresent,
            cover_open=device.coverOpened,
            shift=ShiftState(shift.state),
            shift_number=shift.number,
            shift_opened_at=opened_at,
            unsent_documents=ofd.notSentCount,
            oldest_unsent_at=parse_atol_datetime(ofd.notSentFirstDocDateTime) if ofd.notSentFirstDocDateTime else None,
            fn_nearly_full=fn.warnings.memoryOverflow or fn.warnings.needReplacement or fn.warnings.resourceExhausted,
            fn_serial=fn.serial,
            checked_at=dt.datetime.now(dt.UTC),
        )

    async def open_shift(self, operator: str) -> None:
        await self._run([w.ShiftTask(type="openShift", operator=w.Operator(name=operator))])

    async def close_shift(self, operator: str) -> None:
        await self._run([w.ShiftTask(type="closeShift", operator=w.Operator(name=operator))])

    async def x_report(self, operator: str) -> None:
        await self._run([w.ShiftTask(type="reportX", operator=w.Operator(name=operator))])

    async def check_codes(
        self, codes: Sequence[str], kind: ReceiptKind = ReceiptKind.SELL, *, for_sale: bool = True
    ) -> list[CodeCheck]:
        """Permit mode first (one request for all codes; sales only), then each code through the register (2106).

        ``for_sale``: allowed codes are accepted into the register for the receipt that follows; the
        CLI's check passes False (every code declined afterwards: nothing is kept for a sale).
        """
        permits = {}
        if self.permit is not None and codes and kind is ReceiptKind.SELL:  # the permit mode guards sales only
            permits = {r.code: r for r in await self.permit.check(codes)}
        checks = []
        for code in codes:
            permit = permits.get(code)
            async with self._marking:  # the device checks one code at a time: begin → status → accept/decline
                check = await self._check_one(code, kind)
                if permit is not None:
                    verdict = check.verdict if permit.verdict.allowed else permit.verdict
                    message = check.message if permit.verdict.allowed else permit.message
                    check = check.model_copy(update={"permit": permit.permit, "verdict": verdict, "message": message})
                keep = for_sale and check.allowed
                await self._run([w.QueryTask(type="acceptMarkingCode" if keep else "declineMarkingCode")])
            checks.append(check)
        return checks

    async def _check_one(self, code: str, kind: ReceiptKind) -> CodeCheck:
        status = "itemPieceSold" if kind is ReceiptKind.SELL else "itemPieceReturn"
        params = w.ImcParams(imc=w.encode_code(code), itemEstimatedStatus=status, imcModeProcessing=0)
        await self._run([w.BeginMarkingCodeValidation(type="beginMarkingCodeValidation", params=params)])
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.task_timeout
        while True:
            (result,) = await self._run([w.QueryTask(type="getMarkingCodeValidationStatus")])
            validation = _result(w.MarkingValidationStatus, result)
            if validation.ready:
                break
            if loop.time() >= deadline:
                await self._run([w.QueryTask(type="cancelMarkingCodeValidation")])
                raise RegisterOffline("Касса не закончила проверку кода вовремя")
            await asyncio.sleep(self.poll_interval)
        online = validation.onlineValidation
        error = validation.driverError
        if online is None:
            message = error.description if error is not None and error.description else "нет ответа ОИСМ"
            return CodeCheck(code=code, verdict=CodeVerdict.NOT_CHECKED, message=message)
        info = online.itemInfoCheckResult
        if online.markOperatorItemStatus == "itemSaleStopped":
            verdict = CodeVerdict.BLOCKED
        elif info.imcCheckFlag and not info.imcCheckResult:
            verdict = CodeVerdict.INVALID
        elif online.markOperatorItemStatus == "itemEstimatedStatusIncorrect":
            verdict = CodeVerdict.WITHDRAWN if kind is ReceiptKind.SELL else CodeVerdict.NOT_FOUND
        else:
            verdict = CodeVerdict.OK
        return CodeCheck(
            code=code,
            verdict=verdict,
            message="" if verdict.allowed else (error.description or "" if error is not None else ""),
            imc_check_flag=info.imcCheckFlag,
            imc_check_result=info.imcCheckResult,
            imc_status_info=info.imcStatusInfo,
            imc_estimated_status_correct=info.imcEstimatedStatusCorrect,
            ecr_stand_alone=info.ecrStandAloneFlag,
        )

    async def print_receipt(self, request: ReceiptRequest) -> Receipt:
        task = receipt_task(request)
        await self._post(request.request_id, [task], printing=True)
        (result,) = await self._wait(request.request_id, printing=True)
        return self._receipt_or_raise(request, result)

    def _receipt_or_raise(self, request: ReceiptRequest, result: w.TaskResult) -> Receipt:
        if result.status != "ready" or result.errorCode != w.OK:
            raise RegisterRefused(_describe(result), code=result.errorCode)
        return receipt_of(request, _result(w.FiscalResult, result).fiscalParams)

    async def outcome(self, request: ReceiptRequest) -> Receipt | None:
        answer = await self._get(request.request_id)
        if answer is None:
            return None  # the Web Server never got it
        if not answer.results or not all(r.status in w.FINAL_STATUSES for r in answer.results):
            results = await self._wait(request.request_id, printing=True)
        else:
            results = answer.results
        (result,) = results
        if result.status != "ready" or result.errorCode != w.OK:
            return None  # it failed: nothing was printed
        return receipt_of(request, _result(w.FiscalResult, result).fiscalParams)

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()
        if self.owned_client is not None:
            await self.owned_client.aclose()
        if self._close_permit and self.permit is not None:
            await self.permit.aclose()


def _describe(result: w.TaskResult) -> str:
    text = result.errorDescription or w.ERROR_TEXT.get(result.errorCode, "")
    hints = {
        w.NO_PAPER: "вставьте новый рулон",
        w.SHIFT_EXPIRED: "закройте смену (Касса → Закрыть смену) и откройте новую",
        w.DENIED_IN_CLOSED_SHIFT: "откройте смену (Касса → Открыть смену)",
        w.NO_CONNECTION: "проверьте кабель и питание кассы",
    }
    hint = hints.get(result.errorCode)
    message = f"Касса: {text} (ошибка {result.errorCode})" if text else f"Касса: ошибка {result.errorCode}"
    return f"{message}: {hint}" if hint else message


def wrap_errors(exc: Exception) -> FiscalError:
    return exc if isinstance(exc, FiscalError) else FiscalError(str(exc))
