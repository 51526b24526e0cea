"""The relay's counter-PC API over httpx: test the connection, read orders, post staff actions.

Every call has a time-out (``timeout`` seconds, connect at most 5 s). Reads raise; an action returns
one of five results, because every answer to an action means something to the pharmacist:

============== ====================================================================================
``Accepted``    200: the relay applied it; ``order`` is the new snapshot
``Refused``     422: the order's rules say no (``code``, Russian ``message``, ``tries_left``); also
               429 ``too_many_attempts`` (this PC or the store checked too many wrong pickup codes)
``Stale``       409: the order changed since this PC read it; ``order`` is the current snapshot
``Unreachable`` no answer (connection, time-out) or 5xx / 503 busy: try again later, same key
``Rejected``    400 / 401 / 403 / 404: repeating the same request will not help
============== ====================================================================================

Errors of the reads, one hierarchy::

    RelayError                 message: Russian, for the screen
    ├── RelayUnreachable       connection refused, time-out, 5xx
    ├── RelayAuthError         401 (token invalid or revoked) / 403 (token of another store)
    ├── RelayNotFound          404 (no such order, store not configured)
    └── RelayProtocolError     400 or an answer that is not what the API promises

The wire models are the relay's own (:mod:`pharmacy_desk.api.orders`; pydantic and the domain only,
nothing of the server is imported); those of the store endpoints (``/health``, ``/stores/{s}``, the
catalogue, batches, the pick list, series, marking-code look-up, acknowledgement) are mirrored here (the relay's
:mod:`~pharmacy_desk.relay.http.store` and :mod:`~pharmacy_desk.relay.http.catalogue` import FastAPI).
A store without a stock source answers the stock reads 409 ``no_stock_source``
(:class:`RelayProtocolError`, ``code``); a failing stock source 503 (:class:`RelayUnreachable`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel, ConfigDict, ValidationError

from pharmacy_desk.api.catalogue import Catalogue, CatalogueItem, Equivalents, OrderBatches
from pharmacy_desk.api.orders import ActionAccepted, Conflict, OrderDetail, OrderList, OrderSummary, OutboxRecord
from pharmacy_desk.api.orders import Refused as RefusedBody
from pharmacy_desk.api.pick_list import PickList
from pharmacy_desk.api.store import Acknowledgement, CodeOwners, Health, StoreInfo
from pharmacy_desk.desk.store_pause import FeedInfo, PauseInfo
from pharmacy_desk.domain import Action, Order
from pharmacy_desk.inventory.models import FoundSeries, LineSuggestion

log = logging.getLogger("pharmacy_desk.desk.relay")

__all__ = [
    "Accepted",
    "Acknowledgement",
    "ActionResult",
    "Catalogue",
    "CatalogueItem",
    "CheckProblem",
    "ConnectionCheck",
    "Equivalents",
    "FoundSeries",
    "Health",
    "LineSuggestion",
    "OrderBatches",
    "OrderDetail",
    "OrderSummary",
    "OutboxRecord",
    "Refused",
    "Rejected",
    "RelayAuthError",
    "RelayClient",
    "RelayError",
    "RelayNotFound",
    "RelayProtocolError",
    "RelayUnreachable",
    "Stale",
    "StoreInfo",
    "Unreachable",
]

MSG_TOKEN_INVALID = "Токен кассы недействителен или отозван: получите новый токен у администратора сервера"
MSG_OTHER_STORE = "Токен выдан кассе другой аптеки: проверьте код аптеки в настройках"
MSG_NOT_A_RELAY = "По этому адресу отвечает не сервер pharmacy_desk: проверьте адрес"
MSG_TOKEN_MISSING = "Введите токен кассы"


M = TypeVar("M", bound=BaseModel)


class _Wire(BaseModel):
    model_config = ConfigDict(frozen=True)


class RelayError(Exception):
    def __init__(self, message: str, *, status: int | None = None, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


class RelayUnreachable(RelayError):
    pass


class RelayAuthError(RelayError):
    pass


class RelayNotFound(RelayError):
    pass


class RelayProtocolError(RelayError):
    pass


@dataclass(frozen=True, slots=True)
class Accepted:
    order: Order
    tries_left: int | None = None


@dataclass(frozen=True, slots=True)
class Refused:
    code: str
    message: str
    tries_left: int | None = None
    order: OrderSummary | None = None


@dataclass(frozen=True, slots=True)
class Stale:
    order: Order
    message: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    message: str


@dataclass(frozen=True, slots=True)
class Rejected:
    status: int
    code: str
    message: str


ActionResult = Accepted | Refused | Stale | Unreachable | Rejected

CheckProblem = Literal["token_missing", "unreachable", "not_a_relay", "token_invalid", "other_store", "store_unknown"]


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """The first-run dialog's answer: ``ok``, or which of the three things is wrong and what to do."""

    ok: bool
    message: str
    problem: CheckProblem | None = None
    open_orders: int | None = None


def _json(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _problem_of(response: httpx.Response) -> tuple[str, str]:
    body = _json(response)
    if isinstance(body, dict) and isinstance(body.get("code"), str):
        return body["code"], str(body.get("message") or body["code"])
    return "http_error", f"Сервер ответил {response.status_code}"


class RelayClient:
    """One store's API on one relay, as this device (bearer token)."""

    def __init__(
        self,
        base_url: str,
        store: str,
        token: str,
        *,
        timeout: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.store = store
        self.timeout = timeout
        self.http = httpx.AsyncClient(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout, connect=min(5.0, timeout)),
            transport=transport,
            follow_redirects=False,
        )
        self._has_token = bool(token)

    async def aclose(self) -> None:
        await self.http.aclose()

    async def __aenter__(self) -> RelayClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- paths ------------------------------------------------------------------------------------

    def store_path(self, rest: str = "") -> str:
        return f"/stores/{quote(self.store, safe='')}{rest}"

    def order_path(self, number: str, rest: str = "") -> str:
        return self.store_path(f"/orders/{quote(number, safe='')}{rest}")

    # --- transport --------------------------------------------------------------------------------

    def unreachable_message(self, exc: Exception) -> str:
        if isinstance(exc, httpx.TimeoutException):
            return f"Сервер {self.base_url} не ответил вовремя"
        return f"Нет связи с сервером {self.base_url}"

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        try:
            return await self.http.request(method, path, **kwargs)
        except httpx.TransportError as exc:
            log.info("%s %s: %s", method, path, exc.__class__.__name__)
            raise RelayUnreachable(self.unreachable_message(exc)) from exc

    def _raise_for(self, response: httpx.Response) -> None:
        status = response.status_code
        if status < 400:
            return
        code, message = _problem_of(response)
        if status == 401:
            raise RelayAuthError(MSG_TOKEN_INVALID, status=status, code=code)
        if status == 403:
            raise RelayAuthError(MSG_OTHER_STORE, status=status, code=code)
        if status == 404:
            raise RelayNotFound(message, status=status, code=code)
        if status >= 500:
            raise RelayUnreachable(f"Сервер временно не может ответить ({status}): {message}", status=status, code=code)
        raise RelayProtocolError(message, status=status, code=code)

    # --- reads ------------------------------------------------------------------------------------

    def _parse(self, model: type[M], response: httpx.Response, what: str) -> M:
        self._raise_for(response)
        try:
            return model.model_validate(_json(response))
        except ValidationError as exc:
            raise RelayProtocolError(f"Сервер прислал неожиданный ответ: {what}") from exc

    async def health(self) -> Health:
        """The relay answers (no token needed) and its version."""
        return self._parse(Health, await self._request("GET", "/health"), "состояние сервера")

    async def store_info(self) -> StoreInfo:
        """The store as the relay is configured for it (name, minimum shelf life, rules, stock source)."""
        return self._parse(StoreInfo, await self._request("GET", self.store_path()), "аптека")

    async def catalogue(self, skus: list[str] | tuple[str, ...]) -> Catalogue:
        """Name, GTINs, marking and stock per SKU (409 ``no_stock_source``, 503 when the stock fails)."""
        wanted = list(dict.fromkeys(s for s in skus if s.strip()))
        if not wanted:
            return Catalogue(items=())
        items: list[CatalogueItem] = []
        for start in range(0, len(wanted), 200):  # the relay takes at most 200 SKUs a request
            params = [("sku", sku) for sku in wanted[start : start + 200]]
            response = await self._request("GET", self.store_path("/catalogue"), params=params)
            items.extend(self._parse(Catalogue, response, "каталог").items)
        return Catalogue(items=tuple(items))

    async def order_batches(self, number: str) -> OrderBatches:
        """Which batches to pick for the order's lines: reserved first, then FEFO."""
        response = await self._request("GET", self.order_path(number, "/batches"))
        return self._parse(OrderBatches, response, f"партии заказа {number}")

    async def pick_list(self, numbers: list[str] | tuple[str, ...]) -> PickList:
        """The pick list (сборочный лист) of ``numbers``: one section each, lines in picking order."""
        params = [("number", number) for number in numbers]
        response = await self._request("GET", self.store_path("/pick-list"), params=params)
        return self._parse(PickList, response, "сборочный лист")

    async def find_series(self, gtin: str, serial: str) -> FoundSeries | None:
        """The series of a marked pack recorded on receipt; ``None`` when it was not recorded."""
        params = {"gtin": gtin, "serial": serial}
        response = await self._request("GET", self.store_path("/series"), params=params)
        if response.status_code == 404 and _problem_of(response)[0] == "series_not_found":
            return None
        return self._parse(FoundSeries, response, "серия упаковки")

    async def equivalents(self, inn: str, form: str, dose: str) -> Equivalents:
        """The store's products with this МНН, form and dose, with their batches (substitutes)."""
        params = {"inn": inn, "form": form, "dose": dose}
        response = await self._request("GET", self.store_path("/equivalents"), params=params)
        return self._parse(Equivalents, response, "товары для замены")

    async def marking_code_owners(self, codes: list[str], *, except_number: str | None = None) -> dict[str, str]:
        """Which of ``codes`` other orders of the store hold: code → order number (free codes absent)."""
        if not codes:
            return {}
        body = {"codes": list(codes), "except_number": except_number}
        response = await self._request("POST", self.store_path("/marking-codes/lookup"), json=body)
        return self._parse(CodeOwners, response, "коды маркировки").root

    async def acknowledge(self, number: str, *, operator: str | None = None) -> Acknowledgement:
        """The shared "seen" of a new order: every PC of the store stops ringing (idempotent)."""
        response = await self._request("POST", self.order_path(number, "/acknowledge"), json={"operator": operator})
        return self._parse(Acknowledgement, response, f"подтверждение заказа {number}")

    async def store_pause(self) -> PauseInfo:
        """Whether the store takes Kuper orders now (``GET /stores/{s}/pause``)."""
        return self._parse(PauseInfo, await self._request("GET", self.store_path("/pause")), "приём заказов")

    async def pause_store(self, minutes: int | None, *, operator: str | None = None) -> PauseInfo:
        """Pause Kuper orders for ``minutes`` (15/30/60) or, with ``None``, until resumed.

        Kuper's refusal (422) and Kuper being away (503) raise :class:`RelayError` with the relay's
        Russian message: nothing changed."""
        body = {"minutes": minutes, "operator": operator}
        return self._pause_answer(await self._request("POST", self.store_path("/pause"), json=body))

    async def resume_store(self, *, operator: str | None = None) -> PauseInfo:
        body = {"operator": operator}
        return self._pause_answer(await self._request("POST", self.store_path("/resume"), json=body))

    def _pause_answer(self, response: httpx.Response) -> PauseInfo:
        if response.status_code in (422, 503):
            code, message = _problem_of(response)
            raise RelayError(message, status=response.status_code, code=code)
        return self._parse(PauseInfo, response, "приём заказов")

    async def feed_state(self) -> FeedInfo:
        """The store's stock and price feed to Kuper (``GET /stores/{s}/feed``)."""
        return self._parse(FeedInfo, await self._request("GET", self.store_path("/feed")), "выгрузка в Купер")

    async def list_orders(self, *, include_closed: bool = False) -> list[OrderSummary]:
        """The store's open orders (with ``include_closed`` also shipped and canceled ones), oldest first."""
        params = {"include_closed": "true"} if include_closed else None
        response = await self._request("GET", self.store_path("/orders"), params=params)
        self._raise_for(response)
        try:
            return OrderList.model_validate(_json(response)).orders
        except ValidationError as exc:
            raise RelayProtocolError(f"Сервер прислал неожиданный список заказов: {exc.error_count()} ошибок") from exc

    async def get_order(self, number: str) -> OrderDetail:
        """One order's full snapshot with its history."""
        response = await self._request("GET", self.order_path(number))
        self._raise_for(response)
        try:
            return OrderDetail.model_validate(_json(response))
        except ValidationError as exc:
            raise RelayProtocolError(f"Сервер прислал неожиданный заказ {number}") from exc

    async def retry_notification(self, outbox_id: int) -> OutboxRecord:
        """A failed notification to Kuper back to pending, due now (409: it had not failed)."""
        response = await self._request("POST", self.store_path(f"/outbox/{int(outbox_id)}/retry"))
        self._raise_for(response)
        try:
            return OutboxRecord.model_validate(_json(response))
        except ValidationError as exc:
            raise RelayProtocolError("Сервер прислал неожиданный ответ на повтор уведомления") from exc

    async def test_connection(self) -> ConnectionCheck:
        """Is the relay there, is the token valid, is it this store's? One request, distinct answers."""
        if not self._has_token:
            return ConnectionCheck(False, MSG_TOKEN_MISSING, "token_missing")
        try:
            response = await self.http.get(self.store_path("/orders"), params={"state": "new"})
        except httpx.TransportError as exc:
            return ConnectionCheck(False, self.unreachable_message(exc), "unreachable")
        body = _json(response)
        code = body.get("code") if isinstance(body, dict) else None
        status = response.status_code
        if status == 200 and isinstance(body, dict) and isinstance(body.get("orders"), list):
            count = len(body["orders"])
            return ConnectionCheck(True, f"Связь с сервером есть, новых заказов: {count}", open_orders=count)
        if code is None:
            return ConnectionCheck(False, MSG_NOT_A_RELAY, "not_a_relay")
        if status == 401:
            return ConnectionCheck(False, MSG_TOKEN_INVALID, "token_invalid")
        if status == 403:
            return ConnectionCheck(False, MSG_OTHER_STORE, "other_store")
        if status == 404 and code == "store_not_found":
            return ConnectionCheck(False, f"Аптека «{self.store}» не настроена на сервере", "store_unknown")
        if status >= 500:
            return ConnectionCheck(False, f"Сервер временно не может ответить ({status})", "unreachable")
        return ConnectionCheck(False, MSG_NOT_A_RELAY, "not_a_relay")

    # --- actions ----------------------------------------------------------------------------------

    async def post_action(
        self,
        number: str,
        action: Action,
        *,
        expected_version: int,
        idempotency_key: str,
        operator: str | None = None,
    ) -> ActionResult:
        """Post one staff action; a retry must reuse ``idempotency_key`` (the relay answers it once)."""
        body = {
            "action": action.model_dump(mode="json"),
            "expected_version": expected_version,
            "idempotency_key": idempotency_key,
            "operator": operator,
        }
        try:
            response = await self.http.post(self.order_path(number, "/actions"), json=body)
        except httpx.TransportError as exc:
            return Unreachable(self.unreachable_message(exc))
        return self._action_result(response)

    def _action_result(self, response: httpx.Response) -> ActionResult:
        status = response.status_code
        body = _json(response)
        try:
            if status == 200:
                accepted = ActionAccepted.model_validate(body)
                return Accepted(order=accepted.order, tries_left=accepted.tries_left)
            if status == 409 and isinstance(body, dict) and "order" in body:
                conflict = Conflict.model_validate(body)
                return Stale(order=conflict.order, message=conflict.message)
            if status in (422, 429) and isinstance(body, dict) and "message" in body:  # 429: code-check budget
                refused = RefusedBody.model_validate(body)
                return Refused(refused.code, refused.message, refused.tries_left, refused.order)
        except ValidationError:
            log.warning("unexpected %d answer to an action", status)
            return Rejected(status, "bad_answer", f"Сервер прислал неожиданный ответ ({status})")
        code, message = _problem_of(response)
        if status >= 500:
            return Unreachable(f"Сервер временно не может ответить ({status}): {message}")
        if status == 401:
            return Rejected(status, code, MSG_TOKEN_INVALID)
        if status == 403:
            return Rejected(status, code, MSG_OTHER_STORE)
        return Rejected(status, code, message)
