"""The JSON the 1C HTTP service answers (docs/1c-http-service.md), validated before anything is believed.

Tolerant where 1C's own serializer differs from the examples: dates may come as ``2027-06-30`` or
``2027-06-30T00:00:00`` (``ЗаписатьJSON`` with ``ФорматДатыJSON.ISO``), whole numbers as ``5`` or
``5.0``, unknown fields are ignored, ``null`` equals absent for optional fields.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from pharmacy_desk.domain.product import ATTRIBUTE_FIELDS, Dispensing, ProductAttributes, Storage
from pharmacy_desk.inventory.models import (
    AdjustResult,
    BatchQuantity,
    CommitResult,
    FoundSeries,
    LineReservation,
    ReleaseResult,
    ReservationResult,
    ReservationState,
    SkuQuantity,
    SkuStock,
    StockBatch,
)
from pharmacy_desk.inventory.planning import merge_packs


def _date_part(value: Any) -> Any:
    if isinstance(value, str) and "T" in value:
        return value.split("T", 1)[0]
    return value


def _blank_none(value: Any) -> Any:
    return None if value == "" else value


WireDate = Annotated[date, BeforeValidator(_date_part)]
OptText = Annotated[str | None, BeforeValidator(_blank_none)]


class _In(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class WirePacks(_In):
    series: str = Field(min_length=1)
    expiry: WireDate
    quantity: int = Field(ge=1)
    gtin: OptText = None
    location: OptText = None

    def packs(self, sku: str) -> BatchQuantity:
        return BatchQuantity(
            sku=sku,
            series=self.series,
            expiry=self.expiry,
            quantity=self.quantity,
            gtin=self.gtin,
            location=self.location,
        )


class WireSkuPacks(WirePacks):
    sku: str = Field(min_length=1)

    def as_packs(self) -> BatchQuantity:
        return self.packs(self.sku)


class WireStockBatch(_In):
    series: str = Field(min_length=1)
    expiry: WireDate
    quantity: int = Field(ge=0)
    reserved: int = Field(default=0, ge=0)
    gtin: OptText = None
    location: OptText = None


def _lower(value: Any) -> Any:
    return value.strip().lower() or None if isinstance(value, str) else value


def _whole(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class WireStockItem(_In):
    """One SKU of ``/v1/stock``: its batches and, when 1C knows them, the product's attributes.

    The attribute fields are optional (``null`` or absent: 1C does not say); ``shelf_price`` may be a
    JSON number (1C's serializer) or a string.
    """

    sku: str = Field(min_length=1)
    name: str = ""
    batches: tuple[WireStockBatch, ...] = ()
    marked: bool | None = None
    dispensing: Annotated[Dispensing | None, BeforeValidator(_lower)] = None
    storage: Annotated[Storage | None, BeforeValidator(_lower)] = None
    inn: OptText = None
    form: OptText = None
    dose: OptText = None
    pack_size: Annotated[int | None, BeforeValidator(_whole)] = Field(default=None, ge=1)
    shelf_price: Annotated[Decimal | None, BeforeValidator(_blank_none)] = Field(default=None, ge=0)

    def model(self) -> SkuStock:
        return SkuStock(
            sku=self.sku,
            name=self.name,
            batches=tuple(StockBatch(**b.model_dump()) for b in self.batches),
            attributes=ProductAttributes.model_validate(self.model_dump(include=set(ATTRIBUTE_FIELDS))),
        )


class WireStock(_In):
    store: str
    items: tuple[WireStockItem, ...]


class WireLine(_In):
    sku: str = Field(min_length=1)
    requested: int = Field(ge=0)
    batches: tuple[WirePacks, ...] = ()

    def model(self) -> LineReservation:
        return LineReservation(
            sku=self.sku, requested=self.requested, batches=tuple(b.packs(self.sku) for b in self.batches)
        )


class WireReservation(_In):
    store: str
    order_key: str
    state: ReservationState
    lines: tuple[WireLine, ...] = ()
    replayed: bool = False

    def model(self) -> ReservationResult:
        return ReservationResult(
            store=self.store,
            order_key=self.order_key,
            state=self.state,
            lines=tuple(line.model() for line in self.lines) if self.state is ReservationState.RESERVED else (),
            replayed=self.replayed,
        )


class WireFoundReservation(_In):
    found: bool
    reservation: WireReservation | None = None


class WireAdjust(_In):
    reservation: WireReservation
    freed: tuple[WireSkuPacks, ...] = ()
    added: tuple[WireSkuPacks, ...] = ()

    def model(self) -> AdjustResult:
        return AdjustResult(
            reservation=self.reservation.model(),
            freed=merge_packs(p.as_packs() for p in self.freed),
            added=merge_packs(p.as_packs() for p in self.added),
        )


class WireRelease(_In):
    store: str
    order_key: str
    state: ReservationState
    freed: tuple[WireSkuPacks, ...] = ()
    replayed: bool = False

    def model(self) -> ReleaseResult:
        return ReleaseResult(
            store=self.store,
            order_key=self.order_key,
            state=self.state,
            freed=merge_packs(p.as_packs() for p in self.freed),
            replayed=self.replayed,
        )


class WireSkuQuantity(_In):
    sku: str = Field(min_length=1)
    quantity: int = Field(ge=1)


class WireDocument(_In):
    type: str  # ЧекККМ | РеализацияТоваров | …
    number: str
    date: OptText = None


class WireCommit(_In):
    store: str
    order_key: str
    state: ReservationState
    sold: tuple[WireSkuPacks, ...] = ()
    released: tuple[WireSkuPacks, ...] = ()
    unmatched: tuple[WireSkuQuantity, ...] = ()
    document: WireDocument | None = None
    replayed: bool = False

    def model(self) -> CommitResult:
        doc = f"{self.document.type} {self.document.number}".strip() if self.document else None
        return CommitResult(
            store=self.store,
            order_key=self.order_key,
            state=self.state,
            sold=merge_packs(p.as_packs() for p in self.sold),
            released=merge_packs(p.as_packs() for p in self.released),
            unmatched=tuple(SkuQuantity(sku=u.sku, quantity=u.quantity) for u in self.unmatched),
            document=doc,
            replayed=self.replayed,
        )


class WireSeries(_In):
    found: bool
    series: OptText = None
    expiry: WireDate | None = None
    sku: OptText = None

    def model(self, gtin: str, serial: str) -> FoundSeries | None:
        if not self.found or not self.series:
            return None
        return FoundSeries(gtin=gtin, serial=serial, series=self.series, expiry=self.expiry, sku=self.sku)


class WireErrorBody(_In):
    code: str = ""
    message: str = ""


class WireError(_In):
    error: WireErrorBody
