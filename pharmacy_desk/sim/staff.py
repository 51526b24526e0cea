"""The pharmacy's staff, played through the relay's public API with a device token.

``GET /stores/{store}/orders[/{number}]`` reads; ``POST /stores/{store}/orders/{number}/actions``
with ``{"action": {...}, "expected_version", "idempotency_key", "operator"}`` acts. The action bodies
are the domain's action vocabulary (:mod:`pharmacy_desk.domain.actions`) serialized as JSON.

:meth:`Staff.act` behaves like a careful counter app: it reads the order's version first, repeats the
same request (same idempotency key) when the relay cannot be reached, and when the order changed in
between (``409``) reads the new version and asks again with a new key.

The hand-over goes through a register as the counter app's does (:mod:`pharmacy_desk.desk.fiscal_handover`):
every pack's code checked in the permit mode, the sale receipt with the codes and tag 1260, then
``hand_over`` with the receipt. By default that is a simulated ATOL register inside the process
(:attr:`Staff.register_sim` shows what it printed); ``register=None, simulated_register=False`` hands
over without one (a store with ``receipt_required = false``).
"""

from __future__ import annotations

import asyncio
import time
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

import httpx
from pydantic import BaseModel

from pharmacy_desk.domain import (
    Assembled,
    Cancel,
    CancelReason,
    FinalLine,
    HandOver,
    IssuePickupCode,
    Ready,
    StartAssembly,
    VerifyPickupCode,
)
from pharmacy_desk.domain.actions import PaymentTaken
from pharmacy_desk.domain.composition import handed_over_composition
from pharmacy_desk.domain.order import Order
from pharmacy_desk.domain.receipts import Receipt, ReceiptKind
from pharmacy_desk.domain.refusals import Refusal
from pharmacy_desk.fiscal.errors import FiscalError
from pharmacy_desk.fiscal.models import ReceiptItem, ReceiptRequest
from pharmacy_desk.fiscal.register import FiscalRegister
from pharmacy_desk.sim.atol_server import AtolSimulator
from pharmacy_desk.sim.register import in_process_register

_TIMEOUT = httpx.Timeout(10.0, connect=2.0)
_STALE_RETRIES = 5
_UNREACHABLE_PAUSE = 0.1


class RelayUnreachable(Exception):
    """The relay did not answer within the deadline."""


@dataclass(frozen=True, slots=True)
class ActionResult:
    """The relay's answer to one action."""

    kind: str
    status: int
    body: dict[str, Any]

    @property
    def accepted(self) -> bool:
        return self.status == 200

    @property
    def code(self) -> str | None:
        """The refusal code of a ``4xx`` answer (``wrong_state``, ``code_not_verified``...)."""
        code = self.body.get("code")
        return code if isinstance(code, str) else None

    @property
    def order(self) -> dict[str, Any] | None:
        order = self.body.get("order")
        return order if isinstance(order, dict) else None

    def describe(self) -> str:
        return f"{self.kind} → {self.status} {self.code or ''}".rstrip()


class Staff:
    """One counter PC of one store."""

    def __init__(
        self,
        relay_url: str,
        store: str,
        device_token: str,
        *,
        operator: str = "Симулятор",
        client: httpx.AsyncClient | None = None,
        patience: float = 15.0,
        register: FiscalRegister | None = None,
        simulated_register: bool = True,
    ) -> None:
        self.register_sim: AtolSimulator | None = None
        self._own_register = False
        if register is None and simulated_register:
            register, self.register_sim = in_process_register()
            self._own_register = True
        self.register = register
        self.store = store
        self.operator = operator
        self.patience = patience
        self._base = f"{relay_url.rstrip('/')}/stores/{store}"
        self._headers = {"Authorization": f"Bearer {device_token}"}
        self._own_client = client is None
        self._http = client or httpx.AsyncClient(timeout=_TIMEOUT)

    async def aclose(self) -> None:
        if self._own_client:
            await self._http.aclose()
        if self._own_register and self.register is not None:
            await self.register.aclose()

    async def __aenter__(self) -> Staff:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- reading ---------------------------------------------------------------------------------

    async def _request(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """One request, repeated while the relay cannot be reached (restarting), up to ``patience``."""
        deadline = time.monotonic() + self.patience
        while True:
            try:
                return await self._http.request(method, self._base + path, headers=self._headers, **kwargs)
            except httpx.TransportError as exc:
                if time.monotonic() >= deadline:
                    raise RelayUnreachable(f"{method} {path}: {type(exc).__name__}: {exc}") from exc
                await asyncio.sleep(_UNREACHABLE_PAUSE)

    async def orders(self) -> list[dict[str, Any]]:
        """The store's orders (summaries)."""
        response = await self._request("GET", "/orders")
        response.raise_for_status()
        orders: list[dict[str, Any]] = response.json()["orders"]
        return orders

    async def detail(self, number: str) -> dict[str, Any] | None:
        """``{"order", "summary", "history"}`` of one order, ``None`` when the relay has no such order."""
        response = await self._request("GET", f"/orders/{number}")
        if response.status_code == 404:
            return None
        response.raise_for_status()
        detail: dict[str, Any] = response.json()
        return detail

    async def order(self, number: str) -> dict[str, Any]:
        detail = await self.detail(number)
        if detail is None:
            raise LookupError(f"the relay has no order {number}")
        order: dict[str, Any] = detail["order"]
        return order

    async def retry_notification(self, outbox_id: int) -> int:
        """Send a failed notification again (``POST /stores/{store}/outbox/{id}/retry``); the status."""
        response = await self._request("POST", f"/outbox/{outbox_id}/retry")
        return response.status_code

    # --- acting ----------------------------------------------------------------------------------

    async def act(self, number: str, action: BaseModel) -> ActionResult:
        """Ask for ``action`` on order ``number`` at its current version."""
        body = action.model_dump(mode="json", exclude_none=True)
        kind = str(body.get("kind"))
        version = (await self.order(number))["version"]
        for _ in range(_STALE_RETRIES):
            request = {
                "action": body,
                "expected_version": version,
                "idempotency_key": str(uuid.uuid4()),
                "operator": self.operator,
            }
            response = await self._request("POST", f"/orders/{number}/actions", json=request)
            result = ActionResult(kind, response.status_code, _json(response))
            if result.status != 409 or result.order is None:
                return result
            version = result.order["version"]
        return result

    async def start_assembly(self, number: str) -> ActionResult:
        return await self.act(number, StartAssembly())

    async def assembled(self, number: str, composition: list[FinalLine]) -> ActionResult:
        return await self.act(number, Assembled(composition=tuple(composition)))

    async def ready(self, number: str) -> ActionResult:
        return await self.act(number, Ready())

    async def issue_pickup_code(self, number: str) -> ActionResult:
        return await self.act(number, IssuePickupCode())

    async def verify_code(self, number: str, code: str) -> ActionResult:
        return await self.act(number, VerifyPickupCode(code=code))

    async def hand_over(
        self,
        number: str,
        *,
        method: Literal["cash", "card"] | None,
        amount: Decimal | None = None,
        composition: list[FinalLine] | None = None,
    ) -> ActionResult:
        """The customer takes the goods; ``method`` ``None``: the customer did not pay.

        With a register, the sale receipt is printed first, but only for a hand-over the relay would take
        (code verified, the amount due): a wrong one goes without, and the relay says why."""
        payment = PaymentTaken(method=method, amount=amount) if method is not None and amount is not None else None
        composition_tuple = tuple(composition) if composition is not None else None
        receipt = None
        if self.register is not None and payment is not None:
            printed = await self._receipt(number, payment, composition_tuple)
            if isinstance(printed, ActionResult):
                return printed
            receipt = printed
        return await self.act(number, HandOver(payment=payment, composition=composition_tuple, receipt=receipt))

    async def _receipt(
        self, number: str, payment: PaymentTaken, composition: tuple[FinalLine, ...] | None
    ) -> Receipt | ActionResult | None:
        assert self.register is not None
        order = Order.model_validate(await self.order(number))
        if order.pickup is None or order.pickup.verified_at is None or order.payment is not None:
            return None
        handed = handed_over_composition(order.composition, composition)
        if isinstance(handed, Refusal) or sum(line.total for line in handed) != payment.amount:
            return None
        codes = [code for line in handed for code in line.marking_codes]
        try:
            checks = {check.code: check for check in await self.register.check_codes(codes)}
            items: list[ReceiptItem] = []
            for line in handed:
                name = (line.name or line.sku)[:128]
                for code in line.marking_codes:
                    items.append(
                        ReceiptItem(
                            sku=line.sku,
                            name=name,
                            price=line.unit_price,
                            quantity=1,
                            marking_code=code,
                            check=checks[code],
                        )
                    )
                if line.quantity and not line.marking_codes:
                    items.append(ReceiptItem(sku=line.sku, name=name, price=line.unit_price, quantity=line.quantity))
            request = ReceiptRequest(
                request_id=f"{number}-{uuid.uuid4().hex[:12]}",
                kind=ReceiptKind.SELL,
                items=tuple(items),
                payment=payment.method,
                operator=self.operator[:64],
                order_number=number,
            )
            return await self.register.print_receipt(request)
        except FiscalError as exc:
            return ActionResult("hand_over", 503, {"code": "register_error", "message": exc.message})

    async def cancel(self, number: str, reason: CancelReason, description: str = "") -> ActionResult:
        return await self.act(number, Cancel(reason=reason, description=description))


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        data = response.json()
    except ValueError:
        return {"text": response.text}
    return data if isinstance(data, dict) else {"value": data}
