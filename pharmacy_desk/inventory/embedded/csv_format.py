"""The stock CSV file (docs/stock-csv.md): parsed and checked in full before anything is imported.

Columns ``sku,name,gtin,series,expiry,quantity,location`` (header required, any order, case and
surrounding spaces ignored, other columns ignored); UTF-8 with or without a BOM; ``;`` or ``,`` as the
delimiter (whichever the header line uses). ``expiry`` is ``YYYY-MM-DD`` (``DD.MM.YYYY`` accepted);
``gtin`` and ``location`` may be empty. Every problem is reported with its line number, in Russian.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from pharmacy_desk.inventory.errors import StockCsvError
from pharmacy_desk.inventory.gtin import normalize_gtin

COLUMNS = ("sku", "name", "gtin", "series", "expiry", "quantity", "location")
REQUIRED = ("sku", "name", "series", "expiry", "quantity")
MAX_PROBLEMS = 50
_LIMITS = {"sku": 200, "name": 500, "series": 100, "location": 100}
_COLUMN_RU = {
    "sku": "артикул (sku)",
    "name": "наименование (name)",
    "series": "серия (series)",
    "location": "место хранения (location)",
}


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
    index = {c: header.index(c) for c in COLUMNS}
    rows: list[StockRow] = []
    seen: dict[tuple[str, str, str], int] = {}
    try:
        for record in reader:
            number = reader.line_num
            if not any(cell.strip() for cell in record):
                continue  # blank line
            row = _row(record, index, number, len(header), problems)
            if row is None:
                continue
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
    return rows


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
