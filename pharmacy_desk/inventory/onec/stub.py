"""A stub of the 1C extension's HTTP service and of 1C's standard OData, for tests and demos.

It serves :class:`~.reference.ReferenceOneC` over HTTP with Basic auth, exactly as
docs/1c-http-service.md says, plus the OData resources :mod:`.odata` reads. Faults can be switched on
per store and operation to play a 1C that is slow, refuses, or answers garbage: a fault with
``apply=True`` (the default) lets the operation happen first, the way a real 1C that committed and
then stalled behaves, so tests can prove that nothing is lost.
"""

from __future__ import annotations

import asyncio
import base64
import json
import re
import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI, Request, Response

from pharmacy_desk.inventory.embedded.csv_format import StockRow
from pharmacy_desk.inventory.onec.reference import ContractError, RefBatch, ReferenceOneC

ITEM_FIELDS = {
    "marked": "Маркируемый",
    "dispensing": "УсловияОтпуска",
    "storage": "УсловияХранения",
    "inn": "МНН",
    "form": "ЛекарственнаяФорма",
    "dose": "Дозировка",
    "pack_size": "КоличествоВУпаковке",
}
"""The stub's Catalog_Номенклатура fields for the product attributes (``ODataSettings.item_attributes``)."""

OPERATIONS = ("stock", "reserve", "adjust", "release", "commit", "reservation", "series", "equivalents")
_NS = uuid.UUID("6f1c0000-0000-4000-8000-00000000c0de")
_GUID = r"([0-9a-fA-F-]{36})"


@dataclass
class Fault:
    """How the next calls of one operation misbehave."""

    delay: float = 0.0  # seconds before answering
    status: int | None = None  # answer this status instead
    body: bytes | None = None  # answer this body instead (garbage)
    content_type: str = "application/json"
    apply: bool = True  # do the operation before misbehaving
    times: int | None = None  # how many calls it affects (None: until cleared)


def item_ref(sku: str) -> str:
    return str(uuid.uuid5(_NS, f"item:{sku}"))


def series_ref(sku: str, series: str) -> str:
    return str(uuid.uuid5(_NS, f"series:{sku}:{series}"))


class OneCStub:
    def __init__(self, username: str = "kuper", password: str = "secret") -> None:
        self.one_c = ReferenceOneC()
        self.username = username
        self.password = password
        self.faults: dict[tuple[str, str], Fault] = {}  # (store or "*", operation or "odata")
        self.warehouses: dict[str, str] = {}  # store → Склад Ref_Key
        self.calls: list[tuple[str, dict[str, Any]]] = []

    # --- set-up ------------------------------------------------------------------------------

    def load(self, store: str, rows: Iterable[StockRow]) -> None:
        rows = list(rows)
        products = {r.sku: _product_fields(r) for r in rows if not r.attributes.empty}
        self.one_c.add_store(
            store,
            [
                RefBatch(
                    sku=r.sku,
                    name=r.name,
                    series=r.series,
                    expiry=r.expiry,
                    location=r.location,
                    quantity=r.quantity,
                    gtin=r.gtin,
                )
                for r in rows
            ],
            products,
        )
        self.warehouses[store] = str(uuid.uuid5(_NS, f"warehouse:{store}"))

    def fault(self, store: str, operation: str, fault: Fault | None) -> None:
        if fault is None:
            self.faults.pop((store, operation), None)
        else:
            self.faults[(store, operation)] = fault

    # --- the app -----------------------------------------------------------------------------

    def app(self) -> FastAPI:
        app = FastAPI(openapi_url=None, docs_url=None, redoc_url=None)

        for op in OPERATIONS:
            app.add_api_route(f"/v1/{op}", self._endpoint(op), methods=["POST"])
        app.add_api_route("/odata/standard.odata/{resource:path}", self._odata, methods=["GET"])
        return app

    def _endpoint(self, op: str) -> Any:
        async def handle(request: Request) -> Response:
            if not self._authorized(request):
                return Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="1C"'})
            try:
                body = json.loads(await request.body())
                if not isinstance(body, dict):
                    raise ValueError("not an object")
            except ValueError:
                return _error(400, "bad_request", "тело запроса — не объект JSON")
            self.calls.append((op, body))
            store = str(body.get("store", ""))
            fault = self._take_fault(store, op)
            answer: Any = None
            try:
                if fault is None or fault.apply:
                    answer = getattr(self.one_c, op)(body)
                if fault is not None:
                    if fault.delay:
                        await asyncio.sleep(fault.delay)
                    if fault.status is not None or fault.body is not None:
                        return _raw(fault)
                    if answer is None:
                        answer = getattr(self.one_c, op)(body)
            except ContractError as exc:
                return _error(exc.status, exc.code, exc.message)
            return _json(answer)

        return handle

    async def _odata(self, resource: str, request: Request) -> Response:
        if not self._authorized(request):
            return Response(status_code=401, headers={"WWW-Authenticate": 'Basic realm="1C"'})
        fault = self._take_fault("*", "odata")
        if fault is not None:
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.status is not None or fault.body is not None:
                return _raw(fault)
        params = request.query_params
        if params.get("$format") != "json":
            return Response("<feed/>", media_type="application/atom+xml")
        rows = self._odata_rows(resource, params.get("$filter", ""))
        if rows is None:
            return _error(404, "not_found", f"ресурс {resource} не опубликован")
        return _json({"odata.metadata": "stub", "value": rows})

    def _odata_rows(self, resource: str, flt: str) -> list[dict[str, Any]] | None:
        everything = [b for batches in self.one_c.batches.values() for b in batches.values()]
        if resource == "Catalog_Номенклатура":
            skus = {m.replace("''", "'") for m in re.findall(r"Code eq '((?:[^']|'')*)'", flt)}
            names = {b.sku: b.name for b in everything if b.sku in skus}
            products = {sku: p for store in self.one_c.products.values() for sku, p in store.items()}
            return [
                {
                    "Ref_Key": item_ref(s),
                    "Code": s,
                    "Description": n,
                    **{ITEM_FIELDS[k]: v for k, v in products.get(s, {}).items() if k in ITEM_FIELDS},
                }
                for s, n in sorted(names.items())
            ]
        if resource == "Catalog_СерииНоменклатуры":
            refs = set(re.findall(rf"Ref_Key eq guid'{_GUID}'", flt))
            return [
                {"Ref_Key": series_ref(b.sku, b.series), "Номер": b.series, "ГоденДо": f"{b.expiry}T00:00:00"}
                for b in everything
                if series_ref(b.sku, b.series) in refs
            ]
        match = re.fullmatch(r"AccumulationRegister_(ТоварыНаСкладах|РезервыKuper)/Balance\((.*)\)", resource)
        if match is None:
            return None
        register, args = match.groups()
        warehouse = re.search(rf"Склад_Key eq guid''{_GUID}''", args)
        items = set(re.findall(rf"Номенклатура_Key eq guid''{_GUID}''", args))
        store = next((s for s, w in self.warehouses.items() if warehouse and w == warehouse.group(1)), None)
        if store is None:
            return []
        rows = []
        for b in self.one_c.batches[store].values():
            if item_ref(b.sku) not in items:
                continue
            amount = b.quantity if register == "ТоварыНаСкладах" else b.reserved
            rows.append(
                {
                    "Номенклатура_Key": item_ref(b.sku),
                    "Серия_Key": series_ref(b.sku, b.series),
                    "КоличествоBalance": amount,
                }
            )
        return rows

    # --- plumbing ----------------------------------------------------------------------------

    def _authorized(self, request: Request) -> bool:
        header = request.headers.get("authorization", "")
        if not header.lower().startswith("basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return secrets.compare_digest(user, self.username) and secrets.compare_digest(password, self.password)

    def _take_fault(self, store: str, op: str) -> Fault | None:
        for key in ((store, op), ("*", op)):
            fault = self.faults.get(key)
            if fault is None:
                continue
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    del self.faults[key]
            return fault
        return None


def _raw(fault: Fault) -> Response:
    return Response(content=fault.body or b"", status_code=fault.status or 200, media_type=fault.content_type)


def _json(data: Any) -> Response:
    return Response(json.dumps(data, ensure_ascii=False), media_type="application/json; charset=utf-8")


def _error(status: int, code: str, message: str) -> Response:
    return Response(
        json.dumps({"error": {"code": code, "message": message}}, ensure_ascii=False),
        status_code=status,
        media_type="application/json; charset=utf-8",
    )


def _product_fields(row: StockRow) -> dict[str, Any]:
    """A row's attributes as 1C's ``ЗаписатьJSON`` writes them: Булево, Строка, Число (price a number)."""
    fields: dict[str, Any] = {}
    for name, value in row.attributes.model_dump(mode="json", exclude_none=True).items():
        fields[name] = float(value) if name == "shelf_price" else value
    return fields
