"""The receipt endpoints of the 1C extension's HTTP service (docs/1c-http-service.md §8), strict both ways.

The register belongs to 1C:Розница (Аптека): 1C checks the codes, prints the receipt on its own
register and answers with the fiscal document. Same publication and Basic auth as the stock service
(``https://<web server>/<infobase>/hs/kuper``).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)  # 1C may add fields; ours are checked


class WirePermit(_Strict):
    req_id: str = Field(min_length=1, max_length=64)
    req_timestamp: int = Field(ge=0)
    inst: str | None = None
    version: str | None = None


class WireItem(_Strict):
    sku: str = Field(min_length=1)
    name: str = Field(min_length=1, max_length=128)
    price: Decimal = Field(ge=0)
    quantity: int = Field(ge=1)
    amount: Decimal = Field(ge=0)
    vat: str
    marking_code: str | None = None
    permit: WirePermit | None = None


class ReceiptBody(_Strict):
    """``POST /v1/receipt``: print a sale or return receipt. Idempotent per ``request_id``."""

    store: str = Field(min_length=1)
    request_id: str = Field(min_length=1, max_length=64)
    kind: Literal["sell", "sell_return"]
    order_number: str | None = None
    items: list[WireItem] = Field(min_length=1)
    payment: Literal["cash", "card"]
    tendered: Decimal | None = None
    total: Decimal
    operator: str = Field(min_length=1)


class WireReceipt(_Lenient):
    number: int = Field(ge=1)
    fiscal_sign: str = Field(pattern=r"^\d{1,10}$")
    fn: str = Field(pattern=r"^\d{16}$")
    at: dt.datetime
    shift: int | None = None
    receipt_number: int | None = None


class ReceiptAnswer(_Lenient):
    receipt: WireReceipt


class OutcomeBody(_Strict):
    """``POST /v1/receipt/outcome``: what became of ``request_id``."""

    store: str
    request_id: str


class OutcomeAnswer(_Lenient):
    status: Literal["printed", "unknown", "failed", "in_progress"]
    receipt: WireReceipt | None = None


class CheckBody(_Strict):
    """``POST /v1/marking/check``: 1C checks codes on its register and in the permit mode."""

    store: str
    kind: Literal["sell", "sell_return"]
    codes: list[str] = Field(min_length=1)


class WireCheck(_Lenient):
    code: str
    verdict: Literal["ok", "expired", "withdrawn", "not_found", "blocked", "invalid", "not_checked"]
    message: str = ""
    permit: WirePermit | None = None


class CheckAnswer(_Lenient):
    checks: list[WireCheck]


class StoreBody(_Strict):
    store: str
    operator: str | None = None


class StatusAnswer(_Lenient):
    """``POST /v1/register/status``."""

    name: str
    online: bool
    paper: bool = True
    shift: Literal["closed", "opened", "expired"]
    shift_number: int | None = None
    shift_opened_at: dt.datetime | None = None
    unsent_documents: int = 0
    fn_nearly_full: bool = False
    fn: str | None = None
