"""The stock CSV file (docs/stock-csv.md): parsed and checked in full before anything is imported.

Columns ``sku,name,gtin,series,expiry,quantity,location`` (header required, any order, case and
surrounding spaces ignored, other columns ignored); UTF-8 with or without a BOM; ``;`` or ``,`` as the
delimiter (whichever the header line uses). ``expiry`` is ``YYYY-MM-DD`` (``DD.MM.YYYY`` accepted);
``gtin`` and ``location`` may be empty. Every problem is reported with its line number, in Russian.

Optional product columns (:data:`ATTRIBUTE_COLUMNS`, the names of
:class:`~pharmacy_desk.domain.product.ProductAttributes`): ``marked``, ``dispensing``, ``storage``,
``inn``, ``form``, ``dose``, ``pack_size``, ``shelf_price``. They describe the SKU, not the batch: an
empty cell says nothing, and two lines of one SKU with different values are refused (both line
numbers named). Every row carries its SKU's merged attributes.

:func:`format_stock_csv` writes rows back in the same format (``;``, every column), so a store's stock
read from the database (:func:`~.importer.export_rows`) parses back to the same rows.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pharmacy_desk.domain.money import money_str
from pharmacy_desk.domain.product import (
    ATTRIBUTE_FIELDS,
    NO_ATTRIBUTES,
    Dispensing,
    ProductAttributes,
    Storage,
)
from pharmacy_desk.inventory.errors import StockCsvError
from pharmacy_desk.inventory.gtin import normalize_gtin

COLUMNS = ("sku", "name", "gtin", "series", "expiry", "quantity", "location")
ATTRIBUTE_COLUMNS = ATTRIBUTE_FIELDS
"""Optional: the product's attributes (docs/stock-csv.md)."""
REQUIRED = ("sku", "name", "series", "expiry", "quantity")
MAX_PROBLEMS = 50
_LIMITS = {"sku": 200, "name": 500, "series": 100, "location": 100}
_TEXT_LIMITS = {"inn": 200, "form": 100, "dose": 100}
_COLUMN_RU = {
    "sku": "артикул (sku)",
    "name": "наименование (name)",
    "series": "серия (series)",
    "location": "место хранения (location)",
    "marked": "маркировка (marked)",
    "dispensing": "отпуск (dispensing)",
    "storage": "хранение (storage)",
    "inn": "МНН (inn)",
    "form": "форма выпуска (form)",
    "dose": "дозировка (dose)",
    "pack_size": "количество в упаковке (pack_size)",
    "shelf_price": "цена в аптеке (shelf_price)",
}
_YES = frozenset({"1", "да", "д", "yes", "y", "true", "+"})
_NO = frozenset({"0", "нет", "н", "no", "n", "false", "-"})


@dataclass(frozen=True, slots=True)
class StockRow:
    line: int  # line number in the file, the header being line 1
    sku: str
    name: str
    gtin: str | None
    series: str
    expiry: date
    quantity: int
    location: str  # "" when unknown
    attributes: ProductAttributes = NO_ATTRIBUTES  # the SKU's, merged over its lines

    @property
    def key(self) -> tuple[str, str, str]:
        return (self.sku, self.series, self.location)


def read_stock_csv(path: Path | str) -> list[StockRow]:
    """Read and check a stock file; raises :class:`StockCsvError` listing every bad line."""
    name = str(path)
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise StockCsvError(name, [f"файл не прочитан: {exc.strerror or exc}"]) from None
    return parse_stock_csv(raw, name=name)


def parse_stock_csv(raw: bytes, *, name: str = "<csv>") -> list[StockRow]:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise StockCsvError(
            name,
            [f"файл не в кодировке UTF-8 (байт {exc.start}); сохраните его как «CSV UTF-8»"],
        ) from None
    first = text.split("\n", 1)[0]
    if not first.strip():
        raise StockCsvError(name, ["строка 1: нет заголовка (sku;name;gtin;series;expiry;quantity;location)"])
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    problems: list[str] = []
    try:
        header = [h.strip().lower() for h in next(reader)]
    except csv.Error as exc:
        raise StockCsvError(name, [f"строка 1: {exc}"]) from None
    missing = [c for c in COLUMNS if c not in header]
    if missing:
        raise StockCsvError(name, [f"строка 1: нет столбцов {', '.join(missing)} (нужны: {', '.join(COLUMNS)})"])
    repeated = sorted({h for h in header if h in COLUMNS and header.count(h) > 1})
    if repeated:
        raise StockCsvError(name, [f"строка 1: столбец {', '.join(repeated)} указан дважды"])
    repeated = sorted({h for h in header if h in ATTRIBUTE_COLUMNS and header.count(h) > 1})
    if repeated:
        raise StockCsvError(name, [f"строка 1: столбец {', '.join(repeated)} указан дважды"])
    index = {c: header.index(c) for c in COLUMNS}
    extra = {c: header.index(c) for c in ATTRIBUTE_COLUMNS if c in header}
    rows: list[StockRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    products = _Products(problems)
    try:
        for record in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank line
            row = _row(record, index, number, len(header), problems)
            given = _attributes(record, extra, number, problems) if len(record) == len(header) else None
            if row is None or given is None:
                continue
            products.add(row.sku, number, given)
            first_line = seen.setdefault(row.key, number)
            if first_line != number:
                problems.append(
                    f"строка {number}: партия {row.sku} / серия {row.series}"
                    f"{' / ' + row.location if row.location else ''} уже была в строке {first_line}"
                )
                continue
            rows.append(row)
            if len(problems) >= MAX_PROBLEMS:
                break
    except csv.Error as exc:
        problems.append(f"строка {reader.line_num}: {exc}")
    if not rows and not problems:
        problems.append("в файле нет ни одной строки с остатками")
    if problems:
        raise StockCsvError(name, problems[:MAX_PROBLEMS])
    return [replace(row, attributes=products.merged(row.sku)) for row in rows] if extra else rows


class _Products:
    """Each SKU's attributes over its lines: the first line to give a field sets it, others must agree."""

    def __init__(self, problems: list[str]) -> None:
        self._problems = problems
        self._values: dict[str, dict[str, tuple[object, int]]] = {}

    def add(self, sku: str, line: int, given: dict[str, object]) -> None:
        known = self._values.setdefault(sku, {})
        for column, value in given.items():
            first = known.setdefault(column, (value, line))
            if first[0] != value:
                self._problems.append(
                    f"строка {line}: {sku}: {_COLUMN_RU[column]} «{_text(value)}», "
                    f"а в строке {first[1]} «{_text(first[0])}» (у товара одно значение)"
                )

    def merged(self, sku: str) -> ProductAttributes:
        values = {column: value for column, (value, _) in self._values.get(sku, {}).items()}
        return ProductAttributes.model_validate(values) if values else NO_ATTRIBUTES


def _attributes(record: list[str], extra: dict[str, int], number: int, problems: list[str]) -> dict[str, object] | None:
    """The attribute cells this line fills, parsed; None (and problems) when one is bad."""
    before = len(problems)
    found: dict[str, object] = {}
    for column, i in extra.items():
        text = record[i].strip()
        if not text:
            continue
        value = _attribute(column, text)
        if value is None and column in _TEXT_LIMITS:
            problems.append(f"строка {number}: {_COLUMN_RU[column]} длиннее {_TEXT_LIMITS[column]} символов")
        elif value is None:
            problems.append(f"строка {number}: {_COLUMN_RU[column]} «{text}» — {_EXPECTED[column]}")
        else:
            found[column] = value
    return None if len(problems) > before else found


_EXPECTED = {
    "marked": "нужно да или нет (1 / 0)",
    "dispensing": f"нужно одно из: {', '.join(d.value for d in Dispensing)}",
    "storage": f"нужно одно из: {', '.join(s.value for s in Storage)}",
    "pack_size": "нужно целое число больше нуля",
    "shelf_price": "нужна цена в рублях, например 199.90",
}


def _attribute(column: str, text: str) -> object | None:
    lowered = text.lower()
    if column == "marked":
        return True if lowered in _YES else False if lowered in _NO else None
    if column == "dispensing":
        return next((d for d in Dispensing if d.value == lowered), None)
    if column == "storage":
        return next((s for s in Storage if s.value == lowered), None)
    if column == "pack_size":
        return int(text) if re.fullmatch(r"[0-9]{1,6}", text) and int(text) > 0 else None
    if column == "shelf_price":
        return _price(text)
    return text if len(text) <= _TEXT_LIMITS[column] else None


def _price(text: str) -> Decimal | None:
    cleaned = text.replace("\u00a0", "").replace(" ", "").replace(",", ".")
    if not re.fullmatch(r"[0-9]{1,9}(\.[0-9]{1,2})?", cleaned):
        return None
    try:
        return Decimal(cleaned)
    except InvalidOperation:
        return None


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, Decimal):
        return money_str(value)
    return str(value)


def format_stock_csv(rows: Iterable[StockRow]) -> str:
    """The rows as a stock file (``;``-delimited, every column, product columns on every line)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, delimiter=";", lineterminator="\n")
    writer.writerow([*COLUMNS, *ATTRIBUTE_COLUMNS])
    for row in rows:
        attrs = row.attributes
        writer.writerow(
            [
                row.sku,
                row.name,
                row.gtin or "",
                row.series,
                row.expiry.isoformat(),
                row.quantity,
                row.location,
                *("" if (value := getattr(attrs, column)) is None else _cell(value) for column in ATTRIBUTE_COLUMNS),
            ]
        )
    return out.getvalue()


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, Decimal):
        return money_str(value)
    return str(value)


def _row(record: list[str], index: dict[str, int], number: int, width: int, problems: list[str]) -> StockRow | None:
    if len(record) != width:
        problems.append(f"строка {number}: {len(record)} значений вместо {width} (лишний или пропущенный разделитель?)")
        return None
    cell = {c: record[i].strip() for c, i in index.items()}
    before = len(problems)
    for column in REQUIRED:
        if not cell[column]:
            problems.append(f"строка {number}: пустое поле {_COLUMN_RU.get(column, column)}")
    for column, limit in _LIMITS.items():
        if len(cell[column]) > limit:
            problems.append(f"строка {number}: {_COLUMN_RU[column]} длиннее {limit} символов")
    gtin: str | None = None
    if cell["gtin"]:
        gtin = normalize_gtin(cell["gtin"])
        if gtin is None:
            problems.append(f"строка {number}: GTIN «{cell['gtin']}» неверный (нужно 8–14 цифр с верной контрольной)")
    expiry = _date(cell["expiry"]) if cell["expiry"] else None
    if cell["expiry"] and expiry is None:
        problems.append(f"строка {number}: срок годности «{cell['expiry']}» — не дата (нужно ГГГГ-ММ-ДД)")
    quantity: int | None = None
    if cell["quantity"]:
        if not re.fullmatch(r"-?[0-9]{1,9}", cell["quantity"]):
            problems.append(f"строка {number}: количество «{cell['quantity']}» — не целое число упаковок")
        elif int(cell["quantity"]) < 0:
            problems.append(f"строка {number}: количество {cell['quantity']} меньше нуля")
        else:
            quantity = int(cell["quantity"])
    if len(problems) > before or expiry is None or quantity is None:
        return None
    return StockRow(
        line=number,
        sku=cell["sku"],
        name=cell["name"],
        gtin=gtin,
        series=cell["series"],
        expiry=expiry,
        quantity=quantity,
        location=cell["location"],
    )


def _date(text: str) -> date | None:
    for fmt in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None
