"""The permit-mode check (разрешительный режим): is each pack's code allowed to be sold right now?

Since 1 June 2025 a pharmacy checks every marked pack online before the receipt, and the receipt
carries the check's id and time in tag 1260 (ФОИВ ``030``, document of 21.11.2023 № 1944, value
``UUID=<reqId>&Time=<reqTimestamp>``). Where the id comes from is the per-PC setting
``permit_source``:

``local_module`` (default)
    The store's local module of Честный знак (ЛМ ЧЗ, a service on the store's network that keeps a
    copy of the codes' statuses and keeps working for a while without the Internet):
    ``POST {url}/api/v1/cis/check`` with ``{"cis_list": [...]}``. It answers ``reqId``,
    ``reqTimestamp`` and its own ``inst`` and ``version``, which go into tag 1260 as ``&Inst=&Ver=``.
``chz_api``
    Честный знак's permit-mode API on the Internet: ``POST {url}/api/v4/true-api/codes/check`` with
    ``{"codes": [...]}`` and the store's ``X-API-KEY``; it answers ``reqId`` and ``reqTimestamp``.
``register``
    The register's driver makes the request itself (ATOL Driver 10 from 10.10 can be set up to ask
    ЛМ ЧЗ or Честный знак while it checks a code) and writes tag 1260 into the receipt on its own: the
    app sends no ``industryInfo`` and relies on the driver refusing a blocked code.

Both answers list one entry per code with ``found``, ``valid``, ``verified``, ``utilised``,
``realizable``, ``isBlocked``, ``sold``, ``expireDate`` and ``errorCode``; a code is sold only when it is
found, valid, in circulation, not blocked, not sold and not expired.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from enum import StrEnum

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from pharmacy_desk.fiscal.errors import RegisterOffline, RegisterRefused
from pharmacy_desk.fiscal.models import CodeVerdict, PermitCheck


class PermitSource(StrEnum):
    LOCAL_MODULE = "local_module"
    CHZ_API = "chz_api"
    REGISTER = "register"


PERMIT_SOURCE_RU = {
    PermitSource.LOCAL_MODULE: "Локальный модуль Честного знака (ЛМ ЧЗ)",
    PermitSource.CHZ_API: "API Честного знака",
    PermitSource.REGISTER: "Драйвер кассы",
}

DEFAULT_LOCAL_MODULE_URL = "http://127.0.0.1:5995"
DEFAULT_CHZ_API_URL = "https://markirovka.crpt.ru"


class _Answer(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class CodeState(_Answer):
    cis: str
    found: bool = False
    valid: bool = False
    verified: bool = False
    utilised: bool = True
    realizable: bool = True
    isBlocked: bool = False
    sold: bool = False
    expireDate: dt.datetime | None = None
    errorCode: int = 0
    message: str | None = None

    def verdict(self, now: dt.datetime) -> CodeVerdict:
        if not self.found:
            return CodeVerdict.NOT_FOUND
        if self.isBlocked:
            return CodeVerdict.BLOCKED
        if self.sold:
            return CodeVerdict.WITHDRAWN
        if self.expireDate is not None and self.expireDate <= now:
            return CodeVerdict.EXPIRED
        if not self.valid or not self.verified:
            return CodeVerdict.INVALID
        if not self.utilised or not self.realizable:
            return CodeVerdict.BLOCKED
        return CodeVerdict.OK


class CheckAnswer(_Answer):
    code: int = 0
    description: str = ""
    codes: list[CodeState] = []
    reqId: str
    reqTimestamp: int
    inst: str | None = None
    version: str | None = None


class PermitResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    code: str
    verdict: CodeVerdict
    message: str
    permit: PermitCheck


class PermitClient:
    """Asks ЛМ ЧЗ or Честный знак's API (see the module docstring)."""

    def __init__(
        self,
        source: PermitSource,
        url: str,
        *,
        token: str | None = None,
        username: str | None = None,
        password: str | None = None,
        timeout: float = 5.0,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        if source is PermitSource.REGISTER:
            raise ValueError("the register makes its own permit-mode request")
        self.source = source
        self.url = url.rstrip("/")
        self._token = token
        self._auth = httpx.BasicAuth(username, password) if username and password is not None else None
        self._client = client or httpx.AsyncClient(timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0))
        self._own_client = client is None

    async def check(self, codes: Sequence[str], now: dt.datetime | None = None) -> list[PermitResult]:
        now = now or dt.datetime.now(dt.UTC)
        if self.source is PermitSource.LOCAL_MODULE:
            path, body, headers = "/api/v1/cis/check", {"cis_list": list(codes)}, {}
        else:
            path, body = "/api/v4/true-api/codes/check", {"codes": list(codes)}
            headers = {"X-API-KEY": self._token} if self._token else {}
        where = "Локальный модуль Честного знака" if self.source is PermitSource.LOCAL_MODULE else "Честный знак"
        try:
            response = await self._client.post(
                self.url + path, json=body, headers=headers, auth=self._auth or httpx.USE_CLIENT_DEFAULT
            )
        except httpx.TimeoutException as exc:
            raise RegisterOffline(f"{where} не ответил вовремя: разрешительный режим недоступен") from exc
        except httpx.TransportError as exc:
            raise RegisterOffline(f"{where} недоступен ({exc.__class__.__name__}): проверка кодов невозможна") from exc
        if response.status_code != 200:
            raise RegisterRefused(f"{where} отказал в проверке кодов: HTTP {response.status_code}")
        try:
            answer = CheckAnswer.model_validate_json(response.content)
        except ValidationError as exc:
            raise RegisterRefused(f"{where} ответил непонятно: {exc.errors()[0]['msg']}") from exc
        if answer.code != 0:
            raise RegisterRefused(f"{where} отказал в проверке кодов: {answer.description or answer.code}")
        permit = PermitCheck(
            req_id=answer.reqId, req_timestamp=answer.reqTimestamp, inst=answer.inst, version=answer.version
        )
        by_code = {state.cis: state for state in answer.codes}
        results = []
        for code in codes:
            state = by_code.get(code)
            if state is None:
                raise RegisterRefused(f"{where} не ответил про код {code[:31]}")
            results.append(
                PermitResult(code=code, verdict=state.verdict(now), message=state.message or "", permit=permit)
            )
        return results

    async def aclose(self) -> None:
        if self._own_client:
            await self._client.aclose()
