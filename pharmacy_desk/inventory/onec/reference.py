"""What the 1C extension does, in memory: the reference behaviour of docs/1c-http-service.md.

Each method takes the request body (already parsed JSON) and returns the answer body, exactly as the
HTTP service must. The 1C integrator's module does the same with registers and documents; where the
document says "1C does X", this file is the executable form of X. The stub server (:mod:`.stub`) and
the contract tests run it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pharmacy_desk.inventory.planning import Slot, give_back, take_fefo, take_for_sale

BatchKey = tuple[str, str, str]  # sku, series, location


class ContractError(Exception):
    """The request breaks the contract: the service answers ``status`` with ``{"error": …}``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass
class RefBatch:
    sku: str
    name: str
    series: str
    expiry: date
    location: str
    quantity: int
    reserved: int = 0
    gtin: str | None = None

    @property
    def key(self) -> BatchKey:
        return (self.sku, self.series, self.location)


@dataclass
class RefOrder:
    state: str
    requested: dict[str, int]
    held: dict[BatchKey, int] = field(default_factory=dict)
    sold: list[tuple[BatchKey, int]] = field(default_factory=list)
    unmatched: dict[str, int] = field(default_factory=dict)
    document: dict[str, str] | None = None


def _iso(d: date) -> str:
    return f"{d.isoformat()}T00:00:00"  # as 1C's ЗаписатьJSON writes a date


class ReferenceOneC:
    """Stores (Склады), their batches, the extension's reservations and documents."""

    def __init__(self) -> None:
        self.batches: dict[str, dict[BatchKey, RefBatch]] = {}
        # store → sku → the product's attribute fields as 1C writes them (docs/1c-http-service.md)
        self.products: dict[str, dict[str, dict[str, Any]]] = {}
        self.orders: dict[tuple[str, str], RefOrder] = {}
        self.serials: dict[tuple[str, str, str], tuple[str, str]] = {}  # (store, gtin, serial) → (sku, series)
        self._receipts = 0

    # --- set-up ------------------------------------------------------------------------------

    def add_store(self, store: str, batches: list[RefBatch], products: dict[str, dict[str, Any]] | None = None) -> None:
        self.batches[store] = {b.key: b for b in batches}
        self.products[store] = dict(products or {})

    # --- operations --------------------------------------------------------------------------

    def stock(self, body: dict[str, Any]) -> dict[str, Any]:
        store = self._store(body)
        items = [item for sku in _str_list(body, "skus") if (item := self._item(store, sku)) is not None]
        return {"store": store, "items": items}

    def equivalents(self, body: dict[str, Any]) -> dict[str, Any]:
        """The store's products with this МНН, form and dose (as written in 1C), with their batches."""
        store = self._store(body)
        wanted = tuple(_text(body, name) for name in ("inn", "form", "dose"))
        products = self.products.get(store, {})
        skus = sorted(
            sku
            for sku, fields in products.items()
            if tuple(fields.get(name) for name in ("inn", "form", "dose")) == wanted
        )
        return {"store": store, "items": [item for sku in skus if (item := self._item(store, sku)) is not None]}

    def _item(self, store: str, sku: str) -> dict[str, Any] | None:
        found = sorted((b for b in self.batches[store].values() if b.sku == sku), key=lambda b: (b.expiry, b.series))
        if not found:
            return None
        return {
            "sku": sku,
            "name": found[0].name,
            **self.products.get(store, {}).get(sku, {}),
            "batches": [
                {
                    "series": b.series,
                    "expiry": _iso(b.expiry),
                    "quantity": b.quantity,
                    "reserved": b.reserved,
                    "gtin": b.gtin,
                    "location": b.location,
                }
                for b in found
            ],
        }

    def reserve(self, body: dict[str, Any]) -> dict[str, Any]:
        store, key = self._store(body), _text(body, "order_key")
        wanted = _lines(body)
        min_expiry = _date(body, "min_expiry")
        order = self.orders.get((store, key))
        if order is not None:
            return self._reservation(store, key, order, replayed=True)
        order = RefOrder(state="reserved", requested=wanted)
        for sku, n in wanted.items():
            self._hold(store, order, sku, n, min_expiry)
        self.orders[(store, key)] = order
        return self._reservation(store, key, order, replayed=False)

    def adjust(self, body: dict[str, Any]) -> dict[str, Any]:
        store, key = self._store(body), _text(body, "order_key")
        wanted = _lines(body)
        min_expiry = _date(body, "min_expiry")
        order = self.orders.get((store, key))
        if order is not None and order.state != "reserved":
            return {"reservation": self._reservation(store, key, order, replayed=True)}
        known = order is not None
        if order is None:
            order = self.orders[(store, key)] = RefOrder(state="reserved", requested={})
        freed: list[dict[str, Any]] = []
        added: list[dict[str, Any]] = []
        stock = self.batches[store]
        for sku in sorted(set(wanted) | {k[0] for k in order.held}):
            held = [self._slot(stock[k], n) for k, n in order.held.items() if k[0] == sku]
            have = sum(s.quantity for s in held)
            target = wanted.get(sku, 0)
            if target < have:
                for slot, n in give_back(held, have - target):
                    stock[slot.key].reserved -= n
                    self._unhold(order, slot.key, n)
                    freed.append(self._packs(stock[slot.key], n))
            elif target > have:
                added += self._hold(store, order, sku, target - have, min_expiry)
        order.requested = wanted
        reservation = self._reservation(store, key, order, replayed=known and not freed and not added)
        return {"reservation": reservation, "freed": freed, "added": added}

    def release(self, body: dict[str, Any]) -> dict[str, Any]:
        store, key = self._store(body), _text(body, "order_key")
        order = self.orders.get((store, key))
        if order is None:
            self.orders[(store, key)] = RefOrder(state="released", requested={})
            return {"store": store, "order_key": key, "state": "released", "freed": [], "replayed": False}
        if order.state != "reserved":
            return {"store": store, "order_key": key, "state": order.state, "freed": [], "replayed": True}
        stock = self.batches[store]
        freed = []
        for k, n in sorted(order.held.items()):
            stock[k].reserved -= n
            freed.append(self._packs(stock[k], n))
        order.held.clear()
        order.state = "released"
        return {"store": store, "order_key": key, "state": "released", "freed": freed, "replayed": False}

    def commit(self, body: dict[str, Any]) -> dict[str, Any]:
        store, key = self._store(body), _text(body, "order_key")
        wanted = _lines(body)
        today = _date(body, "today")
        order = self.orders.get((store, key))
        if order is not None and order.state == "committed":
            return self._commit_answer(store, key, order, released=[], replayed=True)
        if order is None:
            order = self.orders[(store, key)] = RefOrder(state="released", requested=wanted)
        stock = self.batches[store]
        released: list[dict[str, Any]] = []
        for sku in sorted(set(wanted) | {k[0] for k in order.held}):
            held = [self._slot(stock[k], min(n, stock[k].quantity)) for k, n in order.held.items() if k[0] == sku]
            full = {k: n for k, n in order.held.items() if k[0] == sku}
            free = [self._slot(b, b.quantity - b.reserved) for b in stock.values() if b.sku == sku]
            from_held, from_free, missing = take_for_sale(held, free, wanted.get(sku, 0), today)
            taken = {slot.key: n for slot, n in from_held}
            for k, n in full.items():
                sold = taken.get(k, 0)
                stock[k].reserved -= n
                stock[k].quantity -= sold
                if n > sold:
                    released.append(self._packs(stock[k], n - sold))
                del order.held[k]
            for slot, n in from_free:
                stock[slot.key].quantity -= n
            order.sold += [(slot.key, n) for slot, n in from_held + from_free]
            if missing:
                order.unmatched[sku] = missing
        self._receipts += 1
        order.state = "committed"
        order.requested = wanted
        order.document = {"type": "ЧекККМ", "number": f"0000-{self._receipts:06d}", "date": _iso(today)}
        return self._commit_answer(store, key, order, released=released, replayed=False)

    def reservation(self, body: dict[str, Any]) -> dict[str, Any]:
        store, key = self._store(body), _text(body, "order_key")
        order = self.orders.get((store, key))
        if order is None:
            return {"found": False}
        return {"found": True, "reservation": self._reservation(store, key, order, replayed=True)}

    def series(self, body: dict[str, Any]) -> dict[str, Any]:
        store = self._store(body)
        gtin, serial = _text(body, "gtin"), _text(body, "serial")
        found = self.serials.get((store, gtin, serial))
        if found is None:
            return {"found": False}
        sku, series = found
        batch = next((b for b in self.batches[store].values() if b.sku == sku and b.series == series), None)
        return {
            "found": True,
            "sku": sku,
            "series": series,
            "expiry": _iso(batch.expiry) if batch is not None else None,
        }

    # --- helpers -----------------------------------------------------------------------------

    def _store(self, body: dict[str, Any]) -> str:
        store = _text(body, "store")
        if store not in self.batches:
            raise ContractError(404, "unknown_store", f"Аптека «{store}» не сопоставлена складу 1С")
        return store

    @staticmethod
    def _slot(b: RefBatch, quantity: int) -> Slot[BatchKey]:
        return Slot(
            key=b.key,
            sku=b.sku,
            series=b.series,
            expiry=b.expiry,
            quantity=quantity,
            gtin=b.gtin,
            location=b.location or None,
        )

    @staticmethod
    def _packs(b: RefBatch, n: int) -> dict[str, Any]:
        return {
            "sku": b.sku,
            "series": b.series,
            "expiry": _iso(b.expiry),
            "quantity": n,
            "gtin": b.gtin,
            "location": b.location,
        }

    def _hold(self, store: str, order: RefOrder, sku: str, n: int, min_expiry: date) -> list[dict[str, Any]]:
        stock = self.batches[store]
        free = [self._slot(b, b.quantity - b.reserved) for b in stock.values() if b.sku == sku]
        takes, _ = take_fefo(free, n, min_expiry)
        for slot, k in takes:
            stock[slot.key].reserved += k
            order.held[slot.key] = order.held.get(slot.key, 0) + k
        return [self._packs(stock[slot.key], k) for slot, k in takes]

    @staticmethod
    def _unhold(order: RefOrder, key: BatchKey, n: int) -> None:
        order.held[key] -= n
        if order.held[key] <= 0:
            del order.held[key]

    def _reservation(self, store: str, key: str, order: RefOrder, *, replayed: bool) -> dict[str, Any]:
        lines = []
        if order.state == "reserved":
            stock = self.batches[store]
            skus = list(order.requested) + sorted({k[0] for k in order.held} - set(order.requested))
            for sku in skus:
                held = sorted((k for k in order.held if k[0] == sku), key=lambda k: (stock[k].expiry, k[1], k[2]))
                lines.append(
                    {
                        "sku": sku,
                        "requested": order.requested.get(sku, 0),
                        "batches": [
                            {k2: v for k2, v in self._packs(stock[k], order.held[k]).items() if k2 != "sku"}
                            for k in held
                        ],
                    }
                )
        return {"store": store, "order_key": key, "state": order.state, "lines": lines, "replayed": replayed}

    def _commit_answer(
        self, store: str, key: str, order: RefOrder, *, released: list[dict[str, Any]], replayed: bool
    ) -> dict[str, Any]:
        stock = self.batches[store]
        return {
            "store": store,
            "order_key": key,
            "state": "committed",
            "sold": [self._packs(stock[k], n) for k, n in order.sold],
            "released": released,
            "unmatched": [{"sku": s, "quantity": n} for s, n in order.unmatched.items()],
            "document": order.document,
            "replayed": replayed,
        }


def _text(body: dict[str, Any], name: str) -> str:
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise ContractError(400, "bad_request", f"поле {name} должно быть непустой строкой")
    return value


def _str_list(body: dict[str, Any], name: str) -> list[str]:
    value = body.get(name)
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ContractError(400, "bad_request", f"поле {name} должно быть списком строк")
    return value


def _date(body: dict[str, Any], name: str) -> date:
    try:
        return date.fromisoformat(_text(body, name)[:10])
    except ValueError:
        raise ContractError(400, "bad_request", f"поле {name} должно быть датой ГГГГ-ММ-ДД") from None


def _lines(body: dict[str, Any]) -> dict[str, int]:
    lines = body.get("lines")
    if not isinstance(lines, list):
        raise ContractError(400, "bad_request", "поле lines должно быть списком")
    wanted: dict[str, int] = {}
    for line in lines:
        if not isinstance(line, dict):
            raise ContractError(400, "bad_request", "строка lines должна быть объектом")
        sku, n = _text(line, "sku"), line.get("quantity")
        if not isinstance(n, int) or isinstance(n, bool) or n < 0:
            raise ContractError(400, "bad_request", f"{sku}: quantity должно быть целым >= 0")
        wanted[sku] = wanted.get(sku, 0) + n
    return wanted
