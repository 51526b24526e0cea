"""One protocol, two sources: the embedded stock (our own tables) and 1C:Retail (Аптека).

Every call names the store and, for order calls, the order key (a stable per-store key: the relay
passes the Kuper ``orderUUID``). Every order call is idempotent per ``(store, order_key)``:

============================  ==================================================================
call                          a repeat
============================  ==================================================================
``reserve``                   returns the existing reservation (``replayed``), whatever the lines
``adjust``                    with the same lines changes nothing (no freed/added packs)
``release``                   is a no-op (``replayed``); a release of an order the source never
                              saw records it as released, so a late ``reserve`` reserves nothing
``commit``                    is a no-op returning what was recorded (``replayed``)
============================  ==================================================================

States: ``reserve`` → RESERVED → (``adjust``…) → ``release`` → RELEASED, or ``commit`` → COMMITTED.
``release`` after ``commit`` frees nothing (the goods left); ``commit`` after ``release`` still records
the sale (the goods did leave). ``adjust`` of an order the source does not know reserves it.

Reservations honour FEFO and the store's minimum remaining shelf life (:mod:`.shelf_life`): an expired
or short-dated pack is never reserved nor suggested. What cannot be reserved is the line's shortfall.

A source that is down, slow or answers garbage raises :class:`~.errors.StockUnavailable`; nothing is
silently lost (see :mod:`.errors`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, runtime_checkable

from pharmacy_desk.inventory.lines import LineLike
from pharmacy_desk.inventory.models import (
    AdjustResult,
    CommitResult,
    FoundSeries,
    LineSuggestion,
    ReleaseResult,
    ReservationResult,
    SkuStock,
)


@runtime_checkable
class StockSource(Protocol):
    """Stock, reservations and the final sale for Kuper orders, in one store or many."""

    async def stock(self, store: str, skus: Iterable[str]) -> Mapping[str, SkuStock]:
        """Every batch of each SKU (empty and expired ones too); a SKU the source lacks has no batches."""
        ...

    async def reserve(self, store: str, order_key: str, lines: Sequence[LineLike]) -> ReservationResult:
        """Reserve each line's quantity, FEFO, sellable batches only; shortfalls per line."""
        ...

    async def adjust(self, store: str, order_key: str, lines: Sequence[LineLike]) -> AdjustResult:
        """The composition is now ``lines`` (missing SKUs: zero): the reservation follows it."""
        ...

    async def release(self, store: str, order_key: str) -> ReleaseResult:
        """Give back everything the order holds."""
        ...

    async def commit(self, store: str, order_key: str, lines: Sequence[LineLike]) -> CommitResult:
        """The goods in ``lines`` left (sale / write-off); the rest of the reservation is released."""
        ...

    async def reservation(self, store: str, order_key: str) -> ReservationResult | None:
        """The order's reservation as it stands, or None when the source never saw the order."""
        ...

    async def batch_suggestions(
        self, store: str, order_key: str, lines: Sequence[LineLike]
    ) -> tuple[LineSuggestion, ...]:
        """Per line, which batches to take: the order's reserved packs first, then FEFO sellable stock."""
        ...

    async def find_series(self, store: str, gtin: str, serial: str) -> FoundSeries | None:
        """The series of a marked pack, when the source recorded its serial on receipt."""
        ...

    async def find_equivalents(self, store: str, inn: str, form: str, dose: str) -> tuple[SkuStock, ...]:
        """Every product of the store with this МНН, form and dose (each given), with its batches.

        Products the source has no batch of are left out; which of them may substitute a line (pack
        arithmetic, price, dispensing rule, shelf life) is :mod:`pharmacy_desk.domain.substitutes`.
        """
        ...

    async def aclose(self) -> None:
        """Release connections (the source is not used afterwards)."""
        ...
