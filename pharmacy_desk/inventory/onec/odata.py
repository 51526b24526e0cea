"""Reading stock and expiry through 1C's standard OData interface (read-only).

Three requests per read, each with the adapter's deadline (names from :class:`ODataSettings`):

1. ``Catalog_Номенклатура?$filter=Code eq '100234' or …&$select=Ref_Key,Code,Description``: SKU → item;
2. ``AccumulationRegister_ТоварыНаСкладах/Balance(Condition='Склад_Key eq guid''…'' and (…)',
   Dimensions='Номенклатура,Серия')``: balance per item and series (field ``КоличествоBalance``),
   and the same on the extension's reserve register when ``reserve_register`` is set;
3. ``Catalog_СерииНоменклатуры?$filter=Ref_Key eq guid'…' or …&$select=Ref_Key,Номер,ГоденДо``.

A balance row without a series (the empty GUID) cannot be sold FEFO and is left out; a negative
balance counts as zero. GTIN and shelf location are not read through OData.

Product attributes come from the items catalogue's own fields named in ``item_attributes`` (read in
request 1): Булево ``marked``; ``dispensing`` as one of our values or a Булево "by prescription"
flag (``true``: ``rx``, ``false``: ``otc``); ``storage`` as one of our values; ``inn``, ``form``,
``dose`` as text; ``pack_size`` a whole number. A value that is none of these is a bad answer.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import date
from typing import Any

from pydantic import TypeAdapter, ValidationError

from pharmacy_desk.domain.product import NO_ATTRIBUTES, Dispensing, ProductAttributes
from pharmacy_desk.inventory.errors import Operation, StockUnavailable, UnavailableKind
from pharmacy_desk.inventory.models import SkuStock, StockBatch
from pharmacy_desk.inventory.onec.settings import ODataSettings
from pharmacy_desk.inventory.onec.transport import SOURCE_RU, OneCTransport
from pharmacy_desk.inventory.onec.wire import WireDate

EMPTY_REF = "00000000-0000-0000-0000-000000000000"
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
_CHUNK = 20
_DATE: TypeAdapter[date] = TypeAdapter(WireDate)


def quote(text: str) -> str:
    """An OData string literal."""
    return "'" + text.replace("'", "''") + "'"


def guid(ref: str) -> str:
    if not _GUID.match(ref):
        raise ValueError(f"not a GUID: {ref!r}")
    return f"guid'{ref}'"


def chunks(items: Sequence[str], size: int = _CHUNK) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class ODataStockReader:
    """``stock(store, skus)`` from the standard OData interface."""

    def __init__(self, transport: OneCTransport, settings: ODataSettings) -> None:
        self._http = transport
        self._s = settings

    async def stock(self, store: str, skus: Iterable[str]) -> dict[str, SkuStock]:
        wanted = list(dict.fromkeys(skus))
        warehouse = self._s.warehouses.get(store)
        if warehouse is None or not _GUID.match(warehouse):
            raise StockUnavailable(
                UnavailableKind.REFUSED,
                Operation.STOCK,
                source=SOURCE_RU,
                detail=f"для аптеки {store} не задан склад 1С (odata.warehouses)",
            )
        items = await self._items(wanted)  # ref → (sku, name, attributes)
        refs = list(items)
        on_hand = await self._balance(self._s.stock_register, warehouse, refs)
        reserved = await self._balance(self._s.reserve_register, warehouse, refs) if self._s.reserve_register else {}
        series = await self._series(sorted({s for (_, s) in on_hand if s != EMPTY_REF}))
        per_sku: dict[str, list[StockBatch]] = {sku: [] for sku in wanted}
        names = {sku: name for sku, name, _ in items.values()}
        attributes = {sku: attrs for sku, _, attrs in items.values()}
        for (item_ref, series_ref), quantity in sorted(on_hand.items()):
            if series_ref == EMPTY_REF or series_ref not in series or item_ref not in items:
                continue
            number, expiry = series[series_ref]
            per_sku[items[item_ref][0]].append(
                StockBatch(
                    series=number,
                    expiry=expiry,
                    quantity=max(0, quantity),
                    reserved=max(0, reserved.get((item_ref, series_ref), 0)),
                )
            )
        return {
            sku: SkuStock(
                sku=sku,
                name=names.get(sku, ""),
                batches=tuple(sorted(b, key=lambda x: (x.expiry, x.series))),
                attributes=attributes.get(sku, NO_ATTRIBUTES),
            )
            for sku, b in per_sku.items()
        }

    async def _collection(self, resource: str, params: Mapping[str, str]) -> list[dict[str, Any]]:
        url = f"{self._s.base_url}/{resource}"
        data = await self._http.get_json(Operation.STOCK, url, {"$format": "json", **params})
        rows = data.get("value") if isinstance(data, dict) else None
        if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
            raise self._http.fail(Operation.STOCK, UnavailableKind.BAD_ANSWER, f"{resource}: нет списка value")
        return rows

    async def _items(self, skus: Sequence[str]) -> dict[str, tuple[str, str, ProductAttributes]]:
        s = self._s
        found: dict[str, tuple[str, str, ProductAttributes]] = {}
        fields = ",".join(["Ref_Key", s.sku_field, s.name_field, *dict.fromkeys(s.item_attributes.values())])
        for part in chunks(skus):
            rows = await self._collection(
                f"Catalog_{s.items_catalog}",
                {
                    "$filter": " or ".join(f"{s.sku_field} eq {quote(sku)}" for sku in part),
                    "$select": fields,
                },
            )
            for row in rows:
                ref, sku = row.get("Ref_Key"), row.get(s.sku_field)
                if not isinstance(ref, str) or not isinstance(sku, str) or not _GUID.match(ref):
                    raise self._bad(f"Catalog_{s.items_catalog}: строка без Ref_Key или {s.sku_field}")
                found[ref] = (sku.strip(), str(row.get(s.name_field) or ""), self._attributes(row))
        return found

    def _attributes(self, row: Mapping[str, Any]) -> ProductAttributes:
        values: dict[str, Any] = {}
        for name, field in self._s.item_attributes.items():
            value = row.get(field)
            if value is None or value == "":
                continue
            if name == "dispensing" and isinstance(value, bool):
                value = Dispensing.RX if value else Dispensing.OTC
            elif isinstance(value, str) and name in ("dispensing", "storage"):
                value = value.strip().lower()
            elif name == "pack_size" and isinstance(value, float) and value.is_integer():
                value = int(value)
            values[name] = value
        try:
            return ProductAttributes.model_validate(values, strict=False) if values else NO_ATTRIBUTES
        except ValidationError as exc:
            where = ", ".join(str(e["loc"][0]) for e in exc.errors() if e["loc"])
            raise self._bad(f"Catalog_{self._s.items_catalog}: неверное значение ({where})") from None

    async def _balance(
        self, register: str | None, warehouse: str, item_refs: Sequence[str]
    ) -> dict[tuple[str, str], int]:
        s = self._s
        result: dict[tuple[str, str], int] = {}
        if register is None:
            return result
        item_key, series_key = f"{s.item_dimension}_Key", f"{s.series_dimension}_Key"
        field = f"{s.quantity_resource}Balance"
        for part in chunks(item_refs):
            items = " or ".join(f"{item_key} eq {guid(ref)}" for ref in part)
            condition = f"{s.warehouse_dimension}_Key eq {guid(warehouse)} and ({items})"
            resource = (
                f"AccumulationRegister_{register}/Balance("
                f"Condition={quote(condition)},Dimensions={quote(f'{s.item_dimension},{s.series_dimension}')})"
            )
            for row in await self._collection(resource, {}):
                item, series, amount = row.get(item_key), row.get(series_key), row.get(field)
                if not isinstance(item, str) or not isinstance(series, str) or not isinstance(amount, (int, float)):
                    raise self._bad(f"{register}.Balance: строка без {item_key}, {series_key} или {field}")
                if isinstance(amount, float) and not amount.is_integer():
                    raise self._bad(f"{register}.Balance: дробное количество {amount}")
                result[(item, series)] = result.get((item, series), 0) + int(amount)
        return result

    async def _series(self, refs: Sequence[str]) -> dict[str, tuple[str, date]]:
        s = self._s
        found: dict[str, tuple[str, date]] = {}
        for part in chunks(refs):
            rows = await self._collection(
                f"Catalog_{s.series_catalog}",
                {
                    "$filter": " or ".join(f"Ref_Key eq {guid(ref)}" for ref in part),
                    "$select": f"Ref_Key,{s.series_number_field},{s.expiry_field}",
                },
            )
            for row in rows:
                ref, number = row.get("Ref_Key"), row.get(s.series_number_field)
                try:
                    expiry = _parse_date(row.get(s.expiry_field))
                except ValidationError:
                    raise self._bad(f"Catalog_{s.series_catalog}: {s.expiry_field} не дата") from None
                if not isinstance(ref, str) or not isinstance(number, str) or not number.strip():
                    raise self._bad(f"Catalog_{s.series_catalog}: строка без Ref_Key или {s.series_number_field}")
                if expiry.year <= 1:
                    continue  # 0001-01-01: 1C's empty date, a series without an expiry date
                found[ref] = (number.strip(), expiry)
        return found

    def _bad(self, detail: str) -> StockUnavailable:
        return self._http.fail(Operation.STOCK, UnavailableKind.BAD_ANSWER, detail)


def _parse_date(value: object) -> date:
    return _DATE.validate_python(value)
