"""What a stock source answers: stock by SKU with batches, reservations, what was freed or sold.

All shapes are frozen pydantic models so the relay can store them as JSON and the 1C adapter can
validate what 1C sent. Quantities are packs (whole units).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field

from pharmacy_desk.domain.product import NO_ATTRIBUTES, ProductAttributes, is_marked


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class StockBatch(_Frozen):
    """One batch (series) of one SKU in one store."""

    series: str
    expiry: date
    quantity: int = Field(ge=0)  # packs on hand, reserved ones included
    reserved: int = Field(default=0, ge=0)  # packs reserved for open orders
    gtin: str | None = None
    location: str | None = None  # shelf / cell, when the source knows it

    @property
    def available(self) -> int:
        """Packs that can still be reserved (never negative)."""
        return max(0, self.quantity - self.reserved)


class SkuStock(_Frozen):
    """A SKU's stock in one store: every batch the source knows, empty and expired ones included.

    ``attributes``: what the source says of the product (marking, dispensing rule, storage, МНН,
    shelf price; :mod:`pharmacy_desk.domain.product`), each ``None`` when it does not say.
    """

    sku: str
    name: str = ""
    batches: tuple[StockBatch, ...] = ()
    attributes: ProductAttributes = NO_ATTRIBUTES

    @property
    def gtins(self) -> tuple[str, ...]:
        return tuple(sorted({b.gtin for b in self.batches if b.gtin}))

    @property
    def marked(self) -> bool:
        """Packs carry a DataMatrix: as the source says, else the old rule (a GTIN is known)."""
        return is_marked(self.attributes, self.gtins)

    @property
    def quantity(self) -> int:
        return sum(b.quantity for b in self.batches)

    @property
    def available(self) -> int:
        return sum(b.available for b in self.batches)


class BatchQuantity(_Frozen):
    """Packs of one batch: reserved, freed, sold or suggested."""

    sku: str
    series: str
    expiry: date
    quantity: int = Field(ge=1)
    gtin: str | None = None
    location: str | None = None


class SkuQuantity(_Frozen):
    sku: str
    quantity: int = Field(ge=1)


class ReservationState(StrEnum):
    RESERVED = "reserved"  # open: the packs are held for the order
    RELEASED = "released"  # canceled (or released before anything was reserved): nothing held
    COMMITTED = "committed"  # the goods left: sold / written off, nothing held


class LineReservation(_Frozen):
    """One SKU of an order: how many packs were asked for and which batches hold them."""

    sku: str
    requested: int = Field(ge=0)
    batches: tuple[BatchQuantity, ...] = ()

    @property
    def reserved(self) -> int:
        return sum(b.quantity for b in self.batches)

    @property
    def shortfall(self) -> int:
        return max(0, self.requested - self.reserved)

    @property
    def complete(self) -> bool:
        return self.shortfall == 0


class ReservationResult(_Frozen):
    """An order's reservation as the source holds it after the call.

    ``replayed`` is true when the source already had this order and changed nothing (a repeated
    call). For a released or committed order ``lines`` hold nothing.
    """

    store: str
    order_key: str
    state: ReservationState
    lines: tuple[LineReservation, ...] = ()
    replayed: bool = False

    @property
    def requested(self) -> int:
        return sum(line.requested for line in self.lines)

    @property
    def reserved(self) -> int:
        return sum(line.reserved for line in self.lines)

    @property
    def complete(self) -> bool:
        """Every requested pack is reserved."""
        return self.state is ReservationState.RESERVED and all(line.complete for line in self.lines)

    @property
    def shortfalls(self) -> tuple[LineReservation, ...]:
        return tuple(line for line in self.lines if line.shortfall > 0)

    def line(self, sku: str) -> LineReservation | None:
        return next((line for line in self.lines if line.sku == sku), None)


class AdjustResult(_Frozen):
    """The reservation after it followed a changed composition, and what moved."""

    reservation: ReservationResult
    freed: tuple[BatchQuantity, ...] = ()  # packs given back to stock (to put back on the shelf)
    added: tuple[BatchQuantity, ...] = ()  # packs newly reserved (a substitute, or stock that came in)


class ReleaseResult(_Frozen):
    store: str
    order_key: str
    state: ReservationState  # RELEASED, or COMMITTED when the goods had already left (nothing freed)
    freed: tuple[BatchQuantity, ...] = ()
    replayed: bool = False


class CommitResult(_Frozen):
    """What the sale / write-off recorded.

    ``unmatched`` are packs that left but that the stock did not have (the source recorded them
    without a batch): the stock figures were wrong, someone should count the shelf.
    """

    store: str
    order_key: str
    state: ReservationState  # COMMITTED
    sold: tuple[BatchQuantity, ...] = ()
    released: tuple[BatchQuantity, ...] = ()  # reserved packs that did not leave, back in stock
    unmatched: tuple[SkuQuantity, ...] = ()
    document: str | None = None  # the source's document (1C: the receipt / sale number)
    replayed: bool = False


class SuggestedPick(_Frozen):
    """Take ``batch.quantity`` packs of this batch; ``reserved`` when the order already holds them."""

    batch: BatchQuantity
    reserved: bool
    warning: str | None = None  # Russian: why this reserved batch can no longer be sold, if so


class LineSuggestion(_Frozen):
    """Which batches to take for one line, in picking order (reserved ones first, then FEFO)."""

    sku: str
    quantity: int = Field(ge=0)
    picks: tuple[SuggestedPick, ...] = ()

    @property
    def picked(self) -> int:
        return sum(p.batch.quantity for p in self.picks)

    @property
    def shortfall(self) -> int:
        return max(0, self.quantity - self.picked)


class FoundSeries(_Frozen):
    """The series a marked pack (GTIN + serial) belongs to, as the source recorded it on receipt."""

    gtin: str
    serial: str
    series: str
    expiry: date | None = None
    sku: str | None = None
