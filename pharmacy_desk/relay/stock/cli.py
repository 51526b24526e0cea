"""``pharmacy-desk-relay stock …``: load a store's stock from CSV, look at it.

The relay CLI hands its ``stock`` arguments to :func:`main` (or the arguments after ``stock import``
to :func:`stock_import_main`)::

    pharmacy-desk-relay stock import --store apteka-12 [--merge] [--database-url URL] stock.csv
    pharmacy-desk-relay stock show --store apteka-12 [--database-url URL] 100234 100777
    pharmacy-desk-relay stock export --store apteka-12 [--database-url URL] [--output stock.csv]

``export`` writes the store's stock as a stock file (every column, the product columns included):
importing it back changes nothing.

The database is ``--database-url``, else ``$PHARMACY_DESK_RELAY__DATABASE_URL`` (the relay's own
setting). Exit codes: 0 done, 1 the file was refused (nothing imported), 2 usage or database problem.
Messages are in Russian: the pharmacy's administrator reads them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sqlalchemy.exc import DBAPIError

from pharmacy_desk.inventory.embedded.csv_format import format_stock_csv
from pharmacy_desk.inventory.embedded.importer import ImportMode, export_rows, import_csv
from pharmacy_desk.inventory.embedded.source import EmbeddedStock
from pharmacy_desk.inventory.errors import InventoryError, StockCsvError
from pharmacy_desk.relay.storage.db import create_engine

DATABASE_ENV = "PHARMACY_DESK_RELAY__DATABASE_URL"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pharmacy-desk-relay stock", description="Остатки аптек (встроенный склад)")
    commands = parser.add_subparsers(dest="command", required=True)
    load = commands.add_parser("import", help="загрузить остатки аптеки из CSV (docs/stock-csv.md)")
    _import_arguments(load)
    show = commands.add_parser("show", help="показать остатки по артикулам")
    show.add_argument("--store", required=True, help="ключ аптеки")
    show.add_argument("--database-url", help=f"база релея (по умолчанию ${DATABASE_ENV})")
    show.add_argument("skus", nargs="+", metavar="SKU")
    export = commands.add_parser("export", help="выгрузить остатки аптеки в CSV (тот же формат, что у import)")
    export.add_argument("--store", required=True, help="ключ аптеки")
    export.add_argument("--database-url", help=f"база релея (по умолчанию ${DATABASE_ENV})")
    export.add_argument("--output", "-o", help="файл (по умолчанию вывод на экран)")
    return parser


def _import_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--store", required=True, help="ключ аптеки")
    parser.add_argument("--database-url", help=f"база релея (по умолчанию ${DATABASE_ENV})")
    parser.add_argument(
        "--merge",
        action="store_true",
        help="изменить только партии из файла (по умолчанию файл заменяет все остатки аптеки)",
    )
    parser.add_argument("file", help="CSV: sku;name;gtin;series;expiry;quantity;location")


def main(argv: Sequence[str] | None = None) -> int:
    """``stock import …`` / ``stock show …``."""
    args = _parser().parse_args(list(sys.argv[1:] if argv is None else argv))
    return _dispatch(args)


def stock_import_main(argv: Sequence[str] | None = None) -> int:
    """Only the arguments of ``stock import``."""
    parser = argparse.ArgumentParser(prog="pharmacy-desk-relay stock import")
    _import_arguments(parser)
    args = parser.parse_args(list(sys.argv[1:] if argv is None else argv))
    args.command = "import"
    return _dispatch(args)


def _dispatch(args: argparse.Namespace) -> int:
    url = args.database_url or os.environ.get(DATABASE_ENV)
    if not url:
        print(f"Не указана база: --database-url или ${DATABASE_ENV}", file=sys.stderr)
        return 2
    try:
        if args.command == "import":
            return asyncio.run(
                _import(url, args.store, args.file, ImportMode.MERGE if args.merge else ImportMode.REPLACE)
            )
        if args.command == "export":
            return asyncio.run(_export(url, args.store, args.output))
        return asyncio.run(_show(url, args.store, args.skus))
    except StockCsvError as exc:
        print(str(exc), file=sys.stderr)
        return 1
    except InventoryError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except DBAPIError as exc:
        text = str(exc.orig)
        if "no such table" in text or "does not exist" in text:
            print("Таблицы склада не созданы: обновите базу релея (миграции).", file=sys.stderr)
        else:
            print(f"Ошибка базы данных: {text.splitlines()[0] if text else type(exc).__name__}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"База недоступна: {exc}", file=sys.stderr)
        return 2


async def _import(url: str, store: str, file: str, mode: ImportMode) -> int:
    engine = create_engine(url)
    try:
        report = await import_csv(engine, store, file, mode=mode)
    finally:
        await engine.dispose()
    print(report.summary_ru())
    return 0


async def _export(url: str, store: str, output: str | None) -> int:
    engine = create_engine(url)
    try:
        rows = await export_rows(engine, store)
    finally:
        await engine.dispose()
    text = format_stock_csv(rows)
    if output is None:
        sys.stdout.write(text)
    else:
        Path(output).write_text(text, encoding="utf-8")
        print(f"Склад {store}: партий {len(rows)} записано в {output}")
    return 0


async def _show(url: str, store: str, skus: list[str]) -> int:
    engine = create_engine(url)
    try:
        stock = await EmbeddedStock(engine).stock(store, skus)
    finally:
        await engine.dispose()
    for sku, item in stock.items():
        print(f"{sku} {item.name or '(нет в остатках)'}: всего {item.quantity}, свободно {item.available}")
        for b in item.batches:
            where = f", {b.location}" if b.location else ""
            print(f"  серия {b.series}, годен до {b.expiry:%d.%m.%Y}: {b.quantity} уп., в резерве {b.reserved}{where}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
