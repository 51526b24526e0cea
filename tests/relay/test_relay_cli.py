"""``pharmacy-desk-relay``: migrate and the device commands, through ``main(argv)``."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pharmacy_desk.relay.cli import main
from pharmacy_desk.relay.storage import migrate


@pytest.fixture
def config_file(tmp_path: Path, database_url: str) -> str:
    path = tmp_path / "relay.toml"
    path.write_text(
        f'database_url = "{database_url}"\n'
        '[webhook_auth]\nclient_token = "t"\n'
        '[[stores]]\nkey = "apteka-12"\nname = "Аптека №12"\nnumber_prefix = "A12-"\n',
        encoding="utf-8",
    )
    return str(path)


def test_migrate(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config_file, "migrate"]) == 0
    assert migrate.head_revision() in capsys.readouterr().out


def test_device_add_list_revoke(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["device", "add", "--store", "apteka-12", "--name", "Касса 1", "--config", config_file]) == 0
    out = capsys.readouterr().out
    token = out.strip().splitlines()[-1]
    device_id = re.search(r"id ([0-9a-f-]{36})", out).group(1)  # type: ignore[union-attr]
    assert len(token) >= 40 and "Касса 1" in out

    assert main(["--config", config_file, "device", "list"]) == 0
    listing = capsys.readouterr().out
    assert device_id in listing and "активна" in listing and token not in listing

    assert main(["--config", config_file, "device", "revoke", device_id]) == 0
    assert "отозван" in capsys.readouterr().out
    assert main(["--config", config_file, "device", "list", "--store", "apteka-12"]) == 0
    assert "отозвана" in capsys.readouterr().out
    assert main(["--config", config_file, "device", "revoke", "no-such-device"]) == 1


def test_device_for_an_unknown_store_is_refused(config_file: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--config", config_file, "device", "add", "--store", "apteka-99", "--name", "X"]) == 2
    assert "apteka-99" in capsys.readouterr().err


def test_bad_configuration_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("port = 'eighty'\n", encoding="utf-8")
    assert main(["--config", str(bad), "migrate"]) == 2
    assert "port" in capsys.readouterr().err
    assert main(["--config", str(tmp_path / "missing.toml"), "migrate"]) == 2


def test_usage_errors_exit_2() -> None:
    with pytest.raises(SystemExit) as exc:
        main(["device"])
    assert exc.value.code == 2


def test_the_server_process_collects_garbage_in_large_batches() -> None:
    """``serve`` tunes the collector (server_gc): no full collection per event fanned out to thousands of streams."""
    import gc

    from pharmacy_desk.relay.server_gc import THRESHOLDS, tune_collector

    before = gc.get_threshold()
    try:
        tune_collector()
        assert gc.get_threshold() == THRESHOLDS and THRESHOLDS[0] >= 10_000 and THRESHOLDS[2] > 10
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)
