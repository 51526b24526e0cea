"""The embedded stock: :class:`~pharmacy_desk.inventory.protocol.StockSource` over our own tables.

Each call is one database transaction. Give it an engine from :func:`pharmacy_desk.relay.storage.db.create_engine`:
on SQLite that engine starts every transaction with ``BEGIN IMMEDIATE`` (writers queue), on PostgreSQL
the statements lock what they plan on (see :mod:`.queries`). A transaction that lost a race
(a concurrent insert of the same order, a deadlock, a batch that changed) is retried a few times; a
database that fails is a :class:`~pharmacy_desk.inventory.errors.StockUnavailable`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from pharmacy_desk.domain.product import NO_ATTRIBUTES
from pharmacy_desk.inventory.embedded import queries as q
from pharmacy_desk.inventory.embedded.importer import read_attributes
from pharmacy_desk.inventory.embedded.tables import batches, pack_serials, products
from pharmacy_desk.inventory.errors import InvalidRequest, Operation, StockUnavailable, UnavailableKind
from pharmacy_desk.inventory.gtin import normalize_gtin
from pharmacy_desk.inventory.lines import LineLike, check_key, packs_by_sku
from pharmacy_desk.inventory.models import (
    AdjustResult,
    BatchQuantity,
    CommitResult,
    FoundSeries,
    LineSuggestion,
    ReleaseResult,
    ReservationResult,
    ReservationState,
    SkuQuantity,
    SkuStock,
    StockBatch,
)
from pharmacy_desk.inventory.planning import (
    Slot,
    Take,
    as_packs,
    give_back,
    merge_packs,
    suggest,
    take_fefo,
    take_for_sale,
)
from pharmacy_desk.inventory.shelf_life import ShelfLife

T = TypeVar("T")

SOURCE_RU = "База остатков"
_ATTEMPTS = 5
_RETRY_SQLSTATES = frozenset({"40001", "40P01"})  # serialization failure, deadlock


class EmbeddedStock:
    """Stock kept in the relay's database, loaded from CSV files (:func:`.importer.import_csv`)."""

    def __init__(self, engine: AsyncEngine, shelf_life: ShelfLife | None = None) -> None:
        self._engine = engine
        self.shelf_life = shelf_life or ShelfLife()

    # --- reads -------------------------------------------------------------------------------

    async def stock(self, store: str, skus: Iterable[str]) -> Mapping[str, SkuStock]:
        check_key("store", store)
        wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))

        async def run(conn: AsyncConnection) -> Mapping[str, SkuStock]:
            return await _stock_of(conn, store, wanted)

        return await self._run(Operation.STOCK, run) if wanted else {}

    async def find_equivalents(self, store: str, inn: str, form: str, dose: str) -> tuple[SkuStock, ...]:
        check_key("store", store)
        keys = _equivalence_keys(inn, form, dose)

        async def run(conn: AsyncConnection) -> tuple[SkuStock, ...]:
            skus = (
                await conn.execute(
                    select(products.c.sku)
                    .where(
                        products.c.store == store,
                        products.c.inn == keys[0],
                        products.c.form == keys[1],
                        products.c.dose == keys[2],
                    )
                    .order_by(products.c.sku)
                )
            ).scalars()
            found = await _stock_of(conn, store, list(skus))
            return tuple(item for item in found.values() if item.batches)

        return await self._run(Operation.EQUIVALENTS, run)

    async def reservation(self, store: str, order_key: str) -> ReservationResult | None:
        check_key("store", store)
        check_key("order key", order_key)

        async def run(conn: AsyncConnection) -> ReservationResult | None:
            order = await q.lock_order(conn, store, order_key, lock=False)
            return None if order is None else await q.reservation(conn, store, order_key, order, replayed=True)

        return await self._run(Operation.RESERVATION, run)

    async def batch_suggestions(
        self, store: str, order_key: str, lines: Sequence[LineLike]
    ) -> tuple[LineSuggestion, ...]:
        check_key("store", store)
        check_key("order key", order_key)
        wanted = packs_by_sku(lines)
        today = self.shelf_life.today()
        min_days = self.shelf_life.min_days(store)
        min_expiry = self.shelf_life.earliest_expiry(store)

        async def run(conn: AsyncConnection) -> tuple[LineSuggestion, ...]:
            order = await q.lock_order(conn, store, order_key, lock=False)
            mine = await q.held(conn, store, order_key) if order is not None else []
            free = await q.free_slots(conn, store, wanted, lock=False)
            result = []
            for sku, n in wanted.items():
                held_here = [h.slot for h in mine if h.slot.sku == sku]
                picks = suggest(held_here, free.get(sku, []), n, min_expiry, today, min_days)
                result.append(LineSuggestion(sku=sku, quantity=n, picks=tuple(picks)))
            return tuple(result)

        return await self._run(Operation.SUGGEST, run)

    async def find_series(self, store: str, gtin: str, serial: str) -> FoundSeries | None:
        check_key("store", store)
        gtin = normalize_gtin(gtin) or gtin

        async def run(conn: AsyncConnection) -> FoundSeries | None:
            row = (
                await conn.execute(
                    select(pack_serials).where(
                        pack_serials.c.store == store, pack_serials.c.gtin == gtin, pack_serials.c.serial == serial
                    )
                )
            ).first()
            if row is None:
                return None
            batch = (
                await conn.execute(
                    select(batches.c.sku, batches.c.expiry)
                    .where(batches.c.store == store, batches.c.gtin == gtin, batches.c.series == row.series)
                    .limit(1)
                )
            ).first()
            return FoundSeries(
                gtin=gtin,
                serial=serial,
                series=row.series,
                expiry=batch.expiry if batch is not None else None,
                sku=row.sku or (batch.sku if batch is not None else None),
            )

        return await self._run(Operation.FIND_SERIES, run)

    # --- changes -----------------------------------------------------------------------------

    async def reserve(self, store: str, order_key: str, lines: Sequence[LineLike]) -> ReservationResult:
        check_key("store", store)
        check_key("order key", order_key)
        wanted = packs_by_sku(lines)
        min_expiry = self.shelf_life.earliest_expiry(store)

        async def run(conn: AsyncConnection) -> ReservationResult:
            order = await q.lock_order(conn, store, order_key)
            if order is not None:
                return await q.reservation(conn, store, order_key, order, replayed=True)
            await q.insert_order(conn, store, order_key, ReservationState.RESERVED, wanted, _now())
            free = await q.free_slots(conn, store, wanted, lock=True)
            for sku, n in wanted.items():
                await self._hold(conn, store, order_key, take_fefo(free[sku], n, min_expiry)[0])
            fresh = q.OrderRow(state=ReservationState.RESERVED, requested=wanted)
            return await q.reservation(conn, store, order_key, fresh, replayed=False)

        return await self._run(Operation.RESERVE, run)

    async def adjust(self, store: str, order_key: str, lines: Sequence[LineLike]) -> AdjustResult:
        check_key("store", store)
        check_key("order key", order_key)
        wanted = packs_by_sku(lines)
        min_expiry = self.shelf_life.earliest_expiry(store)

        async def run(conn: AsyncConnection) -> AdjustResult:
            now = _now()
            order = await q.lock_order(conn, store, order_key)
            if order is not None and order.state is not ReservationState.RESERVED:
                current = await q.reservation(conn, store, order_key, order, replayed=True)
                return AdjustResult(reservation=current)
            if order is None:
                await q.insert_order(conn, store, order_key, ReservationState.RESERVED, wanted, now)
            mine = await q.held(conn, store, order_key)
            skus = set(wanted) | {h.slot.sku for h in mine}
            free = await q.free_slots(conn, store, skus, lock=True)
            freed: list[BatchQuantity] = []
            added: list[BatchQuantity] = []
            for sku in sorted(skus):
                held_here = [h.slot for h in mine if h.slot.sku == sku]
                have = sum(s.quantity for s in held_here)
                target = wanted.get(sku, 0)
                if target < have:
                    back = give_back(held_here, have - target)
                    for slot, n in back:
                        await q.unhold(conn, store, order_key, slot.key, n)
                    freed += as_packs(back)
                elif target > have:
                    takes, _ = take_fefo(free[sku], target - have, min_expiry)
                    await self._hold(conn, store, order_key, takes)
                    added += as_packs(takes)
            await q.set_order(conn, store, order_key, now, wanted=wanted)
            after = q.OrderRow(state=ReservationState.RESERVED, requested=wanted)
            unchanged = order is not None and not freed and not added
            current = await q.reservation(conn, store, order_key, after, replayed=unchanged)
            return AdjustResult(reservation=current, freed=merge_packs(freed), added=merge_packs(added))

        return await self._run(Operation.ADJUST, run)

    async def release(self, store: str, order_key: str) -> ReleaseResult:
        check_key("store", store)
        check_key("order key", order_key)

        async def run(conn: AsyncConnection) -> ReleaseResult:
            now = _now()
            order = await q.lock_order(conn, store, order_key)
            if order is None:
                # Remember the release so a reserve that arrives late (a retry) reserves nothing.
                await q.insert_order(conn, store, order_key, ReservationState.RELEASED, {}, now)
                return ReleaseResult(store=store, order_key=order_key, state=ReservationState.RELEASED)
            if order.state is not ReservationState.RESERVED:
                return ReleaseResult(store=store, order_key=order_key, state=order.state, replayed=True)
            mine = await q.held(conn, store, order_key)
            for h in mine:
                await q.unhold(conn, store, order_key, h.slot.key, h.slot.quantity)
            await q.set_order(conn, store, order_key, now, state=ReservationState.RELEASED)
            freed = merge_packs(h.slot.packs(h.slot.quantity) for h in mine)
            return ReleaseResult(store=store, order_key=order_key, state=ReservationState.RELEASED, freed=freed)

        return await self._run(Operation.RELEASE, run)

    async def commit(self, store: str, order_key: str, lines: Sequence[LineLike]) -> CommitResult:
        check_key("store", store)
        check_key("order key", order_key)
        wanted = packs_by_sku(lines)
        today = self.shelf_life.today()

        async def run(conn: AsyncConnection) -> CommitResult:
            now = _now()
            order = await q.lock_order(conn, store, order_key)
            if order is not None and order.state is ReservationState.COMMITTED:
                sold, not_found = await q.recorded_sale(conn, store, order_key)
                return CommitResult(
                    store=store,
                    order_key=order_key,
                    state=ReservationState.COMMITTED,
                    sold=sold,
                    unmatched=not_found,
                    replayed=True,
                )
            if order is None:
                await q.insert_order(conn, store, order_key, ReservationState.COMMITTED, wanted, now)
            mine = await q.held(conn, store, order_key)
            skus = set(wanted) | {h.slot.sku for h in mine}
            free = await q.free_slots(conn, store, skus, lock=True)
            sold_takes: list[Take[int]] = []
            released: list[BatchQuantity] = []
            unmatched: dict[str, int] = {}
            for sku in sorted(skus):
                held_here = [h for h in mine if h.slot.sku == sku]
                # A batch an import shrank below its reservation can only give what it has.
                sellable = [_capped(h) for h in held_here]
                from_held, from_free, short = take_for_sale(sellable, free[sku], wanted.get(sku, 0), today)
                taken = {slot.key: n for slot, n in from_held}
                for h in held_here:
                    n_sold = taken.get(h.slot.key, 0)
                    await q.unhold(conn, store, order_key, h.slot.key, h.slot.quantity, sold=n_sold)
                    if h.slot.quantity > n_sold:
                        released.append(h.slot.packs(h.slot.quantity - n_sold))
                for slot, n in from_free:
                    await q.take_free(conn, slot.key, n)
                sold_takes += from_held + from_free
                if short:
                    unmatched[sku] = short
            await q.record_sale(conn, store, order_key, sold_takes, unmatched, now)
            await q.set_order(conn, store, order_key, now, state=ReservationState.COMMITTED, wanted=wanted)
            return CommitResult(
                store=store,
                order_key=order_key,
                state=ReservationState.COMMITTED,
                sold=merge_packs(as_packs(sold_takes)),
                released=merge_packs(released),
                unmatched=tuple(SkuQuantity(sku=s, quantity=n) for s, n in unmatched.items()),
            )

        return await self._run(Operation.COMMIT, run)

    async def aclose(self) -> None:
        """Nothing to close: the engine belongs to the caller."""

    # --- plumbing ----------------------------------------------------------------------------

    async def _hold(self, conn: AsyncConnection, store: str, order_key: str, takes: Sequence[Take[int]]) -> None:
        for slot, n in takes:
            await q.hold(conn, store, order_key, slot, n)

    async def _run(self, operation: Operation, work: Callable[[AsyncConnection], Awaitable[T]]) -> T:
        """``work`` in one transaction, retried when it lost a race; database failures become StockUnavailable."""
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                async with self._engine.begin() as conn:
                    return await work(conn)
            except (q.ConcurrentChange, IntegrityError) as exc:
                # Another transaction inserted the same order or took the packs we planned on.
                if attempt == _ATTEMPTS:
                    raise self._unavailable(operation, exc) from exc
            except DBAPIError as exc:
                if attempt == _ATTEMPTS or _sqlstate(exc) not in _RETRY_SQLSTATES:
                    raise self._unavailable(operation, exc) from exc
            except OSError as exc:
                raise self._unavailable(operation, exc) from exc
        raise AssertionError("unreachable")  # pragma: no cover

    @staticmethod
    def _unavailable(operation: Operation, exc: Exception) -> StockUnavailable:
        detail = str(getattr(exc, "orig", None) or exc).splitlines()[0][:200] or type(exc).__name__
        return StockUnavailable(UnavailableKind.DOWN, operation, source=SOURCE_RU, detail=detail)


def _capped(h: q.Held) -> Slot[int]:
    s = h.slot
    return Slot(
        key=s.key,
        sku=s.sku,
        series=s.series,
        expiry=s.expiry,
        quantity=min(s.quantity, h.on_hand),
        gtin=s.gtin,
        location=s.location,
    )


def _sqlstate(exc: DBAPIError) -> str | None:
    orig = exc.orig
    state = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return state if isinstance(state, str) else None


async def _stock_of(conn: AsyncConnection, store: str, wanted: list[str]) -> dict[str, SkuStock]:
    """Every batch and the attributes of ``wanted`` SKUs, in the caller's transaction."""
    rows = (
        await conn.execute(
            select(batches)
            .where(batches.c.store == store, batches.c.sku.in_(wanted))
            .order_by(batches.c.sku, batches.c.expiry, batches.c.series, batches.c.location)
        )
    ).all()
    names: dict[str, str] = {}
    found: dict[str, list[StockBatch]] = {}
    for r in rows:
        names.setdefault(r.sku, r.name)
        found.setdefault(r.sku, []).append(
            StockBatch(
                series=r.series,
                expiry=r.expiry,
                quantity=r.quantity,
                reserved=r.reserved,
                gtin=r.gtin,
                location=r.location or None,
            )
        )
    attributes = await read_attributes(conn, store, wanted)
    return {
        sku: SkuStock(
            sku=sku,
            name=names.get(sku, ""),
            batches=tuple(found.get(sku, ())),
            attributes=attributes.get(sku, NO_ATTRIBUTES),
        )
        for sku in wanted
    }


def _equivalence_keys(inn: str, form: str, dose: str) -> tuple[str, str, str]:
    """The three values trimmed (as the importer stores them); an empty one is an invalid request."""
    keys = (inn.strip(), form.strip(), dose.strip())
    if not all(keys):
        raise InvalidRequest("МНН, лекарственная форма и дозировка должны быть указаны")
    return keys


def _now() -> datetime:
    return datetime.now(UTC)
