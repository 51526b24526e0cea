"""The register belongs to 1C: the app sends the receipt to the 1C extension, 1C prints it and answers.

Endpoints (docs/1c-http-service.md §8): ``/v1/register/status``, ``/v1/register/open_shift``,
``/v1/register/close_shift``, ``/v1/register/x_report``, ``/v1/marking/check``, ``/v1/receipt``,
``/v1/receipt/outcome``. A time-out or a broken connection after ``/v1/receipt`` was sent →
:class:`~.errors.OutcomeUnknown`; ``/v1/receipt/outcome`` then tells.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.fiscal import onec_wire as w
from pharmacy_desk.fiscal.errors import OutcomeUnknown, RegisterOffline, RegisterRefused
from pharmacy_desk.fiscal.models import CodeCheck, CodeVerdict, PermitCheck, ReceiptRequest, RegisterStatus, ShiftState

_M = TypeVar("_M", bound=BaseModel)


class OneCRegister:
    def __init__(
        self,
        base_url: str,
        store: str,
        *,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 30.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.store = store
        auth = httpx.BasicAuth(username, password or "") if username else None
        self._client = client or httpx.AsyncClient(auth=auth, timeout=httpx.Timeout(timeout, connect=3.0))
        self._own_client = client is None

    @property
    def name(self) -> str:
        return "1С"

    async def _call(self, path: str, body: BaseModel, answer: type[_M], *, printing: str | None = None) -> _M:
        try:
            response = await self._client.post(self.base_url + path, json=body.model_dump(mode="json"))
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise RegisterOffline(f"1С не отвечает ({self.base_url}): чек не пробит") from exc
        except httpx.TransportError as exc:
            if printing is not None:
                raise OutcomeUnknown("Ответ 1С потерян: неизвестно, пробит ли чек", request_id=printing) from exc
            raise RegisterOffline(f"1С не ответила ({exc.__class__.__name__})") from exc
        if response.status_code in (401, 403):
            raise RegisterRefused("1С отклонила логин или пароль")
        if response.status_code == 503:  # the contract: 503 = the register is away, nothing printed
            raise RegisterOffline(f"1С: {_error_message(response)}")
        if response.status_code >= 500 and printing is not None:
            raise OutcomeUnknown(f"1С ответила ошибкой {response.status_code}: чек под вопросом", request_id=printing)
        if response.status_code != 200:
            raise RegisterRefused(f"1С: {_error_message(response)}")
        try:
            return answer.model_validate_json(response.content)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            if printing is not None:
                raise OutcomeUnknown(f"1С ответила не по контракту ({where})", request_id=printing) from exc
            raise RegisterRefused(f"1С ответила не по контракту: {where}: {first['msg']}") from exc

    async def status(self) -> RegisterStatus:
        try:
            answer = await self._call("/v1/register/status", w.StoreBody(store=self.store), w.StatusAnswer)
        except RegisterOffline:
            return RegisterStatus(name=self.name, online=False, checked_at=dt.datetime.now(dt.UTC))
        return RegisterStatus(
            name=f"1С: {answer.name}",
            online=answer.online,
            paper=answer.paper,
            shift=ShiftState(answer.shift),
            shift_number=answer.shift_number,
            shift_opened_at=answer.shift_opened_at,
            unsent_documents=answer.unsent_documents,
            fn_nearly_full=answer.fn_nearly_full,
            fn_serial=answer.fn,
            checked_at=dt.datetime.now(dt.UTC),
        )

    async def _shift(self, what: str, operator: str) -> None:
        await self._call(f"/v1/register/{what}", w.StoreBody(store=self.store, operator=operator), _Empty)

    async def open_shift(self, operator: str) -> None:
        await self._shift("open_shift", operator)

    async def close_shift(self, operator: str) -> None:
        await self._shift("close_shift", operator)

    async def x_report(self, operator: str) -> None:
        await self._shift("x_report", operator)

    async def check_codes(
        self, codes: Sequence[str], kind: ReceiptKind = ReceiptKind.SELL, *, for_sale: bool = True
    ) -> list[CodeCheck]:
        body = w.CheckBody(store=self.store, kind=kind.value, codes=list(codes))
        answer = await self._call("/v1/marking/check", body, w.CheckAnswer)
        by_code = {check.code: check for check in answer.checks}
        result = []
        for code in codes:
            check = by_code.get(code)
            if check is None:
                raise RegisterRefused(f"1С не ответила про код {code[:31]}")
            permit = (
                PermitCheck(
                    req_id=check.permit.req_id,
                    req_timestamp=check.permit.req_timestamp,
                    inst=check.permit.inst,
                    version=check.permit.version,
                )
                if check.permit is not None
                else None
            )
            result.append(
                CodeCheck(code=code, verdict=CodeVerdict(check.verdict), message=check.message, permit=permit)
            )
        return result

    def _body(self, request: ReceiptRequest) -> w.ReceiptBody:
        items = []
        for item in request.items:
            permit = item.check.permit if item.check is not None else None
            items.append(
                w.WireItem(
                    sku=item.sku,
                    name=item.name,
                    price=item.price,
                    quantity=item.quantity,
                    amount=item.amount,
                    vat=item.vat,
                    marking_code=item.marking_code,
                    permit=w.WirePermit(**permit.model_dump()) if permit is not None else None,
                )
            )
        return w.ReceiptBody(
            store=self.store,
            request_id=request.request_id,
            kind=request.kind.value,
            order_number=request.order_number,
            items=items,
            payment=request.payment,
            tendered=request.tendered,
            total=request.total,
            operator=request.operator,
        )

    def _receipt(self, request: ReceiptRequest, wire: w.WireReceipt) -> Receipt:
        return Receipt(
            kind=request.kind,
            number=wire.number,
            fiscal_sign=wire.fiscal_sign,
            fn=wire.fn,
            at=wire.at,
            total=request.total,
            payment=request.payment,
            marking_codes=request.marking_codes,
            shift=wire.shift,
            receipt_number=wire.receipt_number,
            request_id=request.request_id,
            source="onec",
        )

    async def print_receipt(self, request: ReceiptRequest) -> Receipt:
        answer = await self._call("/v1/receipt", self._body(request), w.ReceiptAnswer, printing=request.request_id)
        return self._receipt(request, answer.receipt)

    async def outcome(self, request: ReceiptRequest) -> Receipt | None:
        body = w.OutcomeBody(store=self.store, request_id=request.request_id)
        answer = await self._call("/v1/receipt/outcome", body, w.OutcomeAnswer)
        if answer.status == "in_progress":
            raise OutcomeUnknown("1С ещё печатает чек", request_id=request.request_id)
        if answer.status == "printed":
            if answer.receipt is None:
                raise RegisterRefused("1С: чек пробит, но реквизиты не переданы")
            return self._receipt(request, answer.receipt)
        return None

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()


class _Empty(BaseModel):
    pass


def _error_message(response: httpx.Response) -> str:
    try:
        data: Any = response.json()
        message = data["error"]["message"]
        return str(message)
    except (ValueError, KeyError, TypeError):
        return f"HTTP {response.status_code}"
