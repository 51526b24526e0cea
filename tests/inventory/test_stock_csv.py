"""The stock CSV format and the sample file other tests rely on."""

from __future__ import annotations

from datetime import date

import pytest

from pharmacy_desk.inventory import StockCsvError
from pharmacy_desk.inventory.embedded import parse_stock_csv, read_stock_csv
from pharmacy_desk.inventory.gtin import normalize_gtin
from tests.inventory.inventory_support import SAMPLE_CSV, TODAY

HEADER = "sku;name;gtin;series;expiry;quantity;location\n"


def parse(text: str) -> list[tuple[str, str, date, int, str | None, str]]:
    return [(r.sku, r.series, r.expiry, r.quantity, r.gtin, r.location) for r in parse_stock_csv(text.encode())]


def problems(raw: str | bytes) -> list[str]:
    with pytest.raises(StockCsvError) as caught:
        parse_stock_csv(raw.encode() if isinstance(raw, str) else raw, name="stock.csv")
    assert "ничего не изменено" in str(caught.value)
    return list(caught.value.problems)


def test_semicolons_with_a_bom_and_a_dotted_date() -> None:
    text = "\ufeff" + HEADER + "100234;Нурофен таб. п/о 200мг №20;04600714356057;NF1;30.06.2027;5;А1-02\n"
    assert parse(text) == [("100234", "NF1", date(2027, 6, 30), 5, "04600714356057", "А1-02")]


def test_commas_any_column_order_extra_columns_and_quoted_names() -> None:
    text = (
        "Quantity, SKU ,name,expiry,series,gtin,location,price\n"
        '3,100780,"Кардиомагнил таб. п/о 75мг+15,2мг №30",2028-06-30,CM1,,,199.00\n'
        "\n"
        "0,100801,Терафлю,2027-09-30,TF1,4601591004567,В2-01,1\n"
    )
    assert parse(text) == [
        ("100780", "CM1", date(2028, 6, 30), 3, None, ""),
        ("100801", "TF1", date(2027, 9, 30), 0, "04601591004567", "В2-01"),
    ]


def test_every_bad_line_is_reported_with_its_number() -> None:
    text = (
        HEADER
        + "100234;Нурофен;04600714356057;NF1;2027-06-30;5;\n"  # line 2: fine
        + "100235;;04600714356058;NF2;2027-13-01;-1;\n"  # line 3: no name, bad GTIN, bad date, negative
        + "100236;Но-шпа;;NS1;2027-01-01;два;\n"  # line 4: not a number
        + "100234;Нурофен;;NF1;2027-06-30;1;\n"  # line 5: the same batch again
        + "100237;Цитрамон;;CT1;2027-01-01\n"  # line 6: a column short
    )
    found = problems(text)
    assert found == [
        "строка 3: пустое поле наименование (name)",
        "строка 3: GTIN «04600714356058» неверный (нужно 8–14 цифр с верной контрольной)",
        "строка 3: срок годности «2027-13-01» — не дата (нужно ГГГГ-ММ-ДД)",
        "строка 3: количество -1 меньше нуля",
        "строка 4: количество «два» — не целое число упаковок",
        "строка 5: партия 100234 / серия NF1 уже была в строке 2",
        "строка 6: 5 значений вместо 7 (лишний или пропущенный разделитель?)",
    ]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("", "строка 1: нет заголовка"),
        ("sku;name;series;expiry;quantity\n1;a;b;2027-01-01;1\n", "строка 1: нет столбцов gtin, location"),
        (HEADER, "в файле нет ни одной строки с остатками"),
        (HEADER.encode() + "1;Анальгин;;A;2027-01-01;1;\n".encode("cp1251"), "не в кодировке UTF-8"),
        ("sku;sku;name;gtin;series;expiry;quantity;location\n", "столбец sku указан дважды"),
    ],
)
def test_a_file_that_cannot_be_read_says_why(raw: str | bytes, expected: str) -> None:
    assert any(expected in p for p in problems(raw))


def test_a_missing_file_is_a_csv_error(tmp_path: object) -> None:
    with pytest.raises(StockCsvError, match="файл не прочитан"):
        read_stock_csv(f"{tmp_path}/nope.csv")


def test_the_sample_stock_is_realistic_and_valid() -> None:
    rows = read_stock_csv(SAMPLE_CSV)
    by_sku: dict[str, list[object]] = {}
    for row in rows:
        by_sku.setdefault(row.sku, []).append(row)
        assert row.gtin is not None and row.gtin.startswith("046") and len(row.gtin) == 14
        assert normalize_gtin(row.gtin) == row.gtin
    names = {r.sku: r.name for r in rows}
    assert names["100234"] == "Нурофен таб. п/о 200мг №20"
    assert names["100777"] == "Аспирин Кардио 100мг №28"
    assert names["100301"] == "Амоксиклав таб. п/о 875+125мг №14"
    assert len(by_sku) >= 30
    assert sum(1 for batches in by_sku.values() if len(batches) >= 2) >= 20
    assert any(r.expiry < TODAY for r in rows)  # expired
    assert any(0 <= (r.expiry - TODAY).days < 30 for r in rows)  # short-dated
    assert any(r.quantity == 0 for r in rows)  # out of stock
    assert len({r.gtin for r in rows}) == len(by_sku)  # one GTIN per product
