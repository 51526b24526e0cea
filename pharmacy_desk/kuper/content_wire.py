"""Wire models of Kuper's content API: stocks, prices and a store's merchant status.

Sources (public integrations against Kuper's merchant API; nothing here is in the seeds):

- ``okfish/sm-content-api`` ``docs/Content_Auth_API.yaml`` and its generated client:
  ``PUT /api/v1/import/stocks`` ``{"data": [{"offer_id", "outlet_id", "stock"}]}`` (``stock`` a
  string), ``PUT /api/v1/import/prices`` ``{"data": [{"offer_id", "outlet_id", "price": {"amount":
  "198.99", "currency": "RUB"}, "vat": "VAT10"}]}``; up to 1,000 records and 10 distinct outlets per
  request, 10 requests/s, then ``429``; ``200`` answers ``{"data": {"task_id": "..."}}``; errors are
  problem details under ``"error"``. ``PUT /api/v1/retail-chains/{retail_chain_slug}/stores/
  {merchant_store_id}/merchant-status`` with ``{"data": {"status": "ACTIVE"|"INACTIVE", "comment",
  "scheduled_change": {"change_at", "status"}}}``, allowed only to merchants working in the
  "external assembly" or "external delivery" format.
- ``osadchii/Morder.Net`` ``src/Integration/Kuper/Clients/{Stocks,Prices}``: the same stock record
  (``stock`` sent as a string) and the newer ``/v2/import/prices`` path.

The models are strict (``extra="forbid"``): the relay builds them, the simulator's fake Kuper
validates what arrives with them, so both sides agree on one reading of the API.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Annotated, Final, Self

from pydantic import BaseModel, ConfigDict, StringConstraints, model_validator

STOCKS_PATH: Final = "/api/v1/import/stocks"
PRICES_PATH: Final = "/api/v1/import/prices"
MERCHANT_STATUS_PATH: Final = "/api/v1/retail-chains/{retail_chain_slug}/stores/{merchant_store_id}/merchant-status"

MAX_RECORDS: Final = 1000
"""Records per import request."""
MAX_OUTLETS: Final = 10
"""Distinct stores (``outlet_id``) per import request."""
RATE_PER_SECOND: Final = 10.0
"""Requests per second Kuper accepts before answering 429."""

OfferId = Annotated[str, StringConstraints(min_length=1, max_length=50)]
OutletId = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class _Wire(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Vat(StrEnum):
    NO_VAT = "NO_VAT"
    VAT0 = "VAT0"
    VAT10 = "VAT10"
    VAT20 = "VAT20"


class StockRecord(_Wire):
    offer_id: OfferId
    outlet_id: OutletId
    stock: Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,8})$")]

    @classmethod
    def of(cls, offer_id: str, outlet_id: str, stock: int) -> Self:
        return cls(offer_id=offer_id, outlet_id=outlet_id, stock=str(stock))

    @property
    def packs(self) -> int:
        return int(self.stock)


class Amount(_Wire):
    amount: Annotated[str, StringConstraints(pattern=r"^(0|[1-9][0-9]{0,8})\.[0-9]{2}$")]
    currency: Annotated[str, StringConstraints(pattern=r"^RUB$")] = "RUB"

    @property
    def value(self) -> Decimal:
        return Decimal(self.amount)


class PriceRecord(_Wire):
    offer_id: OfferId
    outlet_id: OutletId
    price: Amount
    vat: Vat

    @classmethod
    def of(cls, offer_id: str, outlet_id: str, price: Decimal, vat: Vat | str) -> Self:
        amount = price.quantize(Decimal("0.01"))
        return cls(offer_id=offer_id, outlet_id=outlet_id, price=Amount(amount=f"{amount:f}"), vat=Vat(vat))

    @model_validator(mode="after")
    def _positive(self) -> Self:
        if self.price.value <= 0:
            raise ValueError("price must be above zero")
        return self


def _check_batch(outlets: set[str], count: int) -> None:
    if not 1 <= count <= MAX_RECORDS:
        raise ValueError(f"an import carries 1..{MAX_RECORDS} records, got {count}")
    if len(outlets) > MAX_OUTLETS:
        raise ValueError(f"an import may name at most {MAX_OUTLETS} stores, got {len(outlets)}")


class StocksImport(_Wire):
    data: tuple[StockRecord, ...]

    @model_validator(mode="after")
    def _limits(self) -> Self:
        _check_batch({r.outlet_id for r in self.data}, len(self.data))
        keys = [(r.offer_id, r.outlet_id) for r in self.data]
        if len(set(keys)) != len(keys):
            raise ValueError("an import names an offer of a store twice")
        return self


class PricesImport(_Wire):
    data: tuple[PriceRecord, ...]

    @model_validator(mode="after")
    def _limits(self) -> Self:
        _check_batch({r.outlet_id for r in self.data}, len(self.data))
        keys = [(r.offer_id, r.outlet_id) for r in self.data]
        if len(set(keys)) != len(keys):
            raise ValueError("an import names an offer of a store twice")
        return self


class StoreStatus(StrEnum):
    ACTIVE = "ACTIVE"  # takes orders
    INACTIVE = "INACTIVE"  # temporarily takes no orders (shown with a note on the storefront)


class ScheduledChange(_Wire):
    change_at: datetime
    status: StoreStatus

    @model_validator(mode="after")
    def _aware(self) -> Self:
        if self.change_at.tzinfo is None:
            raise ValueError("change_at must carry a time zone (RFC 3339)")
        return self


class MerchantStatus(_Wire):
    status: StoreStatus
    comment: Annotated[str, StringConstraints(min_length=1, max_length=500)]
    scheduled_change: ScheduledChange | None = None


class MerchantStatusBody(_Wire):
    data: MerchantStatus
