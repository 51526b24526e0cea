"""Several stores, several sources: one pharmacy on 1C, another on the embedded stock.

:class:`StoreRouter` is a :class:`~.protocol.StockSource` that hands each call to the source of its
store (or the default one). A store without a source is a ``StockUnavailable`` (refused), never a
silent no-op.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from pharmacy_desk.inventory.errors import Operation, StockUnavailable, UnavailableKind
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
from pharmacy_desk.inventory.protocol import StockSource


class StoreRouter:
    def __init__(self, sources: Mapping[str, StockSource], default: StockSource | None = None) -> None:
        self._sources = dict(sources)
        self._default = default

    def source_for(self, store: str, operation: Operation) -> StockSource:
        source = self._sources.get(store, self._default)
        if source is None:
            raise StockUnavailable(
                UnavailableKind.REFUSED,
                operation,
                source="Учёт остатков",
                detail=f"для аптеки {store} не настроен источник остатков",
            )
        return source

    async def stock(self, store: str, skus: Iterable[str]) -> Mapping[str, SkuStock]:
        return await self.source_for(store, Operation.STOCK).stock(store, skus)

    async def reserve(self, store: str, order_key: str, lines: Sequence[LineLike]) -> ReservationResult:
        return await self.source_for(store, Operation.RESERVE).reserve(store, order_key, lines)

    async def adjust(self, store: str, order_key: str, lines: Sequence[LineLike]) -> AdjustResult:
        return await self.source_for(store, Operation.ADJUST).adjust(store, order_key, lines)

    async def release(self, store: str, order_key: str) -> ReleaseResult:
        return await self.source_for(store, Operation.RELEASE).release(store, order_key)

    async def commit(self, store: str, order_key: str, lines: Sequence[LineLike]) -> CommitResult:
        return await self.source_for(store, Operation.COMMIT).commit(store, order_key, lines)

    async def reservation(self, store: str, order_key: str) -> ReservationResult | None:
        return await self.source_for(store, Operation.RESERVATION).reservation(store, order_key)

    async def batch_suggestions(
        self, store: str, order_key: str, lines: Sequence[LineLike]
    ) -> tuple[LineSuggestion, ...]:
        return await self.source_for(store, Operation.SUGGEST).batch_suggestions(store, order_key, lines)

    async def find_series(self, store: str, gtin: str, serial: str) -> FoundSeries | None:
        return await self.source_for(store, Operation.FIND_SERIES).find_series(store, gtin, serial)

    async def find_equivalents(self, store: str, inn: str, form: str, dose: str) -> tuple[SkuStock, ...]:
        return await self.source_for(store, Operation.EQUIVALENTS).find_equivalents(store, inn, form, dose)

    async def aclose(self) -> None:
        seen: set[int] = set()
        for source in [*self._sources.values(), *([self._default] if self._default else [])]:
            if id(source) not in seen:
                seen.add(id(source))
                await source.aclose()
