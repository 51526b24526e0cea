"""``pharmacy-desk-relay stock …`` and ``check`` through ``main(argv)``, against the fake Kuper and the 1C stub."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from relay_stock_support import row

from pharmacy_desk.inventory.onec.stub import OneCStub
from pharmacy_desk.relay.cli import main
from pharmacy_desk.sim.kuper_stub import KuperStub
from pharmacy_desk.sim.serving import serve_in_thread

CSV = "sku;name;gtin;series;expiry;quantity;location;marked\n100234;Нурофен;04600714356057;NF1;2099-01-31;5;А1;1\n"
OLD_CSV = (  # no marked column: the old rule decides, check warns
    "sku;name;gtin;series;expiry;quantity;location\n"
    "100234;Нурофен;04600714356057;NF1;2099-01-31;5;А1\n"
    "102110;Пантенол спрей;04601707002180;PT1;2099-01-31;2;В6\n"
)


@pytest.fixture(scope="module")
def kuper_url() -> Iterator[str]:
    with serve_in_thread(KuperStub(client_id="relay-id", client_secret="relay-secret").app) as url:
        yield url


@pytest.fixture(scope="module")
def onec_url() -> Iterator[str]:
    stub = OneCStub(username="kuper", password="secret")
    stub.load("apteka-7", [row("NF1", 2)])
    with serve_in_thread(stub.app()) as url:
        yield url


def _config(tmp_path: Path, database_url: str, *, kuper: str, onec: str, secret: str = "relay-secret") -> str:
    path = tmp_path / "relay.toml"
    path.write_text(
        f'database_url = "{database_url}"\n'
        '[webhook_auth]\nclient_token = "t"\n'
        f'[kuper]\nbase_url = "{kuper}"\nclient_id = "relay-id"\nclient_secret = "{secret}"\ntimeout_seconds = 3\n'
        f'[onec]\nbase_url = "{onec}"\nusername = "kuper"\npassword = "secret"\ntimeout_seconds = 2\n'
        '[[stores]]\nkey = "apteka-12"\nname = "Аптека №12"\nnumber_prefix = "A12-"\n'
        '[[stores]]\nkey = "apteka-7"\nname = "Аптека №7"\nnumber_prefix = "A7-"\nstock = "onec"\n'
        '[[stores]]\nkey = "apteka-3"\nname = "Аптека №3"\nnumber_prefix = "A3-"\nstock = "none"\n',
        encoding="utf-8",
    )
    return str(path)


def test_stock_import_and_show_use_the_relays_database(
    tmp_path: Path, database_url: str, kuper_url: str, onec_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, database_url, kuper=kuper_url, onec=onec_url)
    stock = tmp_path / "stock.csv"
    stock.write_text(CSV, encoding="utf-8")
    assert main(["--config", config, "stock", "import", "--store", "apteka-12", str(stock)]) == 0
    assert "добавлено партий 1" in capsys.readouterr().out
    assert main(["stock", "show", "--store", "apteka-12", "100234", "--config", config]) == 0
    assert "серия NF1" in capsys.readouterr().out
    assert main(["--config", config, "stock", "import", "--store", "apteka-99", str(stock)]) == 2
    assert "apteka-99" in capsys.readouterr().err
    bad = tmp_path / "bad.csv"
    bad.write_text("sku;name\n1;x\n", encoding="utf-8")
    assert main(["--config", config, "stock", "import", "--store", "apteka-12", str(bad)]) == 1
    assert "нет столбцов" in capsys.readouterr().err


def test_check_says_ok_for_everything_that_answers(
    tmp_path: Path, database_url: str, kuper_url: str, onec_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, database_url, kuper=kuper_url, onec=onec_url)
    stock = tmp_path / "stock.csv"
    stock.write_text(CSV, encoding="utf-8")
    assert main(["--config", config, "stock", "import", "--store", "apteka-12", str(stock)]) == 0
    capsys.readouterr()

    assert main(["--config", config, "check"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert all(line.startswith("OK  ") for line in lines[:-1]), lines
    assert lines[-1] == "Всё в порядке"
    report = "\n".join(lines)
    assert "Маркировка" not in report  # the file says which products are marked
    assert "Купер" in report and "токен получен" in report
    assert "Остатки apteka-12 (встроенный склад): партий: 1" in report
    assert re.search(r"Остатки apteka-7 \(1С, .*\): 1С отвечает", report)
    assert "Остатки apteka-3: учёт остатков выключен" in report
    assert "relay-secret" not in report and "password" not in report


def test_check_warns_when_the_stock_file_does_not_say_what_is_marked(
    tmp_path: Path, database_url: str, kuper_url: str, onec_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, database_url, kuper=kuper_url, onec=onec_url)
    stock = tmp_path / "stock.csv"
    stock.write_text(OLD_CSV, encoding="utf-8")
    assert main(["--config", config, "stock", "import", "--store", "apteka-12", str(stock)]) == 0
    capsys.readouterr()

    assert main(["--config", config, "check"]) == 0  # a warning is not a failure
    lines = capsys.readouterr().out.splitlines()
    warned = [line for line in lines if line.startswith("WARN")]
    assert warned == [
        "WARN  Маркировка apteka-12: у 2 из 2 товаров не указано, маркированы ли они (столбец marked файла "
        "остатков): товар с GTIN считается маркированным, его штрихкод на кассе не примут"
    ]
    assert lines[-1] == "Всё работает, предупреждений: 1"


def test_check_fails_with_what_to_do(
    tmp_path: Path, database_url: str, kuper_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    config = _config(tmp_path, database_url, kuper=kuper_url, onec="http://127.0.0.1:9/hs/kuper", secret="wrong")
    assert main(["--config", config, "migrate"]) == 0
    assert main(["--config", config, "check"]) == 1
    out = capsys.readouterr().out
    failed = [line.split(" (", 1)[0] for line in out.splitlines() if line.startswith("FAIL")]
    assert failed == ["FAIL  Купер", "FAIL  Остатки apteka-12", "FAIL  Остатки apteka-7"]
    assert "токен не получен (HTTP 401)" in out
    assert "остатки не загружены: pharmacy-desk-relay stock import" in out
    assert "1С недоступна" in out
    assert out.strip().endswith("Проблем: 3")
    assert "wrong" not in out


def test_check_without_kuper_credentials_or_database(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "relay.toml"
    path.write_text(
        'database_url = "postgresql+asyncpg://nobody@127.0.0.1:9/none"\n'
        '[webhook_auth]\nclient_token = "t"\n'
        '[[stores]]\nkey = "a"\nname = "A"\n',
        encoding="utf-8",
    )
    assert main(["--config", str(path), "check"]) == 1
    out = capsys.readouterr().out
    assert "FAIL  База данных: нет соединения" in out
    assert "FAIL  Купер (https://merchant-api.sbermarket.ru): не заданы kuper.client_id" in out
    assert "FAIL  Остатки a (встроенный склад): база недоступна" in out
