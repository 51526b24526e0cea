"""``pharmacy-desk-relay stock import|show`` (the relay CLI hands its arguments to inventory.cli)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pharmacy_desk.inventory.embedded import metadata
from pharmacy_desk.relay.stock.cli import main, stock_import_main
from pharmacy_desk.relay.storage.db import create_engine
from tests.inventory.inventory_support import SAMPLE_CSV


@pytest.fixture
def db(tmp_path: Path) -> str:
    url = f"sqlite+aiosqlite:///{tmp_path / 'relay.sqlite3'}"

    async def create() -> None:
        engine = create_engine(url)
        async with engine.begin() as conn:
            await conn.run_sync(metadata.create_all)
        await engine.dispose()

    asyncio.run(create())
    return url


def test_import_then_show(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "--store", "apteka-12", "--database-url", db, SAMPLE_CSV]) == 0
    assert "Склад apteka-12: строк 72, добавлено партий 72" in capsys.readouterr().out

    assert main(["show", "--store", "apteka-12", "--database-url", db, "100234"]) == 0
    out = capsys.readouterr().out
    assert "100234 Нурофен таб. п/о 200мг №20: всего 20, свободно 20" in out
    assert "серия NF2503C, годен до 30.06.2027: 5 уп., в резерве 0, А1-02" in out


def test_import_only_arguments_and_merge(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert stock_import_main(["--store", "s1", "--database-url", db, SAMPLE_CSV]) == 0
    extra = tmp_path / "extra.csv"
    extra.write_text("sku,name,gtin,series,expiry,quantity,location\n1,Вата,,V1,2030-01-01,3,\n", encoding="utf-8")
    assert stock_import_main(["--store", "s1", "--merge", "--database-url", db, str(extra)]) == 0
    assert "добавлено партий 1, обновлено 0, удалено 0" in capsys.readouterr().out


def test_a_bad_file_exits_1_with_line_numbers(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sku;name;gtin;series;expiry;quantity;location\n1;Вата;;V1;2030-01-01;много;\n", encoding="utf-8")

    assert main(["import", "--store", "s1", "--database-url", db, str(bad)]) == 1

    err = capsys.readouterr().err
    assert "ничего не изменено" in err and "строка 2: количество «много»" in err


def test_missing_tables_and_missing_database_are_explained(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = f"sqlite+aiosqlite:///{tmp_path / 'empty.sqlite3'}"
    assert main(["import", "--store", "s1", "--database-url", empty, SAMPLE_CSV]) == 2
    assert "Таблицы склада не созданы" in capsys.readouterr().err

    monkeypatch.delenv("PHARMACY_DESK_RELAY__DATABASE_URL", raising=False)
    assert main(["import", "--store", "s1", SAMPLE_CSV]) == 2
    assert "Не указана база" in capsys.readouterr().err


def test_the_database_url_may_come_from_the_relay_setting(
    db: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PHARMACY_DESK_RELAY__DATABASE_URL", db)
    assert main(["import", "--store", "s1", SAMPLE_CSV]) == 0
    assert "строк 72" in capsys.readouterr().out
