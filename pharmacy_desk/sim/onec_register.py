"""A stub of the 1C extension's receipt endpoints (docs/1c-http-service.md §8), for tests and demos.

1C owns the register here: the stub validates every body with the strict models of
:mod:`pharmacy_desk.fiscal.onec_wire` (400 ``bad_request`` with the reason), checks Basic auth, keeps
one receipt per ``request_id`` (a repeat answers the first one) and a shift. Switches: ``offline``
(503 ``register_offline``: nothing printed), ``lose_answer`` (prints, then answers 500: the app must ask
``/v1/receipt/outcome``), ``code_verdicts`` (how 1C's permit-mode check sees a code).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import uuid
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ValidationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from pharmacy_desk.fiscal import onec_wire as w
from pharmacy_desk.fiscal.models import CodeVerdict

FN = "9999078902099999"


def _error(status: int, code: str, message: str) -> JSONResponse:
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class OneCRegisterStub:
    def __init__(self, username: str = "kuper", password: str = "secret", store: str = "apteka-1") -> None:
        self.username = username
        self.password = password
        self.store = store
        self.offline = False
        self.lose_answer = False
        self.shift_opened_at: dt.datetime | None = dt.datetime.now(dt.UTC)
        self.shift_number = 1
        self.document_number = 100
        self.receipts: dict[str, dict[str, Any]] = {}  # request_id → the receipt answered
        self.bodies: list[w.ReceiptBody] = []  # every receipt printed, as 1C got it
        self.code_verdicts: dict[str, CodeVerdict] = {}
        self.sold: set[str] = set()
        self.app = Starlette(
            routes=[
                Route("/v1/register/status", self._status, methods=["POST"]),
                Route("/v1/register/{what}", self._shift, methods=["POST"]),
                Route("/v1/marking/check", self._check, methods=["POST"]),
                Route("/v1/receipt", self._receipt, methods=["POST"]),
                Route("/v1/receipt/outcome", self._outcome, methods=["POST"]),
            ]
        )

    def _authorized(self, request: Request) -> bool:
        expected = base64.b64encode(f"{self.username}:{self.password}".encode()).decode()
        return request.headers.get("authorization") == f"Basic {expected}"

    async def _parse(self, request: Request, model: type[BaseModel]) -> Any:
        if not self._authorized(request):
            return Response(status_code=401)
        try:
            body = model.model_validate_json(await request.body())
        except ValidationError as exc:
            first = exc.errors()[0]
            return _error(400, "bad_request", f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}")
        store = getattr(body, "store", self.store)
        if store != self.store:
            return _error(404, "unknown_store", f"Аптека «{store}» не сопоставлена кассе 1С")
        return body

    async def _status(self, request: Request) -> Response:
        body = await self._parse(request, w.StoreBody)
        if isinstance(body, Response):
            return body
        state = "closed" if self.shift_opened_at is None else "opened"
        return JSONResponse(
            {
                "name": "ККТ 1С (заглушка)",
                "online": not self.offline,
                "paper": True,
                "shift": state,
                "shift_number": self.shift_number,
                "shift_opened_at": self.shift_opened_at.isoformat() if self.shift_opened_at else None,
                "unsent_documents": 0,
                "fn_nearly_full": False,
                "fn": FN,
            }
        )

    async def _shift(self, request: Request) -> Response:
        body = await self._parse(request, w.StoreBody)
        if isinstance(body, Response):
            return body
        what = request.path_params["what"]
        if what == "open_shift":
            if self.shift_opened_at is not None:
                return _error(409, "shift_open", "Смена уже открыта")
            self.shift_number += 1
            self.shift_opened_at = dt.datetime.now(dt.UTC)
        elif what == "close_shift":
            if self.shift_opened_at is None:
                return _error(409, "shift_closed", "Смена закрыта")
            self.shift_opened_at = None
        elif what != "x_report":
            return _error(404, "not_found", "Нет такой операции")
        return JSONResponse({})

    async def _check(self, request: Request) -> Response:
        body = await self._parse(request, w.CheckBody)
        if isinstance(body, Response):
            return body
        if self.offline:
            return _error(503, "register_offline", "Касса 1С не отвечает")
        req_id = str(uuid.uuid4())
        stamp = int(dt.datetime.now(dt.UTC).timestamp() * 1000)
        checks = []
        for code in body.codes:
            verdict = self.code_verdicts.get(code, CodeVerdict.OK)
            if verdict is CodeVerdict.OK and code in self.sold and body.kind == "sell":
                verdict = CodeVerdict.WITHDRAWN
            permit = {"req_id": req_id, "req_timestamp": stamp} if body.kind == "sell" else None
            checks.append({"code": code, "verdict": verdict.value, "message": "", "permit": permit})
        return JSONResponse({"checks": checks})

    async def _receipt(self, request: Request) -> Response:
        body = await self._parse(request, w.ReceiptBody)
        if isinstance(body, Response):
            return body
        if body.request_id in self.receipts:
            return JSONResponse({"receipt": self.receipts[body.request_id]})
        if self.offline:
            return _error(503, "register_offline", "Касса 1С не отвечает: чек не пробит")
        if self.shift_opened_at is None:
            return _error(409, "shift_closed", "Смена закрыта: откройте смену")
        total = sum((item.amount for item in body.items), Decimal(0))
        if total != body.total or any(item.price * item.quantity != item.amount for item in body.items):
            return _error(400, "bad_request", "Суммы позиций не сходятся с итогом")
        for item in body.items:
            if item.marking_code and body.kind == "sell" and item.permit is None:
                return _error(400, "bad_request", f"«{item.name}»: нет проверки разрешительного режима")
        self.document_number += 1
        sign = int(hashlib.sha256(f"{FN}:{self.document_number}".encode()).hexdigest(), 16) % 4_294_967_295
        receipt = {
            "number": self.document_number,
            "fiscal_sign": str(sign),
            "fn": FN,
            "at": dt.datetime.now(dt.UTC).isoformat(),
            "shift": self.shift_number,
            "receipt_number": len(self.bodies) + 1,
        }
        self.receipts[body.request_id] = receipt
        self.bodies.append(body)
        for item in body.items:
            if item.marking_code:
                (self.sold.add if body.kind == "sell" else self.sold.discard)(item.marking_code)
        if self.lose_answer:
            return _error(500, "internal", "Ошибка при записи ответа")
        return JSONResponse({"receipt": receipt})

    async def _outcome(self, request: Request) -> Response:
        body = await self._parse(request, w.OutcomeBody)
        if isinstance(body, Response):
            return body
        receipt = self.receipts.get(body.request_id)
        return JSONResponse({"status": "printed", "receipt": receipt} if receipt else {"status": "unknown"})
