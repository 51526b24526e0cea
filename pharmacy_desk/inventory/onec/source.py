"""1C:Retail (Аптека) as a :class:`~pharmacy_desk.inventory.protocol.StockSource`.

Reservations, releases and the sale document go through the Kuper extension's HTTP service
(docs/1c-http-service.md): 1C does them in one transaction under its own locks, so two orders never
hold the same pack. Stock reads use the same service, or OData when configured. Batch suggestions are
computed here from the reservation and the stock, with the same planner as the embedded stock.

An answer is believed only after it passed the contract (:mod:`.wire`) and a few sanity checks (the
same store and order, no more packs than asked for, nothing reserved that the shelf-life rule forbids);
otherwise the call fails with ``BAD_ANSWER`` and, for a changing call, ``maybe_applied``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import httpx

from pharmacy_desk.domain.substitutes import same_inn_form_dose
from pharmacy_desk.inventory.errors import InvalidRequest, Operation, StockUnavailable, UnavailableKind
from pharmacy_desk.inventory.lines import LineLike, check_key, packs_by_sku
from pharmacy_desk.inventory.models import (
    AdjustResult,
    CommitResult,
    FoundSeries,
    LineSuggestion,
    ReleaseResult,
    ReservationResult,
    ReservationState,
    SkuStock,
)
from pharmacy_desk.inventory.onec.odata import ODataStockReader
from pharmacy_desk.inventory.onec.settings import OneCSettings
from pharmacy_desk.inventory.onec.transport import OneCTransport
from pharmacy_desk.inventory.onec.wire import (
    WireAdjust,
    WireCommit,
    WireFoundReservation,
    WireRelease,
    WireReservation,
    WireSeries,
    WireStock,
)
from pharmacy_desk.inventory.planning import Slot, suggest
from pharmacy_desk.inventory.shelf_life import ShelfLife


class OneCStock:
    """The 1C adapter; ``transport`` lets tests plug an httpx transport in (production: None)."""

    def __init__(
        self,
        settings: OneCSettings,
        shelf_life: ShelfLife | None = None,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self.settings = settings
        self.shelf_life = shelf_life or ShelfLife()
        self._http = OneCTransport(settings, transport=transport)
        self._odata = ODataStockReader(self._http, settings.odata) if settings.odata is not None else None

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> OneCStock:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    # --- reads -------------------------------------------------------------------------------

    async def stock(self, store: str, skus: Iterable[str]) -> Mapping[str, SkuStock]:
        check_key("store", store)
        wanted = list(dict.fromkeys(s.strip() for s in skus if s.strip()))
        if not wanted:
            return {}
        if self._odata is not None:
            return await self._odata.stock(store, wanted)
        answer = await self._http.call(Operation.STOCK, "/v1/stock", {"store": store, "skus": wanted}, WireStock)
        if answer.store != store:
            raise self._bad(Operation.STOCK, f"остатки другой аптеки ({answer.store})")
        items = {item.sku: item.model() for item in answer.items}
        return {sku: items.get(sku, SkuStock(sku=sku)) for sku in wanted}

    async def reservation(self, store: str, order_key: str) -> ReservationResult | None:
        check_key("store", store)
        check_key("order key", order_key)
        body = {"store": store, "order_key": order_key}
        answer = await self._http.call(Operation.RESERVATION, "/v1/reservation", body, WireFoundReservation)
        if not answer.found:
            return None
        if answer.reservation is None:
            raise self._bad(Operation.RESERVATION, "found=true без reservation")
        self._same_order(Operation.RESERVATION, answer.reservation, store, order_key)
        return answer.reservation.model()

    async def batch_suggestions(
        self, store: str, order_key: str, lines: Sequence[LineLike]
    ) -> tuple[LineSuggestion, ...]:
        wanted = packs_by_sku(lines)
        current = await self.reservation(store, order_key)
        stock = await self.stock(store, wanted)
        today = self.shelf_life.today()
        min_days = self.shelf_life.min_days(store)
        min_expiry = self.shelf_life.earliest_expiry(store)
        result = []
        for sku, n in wanted.items():
            line = current.line(sku) if current is not None else None
            held = [
                Slot(
                    key=f"{b.series}|{b.location}",
                    sku=sku,
                    series=b.series,
                    expiry=b.expiry,
                    quantity=b.quantity,
                    gtin=b.gtin,
                    location=b.location,
                )
                for b in (line.batches if line is not None else ())
            ]
            free = [
                Slot(
                    key=f"{b.series}|{b.location}",
                    sku=sku,
                    series=b.series,
                    expiry=b.expiry,
                    quantity=b.available,
                    gtin=b.gtin,
                    location=b.location,
                )
                for b in stock[sku].batches
            ]
            picks = suggest(held, free, n, min_expiry, today, min_days)
            result.append(LineSuggestion(sku=sku, quantity=n, picks=tuple(picks)))
        return tuple(result)

    async def find_series(self, store: str, gtin: str, serial: str) -> FoundSeries | None:
        check_key("store", store)
        body = {"store": store, "gtin": gtin, "serial": serial}
        answer = await self._http.call(Operation.FIND_SERIES, "/v1/series", body, WireSeries)
        if answer.found and not answer.series:
            raise self._bad(Operation.FIND_SERIES, "found=true без series")
        return answer.model(gtin, serial)

    async def find_equivalents(self, store: str, inn: str, form: str, dose: str) -> tuple[SkuStock, ...]:
        """``/v1/equivalents`` of the HTTP service (also when stock is read through OData: the
        standard OData interface cannot filter the items catalogue by the configuration's own fields)."""
        check_key("store", store)
        keys = {"inn": inn.strip(), "form": form.strip(), "dose": dose.strip()}
        if not all(keys.values()):
            raise InvalidRequest("МНН, лекарственная форма и дозировка должны быть указаны")
        body = {"store": store, **keys}
        answer = await self._http.call(Operation.EQUIVALENTS, "/v1/equivalents", body, WireStock)
        if answer.store != store:
            raise self._bad(Operation.EQUIVALENTS, f"товары другой аптеки ({answer.store})")
        items = tuple(item.model() for item in answer.items)
        for item in items:
            if not same_inn_form_dose(item.attributes, keys["inn"], keys["form"], keys["dose"]):
                raise self._bad(Operation.EQUIVALENTS, f"{item.sku}: другой МНН, форма или дозировка")
        return tuple(item for item in items if item.batches)

    # --- changes -----------------------------------------------------------------------------

    async def reserve(self, store: str, order_key: str, lines: Sequence[LineLike]) -> ReservationResult:
        check_key("store", store)
        check_key("order key", order_key)
        wanted = packs_by_sku(lines)
        body = self._order_body(store, order_key, wanted)
        answer = await self._http.call(Operation.RESERVE, "/v1/reserve", body, WireReservation)
        self._same_order(Operation.RESERVE, answer, store, order_key)
        result = answer.model()
        if not result.replayed:
            self._check_fresh(Operation.RESERVE, result, wanted, body["min_expiry"])
        return result

    async def adjust(self, store: str, order_key: str, lines: Sequence[LineLike]) -> AdjustResult:
        check_key("store", store)
        check_key("order key", order_key)
        wanted = packs_by_sku(lines)
        body = self._order_body(store, order_key, wanted)
        answer = await self._http.call(Operation.ADJUST, "/v1/adjust", body, WireAdjust)
        self._same_order(Operation.ADJUST, answer.reservation, store, order_key)
        result = answer.model()
        if result.reservation.state is ReservationState.RESERVED:
            self._check_fresh(Operation.ADJUST, result.reservation, wanted, None)
        return result

    async def release(self, store: str, order_key: str) -> ReleaseResult:
        check_key("store", store)
        check_key("order key", order_key)
        body = {"store": store, "order_key": order_key}
        answer = await self._http.call(Operation.RELEASE, "/v1/release", body, WireRelease)
        self._same_order(Operation.RELEASE, answer, store, order_key)
        if answer.state is ReservationState.RESERVED:
            raise self._bad(Operation.RELEASE, "после снятия резерва заказ всё ещё в резерве")
        return answer.model()

    async def commit(self, store: str, order_key: str, lines: Sequence[LineLike]) -> CommitResult:
        check_key("store", store)
        check_key("order key", order_key)
        wanted = packs_by_sku(lines)
        codes: dict[str, list[str]] = {}
        for line in lines:
            codes.setdefault(line.sku.strip(), []).extend(getattr(line, "marking_codes", ()) or ())
        body = {
            "store": store,
            "order_key": order_key,
            "today": self.shelf_life.today().isoformat(),
            "lines": [{"sku": sku, "quantity": n, "marking_codes": codes.get(sku, [])} for sku, n in wanted.items()],
        }
        answer = await self._http.call(Operation.COMMIT, "/v1/commit", body, WireCommit)
        self._same_order(Operation.COMMIT, answer, store, order_key)
        if answer.state is not ReservationState.COMMITTED:
            raise self._bad(Operation.COMMIT, f"после списания состояние {answer.state.value}")
        result = answer.model()
        if not result.replayed:
            for sku, n in wanted.items():
                recorded = sum(p.quantity for p in result.sold if p.sku == sku)
                recorded += sum(u.quantity for u in result.unmatched if u.sku == sku)
                if recorded != n:
                    raise self._bad(Operation.COMMIT, f"{sku}: продано {n} уп., 1С записала {recorded}")
        return result

    # --- checks ------------------------------------------------------------------------------

    def _order_body(self, store: str, order_key: str, wanted: Mapping[str, int]) -> dict[str, Any]:
        return {
            "store": store,
            "order_key": order_key,
            "lines": [{"sku": sku, "quantity": n} for sku, n in wanted.items()],
            "min_expiry": self.shelf_life.earliest_expiry(store).isoformat(),
            "today": self.shelf_life.today().isoformat(),
        }

    def _same_order(
        self, op: Operation, answer: WireReservation | WireRelease | WireCommit, store: str, order_key: str
    ) -> None:
        if answer.store != store or answer.order_key != order_key:
            raise self._bad(op, f"ответ о другом заказе ({answer.store} / {answer.order_key})")

    def _check_fresh(
        self, op: Operation, result: ReservationResult, wanted: Mapping[str, int], min_expiry: str | None
    ) -> None:
        for line in result.lines:
            asked = wanted.get(line.sku, 0)
            if line.reserved > asked:
                raise self._bad(op, f"{line.sku}: зарезервировано {line.reserved} уп. при заказанных {asked}")
            if min_expiry is not None:
                early = [b for b in line.batches if b.expiry.isoformat() < min_expiry]
                if early:
                    raise self._bad(op, f"{line.sku}: зарезервирована серия {early[0].series} с малым сроком годности")

    def _bad(self, op: Operation, detail: str) -> StockUnavailable:
        return self._http.fail(op, UnavailableKind.BAD_ANSWER, detail)
