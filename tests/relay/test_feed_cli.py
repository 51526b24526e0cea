"""``pharmacy-desk-relay feed status`` and the feed's line in ``check``, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from pharmacy_desk.relay.cli import main
from pharmacy_desk.relay.config import load_config
from pharmacy_desk.relay.feed import queue
from pharmacy_desk.relay.feed.checks import check_feed
from pharmacy_desk.relay.feed.queue import FeedKind
from pharmacy_desk.relay.storage.db import create_engine
from tests.relay.feed_support import T0


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> str:
    path = tmp_path / "relay.toml"
    path.write_text(
        f'database_url = "{database_url}"\n'
        '[webhook_auth]\nclient_token = "t"\n'
        '[kuper]\nclient_id = "c"\nclient_secret = "s"\n'
        '[[stores]]\nkey = "apteka-12"\nname = "Аптека №12"\nnumber_prefix = "A12-"\n'
        'kuper_outlet_id = "12"\nfeed = true\nsafety_stock = 1\n'
        '[[stores]]\nkey = "apteka-7"\nname = "Аптека №7"\nnumber_prefix = "A7-"\n',
        encoding="utf-8",
    )
    return str(path)


async def _one_sent_one_failed(url: str) -> None:
    engine = create_engine(url)
    try:
        values = {"A": {"stock": '{"stock":"2"}'}, "B": {"stock": '{"stock":"5"}'}}
        await queue.stage(engine, "apteka-12", values, now=T0)
        for sku, error in (("A", None), ("B", '{"error":{"status":400,"title":"bad offer"}}')):
            [claimed] = [
                c
                for c in await queue.claim(
                    engine, FeedKind.STOCK, ["apteka-12"], now=T0, max_records=1, max_stores=10, lock_rows=False
                )
                if c.sku == sku
            ]
            async with engine.begin() as conn:
                if error is None:
                    await queue.record_sent(conn, [claimed], status_code=200, now=T0)
                else:
                    await queue.record_failed(conn, [claimed], error=error, status_code=400, now=T0)
    finally:
        await engine.dispose()


async def _checks(config_path: str) -> list[tuple[str, bool, str]]:
    config = load_config(config_path)
    engine = create_engine(config.database_url)
    try:
        return [(r.name, r.ok, r.detail) for r in await check_feed(engine, config)]
    finally:
        await engine.dispose()


def test_feed_status_shows_sent_queued_failed_and_one_sku(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config_file, "feed", "status"]) == 0
    first = capsys.readouterr().out
    assert "apteka-12 (Купер: 12): отправлено ещё не было; в очереди 0" in first
    assert "apteka-7" not in first  # no feed there

    url = load_config(config_file).database_url
    asyncio.run(_one_sent_one_failed(url))
    assert main(["--config", config_file, "feed", "status"]) == 1  # a failed record
    out = capsys.readouterr().out
    assert "отправлено 01.12 09:00 UTC; в очереди 0, повтор 0, ошибок 1" in out
    assert 'Купер: {"error":{"status":400' in out

    assert main(["--config", config_file, "feed", "status", "--store", "apteka-12", "--sku", "A"]) == 1
    sku = capsys.readouterr().out
    assert 'A stock: в очереди {"stock":"2"}, у Купера {"stock":"2"}, sent, версия 1/1, попыток 0' in sku
    assert main(["--config", config_file, "feed", "status", "--store", "apteka-99"]) == 1

    [(name, ok, detail)] = asyncio.run(_checks(config_file))
    assert name == "Выгрузка в Купер apteka-12" and not ok and "ошибок 1" in detail
