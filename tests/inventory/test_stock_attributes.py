"""Product attributes per SKU (issue 14, item 1): the stock file's optional columns, the embedded
tables, the 1C contract, and the stock file written back (round trip)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from pharmacy_desk.domain.product import Dispensing, ProductAttributes, Storage
from pharmacy_desk.inventory import Operation, StockCsvError, StockUnavailable, UnavailableKind
from pharmacy_desk.inventory.embedded import EmbeddedStock, ImportMode, StockRow, import_rows, parse_stock_csv
from pharmacy_desk.inventory.embedded.csv_format import format_stock_csv, read_stock_csv
from pharmacy_desk.inventory.embedded.importer import export_rows
from pharmacy_desk.inventory.onec import OneCStock
from pharmacy_desk.inventory.onec.stub import OneCStub
from pharmacy_desk.relay.stock.cli import main as stock_main
from tests.inventory.inventory_support import SAMPLE_CSV, Bench, new_store, onec_settings, shelf_life

HEADER = "sku;name;gtin;series;expiry;quantity;location;marked;dispensing;storage;inn;form;dose;pack_size;shelf_price\n"
NUROFEN = "100234"
PANTHENOL = "102110"
HUMALOG = "102210"


def _rows(text: str) -> list[StockRow]:
    return parse_stock_csv(text.encode(), name="stock.csv")


def _problems(text: str) -> list[str]:
    with pytest.raises(StockCsvError) as caught:
        _rows(text)
    assert "ничего не изменено" in str(caught.value)
    return list(caught.value.problems)


def test_the_columns_are_parsed_per_sku_and_an_empty_cell_says_nothing() -> None:
    rows = _rows(
        HEADER
        + "100234;Нурофен;04600714356057;NF1;2027-06-30;5;А1;да;OTC;Room;Ибупрофен;таблетки п/о;200 мг;20;199,99\n"
        + "100234;Нурофен;04600714356057;NF2;2028-03-31;1;А1;;;;;;;;\n"  # the SKU's values from line 2
        + "102210;Хумалог;04601709002218;HM1;2027-10-31;3;Х1;1;rx;cold;Инсулин лизпро;раствор;100 МЕ/мл;5;1890\n"
        + "102110;Пантенол;04601707002180;PT1;2027-06-30;4;В6;нет;;;;;;;\n"
    )
    nurofen = ProductAttributes(
        marked=True,
        dispensing=Dispensing.OTC,
        storage=Storage.ROOM,
        inn="Ибупрофен",
        form="таблетки п/о",
        dose="200 мг",
        pack_size=20,
        shelf_price=Decimal("199.99"),
    )
    assert [r.attributes for r in rows[:2]] == [nurofen, nurofen]
    humalog = rows[2].attributes
    assert (humalog.dispensing, humalog.storage, humalog.shelf_price) == (Dispensing.RX, Storage.COLD, Decimal("1890"))
    assert rows[3].attributes == ProductAttributes(marked=False)


def test_without_the_columns_nothing_is_said() -> None:
    rows = _rows("sku;name;gtin;series;expiry;quantity;location\n100234;Нурофен;;NF1;2027-06-30;5;\n")
    assert rows[0].attributes.empty and rows[0].attributes.marked is None


def test_conflicting_values_of_one_sku_are_refused_with_both_line_numbers() -> None:
    found = _problems(
        "sku;name;gtin;series;expiry;quantity;location;marked;storage;shelf_price\n"
        "100234;Нурофен;;NF1;2027-06-30;5;А1;1;room;199.99\n"  # line 2
        "100777;Аспирин;;AK1;2027-06-30;5;А2;1;room;145.50\n"  # line 3
        "100234;Нурофен;;NF2;2028-06-30;5;А1;0;cold;199.99\n"  # line 4: marked and storage differ
        "100234;Нурофен;;NF3;2028-07-31;5;А1;;;189.99\n"  # line 5: another price
    )
    assert found == [
        "строка 4: 100234: маркировка (marked) «нет», а в строке 2 «да» (у товара одно значение)",
        "строка 4: 100234: хранение (storage) «cold», а в строке 2 «room» (у товара одно значение)",
        "строка 5: 100234: цена в аптеке (shelf_price) «189.99», а в строке 2 «199.99» (у товара одно значение)",
    ]


def test_bad_values_are_reported_like_the_other_columns() -> None:
    found = _problems(
        "sku;name;gtin;series;expiry;quantity;location;marked;dispensing;storage;pack_size;shelf_price;inn\n"
        "1;А;;S1;2027-06-30;5;;может;рецепт;fridge;0;12.345;" + "М" * 201 + "\n"
        "2;Б;;S2;2027-06-30;5;;1;otc;room;двадцать;-5;Парацетамол\n"
    )
    assert found == [
        "строка 2: маркировка (marked) «может» — нужно да или нет (1 / 0)",
        "строка 2: отпуск (dispensing) «рецепт» — нужно одно из: otc, rx, narcotic, psychotropic, alcohol, no_remote",
        "строка 2: хранение (storage) «fridge» — нужно одно из: room, cool, cold",
        "строка 2: МНН (inn) длиннее 200 символов",
        "строка 2: количество в упаковке (pack_size) «0» — нужно целое число больше нуля",
        "строка 2: цена в аптеке (shelf_price) «12.345» — нужна цена в рублях, например 199.90",
        "строка 3: количество в упаковке (pack_size) «двадцать» — нужно целое число больше нуля",
        "строка 3: цена в аптеке (shelf_price) «-5» — нужна цена в рублях, например 199.90",
    ]


def test_the_sample_stock_says_what_each_product_is() -> None:
    rows = read_stock_csv(SAMPLE_CSV)
    products = {r.sku: r.attributes for r in rows}
    assert all(a.marked is not None and a.dispensing and a.storage and a.shelf_price for a in products.values())
    assert {sku for sku, a in products.items() if not a.marked} == {"101300", "101800", PANTHENOL}
    assert {sku for sku, a in products.items() if a.dispensing is not Dispensing.OTC} >= {"100301", HUMALOG}
    assert {sku for sku, a in products.items() if a.storage is Storage.COLD} >= {"102200", HUMALOG}
    assert any(a.storage is Storage.COOL for a in products.values())
    assert any(a.dispensing is Dispensing.ALCOHOL for a in products.values())
    same = [a for a in products.values() if (a.inn, a.form, a.dose) == ("Ибупрофен", "таблетки п/о", "200 мг")]
    assert len(same) == 3  # Нурофен №20 and №10, a cheaper ibuprofen №50: substitutes by МНН, form and dose


def _without_lines(rows: list[StockRow]) -> list[StockRow]:
    return sorted((replace(r, line=0) for r in rows), key=lambda r: (r.sku, r.expiry, r.series, r.location))


async def test_the_stock_file_round_trips_through_the_database(engine: AsyncEngine, store: str) -> None:
    rows = read_stock_csv(SAMPLE_CSV)
    await import_rows(engine, store, rows)

    exported = await export_rows(engine, store)
    assert _without_lines(exported) == _without_lines(rows)
    text = format_stock_csv(exported)
    assert text.splitlines()[0] == HEADER.strip()
    again = parse_stock_csv(text.encode())
    assert _without_lines(again) == _without_lines(rows)
    assert format_stock_csv(again) == text
    report = await import_rows(engine, store, again)  # importing the export changes nothing
    assert (report.added, report.removed, report.warnings) == (0, 0, [])
    assert format_stock_csv(await export_rows(engine, store)) == text


async def test_the_embedded_stock_answers_the_attributes(engine: AsyncEngine, store: str) -> None:
    await import_rows(engine, store, read_stock_csv(SAMPLE_CSV))
    stock = await EmbeddedStock(engine).stock(store, [NUROFEN, PANTHENOL, "nope"])
    assert stock[NUROFEN].marked and stock[NUROFEN].attributes.inn == "Ибупрофен"
    assert not stock[PANTHENOL].marked and stock[PANTHENOL].gtins == ("04601707002180",)
    assert stock["nope"].attributes.empty and not stock["nope"].marked


async def test_replace_and_merge_of_the_attributes(engine: AsyncEngine, store: str) -> None:
    source = EmbeddedStock(engine)
    full = _rows(HEADER + "100234;Нурофен;;NF1;2027-06-30;5;А1;1;otc;room;Ибупрофен;таблетки п/о;200 мг;20;199.99\n")
    await import_rows(engine, store, full)
    price_only = _rows(
        "sku;name;gtin;series;expiry;quantity;location;shelf_price\n100234;Нурофен;;NF1;2027-06-30;5;А1;179\n"
    )

    await import_rows(engine, store, price_only, mode=ImportMode.MERGE)  # merge: only what the file says changes
    merged = (await source.stock(store, [NUROFEN]))[NUROFEN].attributes
    assert merged == full[0].attributes.model_copy(update={"shelf_price": Decimal("179.00")})

    await import_rows(engine, store, price_only)  # replace: the file is the truth, the rest is unsaid
    assert (await source.stock(store, [NUROFEN]))[NUROFEN].attributes == ProductAttributes(shelf_price=Decimal("179"))

    other = _rows("sku;name;gtin;series;expiry;quantity;location;marked\n100777;Аспирин;;AK1;2027-06-30;5;А2;1\n")
    await import_rows(engine, store, other)  # Нурофен left the stock: its attributes go with it
    assert (await source.stock(store, [NUROFEN]))[NUROFEN].attributes.empty


def test_stock_export_writes_a_file_that_imports_back(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}"
    from pharmacy_desk.relay.cli import main as relay_main

    config = tmp_path / "relay.toml"
    config.write_text(
        f'database_url = "{db}"\n[webhook_auth]\nclient_token = "t"\n[[stores]]\nkey = "s1"\nname = "А"\n',
        encoding="utf-8",
    )
    assert relay_main(["--config", str(config), "migrate"]) == 0
    assert stock_main(["import", "--store", "s1", "--database-url", db, SAMPLE_CSV]) == 0
    out = tmp_path / "export.csv"
    assert stock_main(["export", "--store", "s1", "--database-url", db, "--output", str(out)]) == 0
    assert "партий 72 записано" in capsys.readouterr().out
    assert _without_lines(read_stock_csv(out)) == _without_lines(read_stock_csv(SAMPLE_CSV))
    assert stock_main(["export", "--store", "s1", "--database-url", db]) == 0
    assert capsys.readouterr().out == out.read_text(encoding="utf-8")


async def test_every_source_answers_the_attributes(bench: Bench) -> None:
    stock = await bench.source.stock(bench.store, [NUROFEN, PANTHENOL, HUMALOG])
    expected = {r.sku: r.attributes for r in read_stock_csv(SAMPLE_CSV)}
    for sku in (NUROFEN, PANTHENOL, HUMALOG):
        assert stock[sku].attributes == expected[sku], sku
    assert [stock[s].marked for s in (NUROFEN, PANTHENOL, HUMALOG)] == [True, False, True]
    assert stock[HUMALOG].attributes.shelf_price == Decimal("1890.00")  # 1C sends a JSON number


async def test_1c_attributes_that_break_the_contract_are_not_believed(
    onec_stub: tuple[OneCStub, str], sample_rows: list[StockRow]
) -> None:
    stub, url = onec_stub
    store = new_store()
    stub.load(store, sample_rows)
    stub.one_c.products[store][NUROFEN] = {"dispensing": "рецептурный"}
    source = OneCStock(onec_settings(url), shelf_life(store))
    try:
        with pytest.raises(StockUnavailable) as caught:
            await source.stock(store, [NUROFEN])
        assert (caught.value.kind, caught.value.operation) == (UnavailableKind.BAD_ANSWER, Operation.STOCK)
        stub.one_c.products[store][NUROFEN] = {"marked": None, "dispensing": "RX", "pack_size": 20.0, "inn": ""}
        attributes = (await source.stock(store, [NUROFEN]))[NUROFEN].attributes
        assert attributes == ProductAttributes(dispensing=Dispensing.RX, pack_size=20)  # null and "" say nothing
    finally:
        await source.aclose()
