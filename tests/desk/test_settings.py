"""Settings: defaults, a round trip through the file, refusals, never the real user's directories."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pharmacy_desk.desk.settings import DeskSettings, SettingsError, SettingsFile, SoundSettings


def test_missing_file_gives_defaults_that_ask_for_the_first_run(tmp_path: Path) -> None:
    settings = SettingsFile(tmp_path / "desk.json").load()
    assert settings == DeskSettings()
    assert not settings.is_configured
    assert settings.sound.enabled


def test_round_trip_and_normalized_url(tmp_path: Path) -> None:
    file = SettingsFile(tmp_path / "nested" / "desk.json")
    saved = DeskSettings(
        relay_url=" http://relay.local:8080/ ",
        store="apteka-12",
        device_name="Касса 1",
        data_dir=tmp_path / "data",
        min_shelf_life_days=30,
        sound=SoundSettings(volume=40, new_order_repeat_seconds=5),
    )
    file.save(saved)
    loaded = file.load()
    assert loaded == saved
    assert loaded.relay_url == "http://relay.local:8080"
    assert loaded.is_configured and loaded.data_path == tmp_path / "data"
    assert "Касса 1" in file.path.read_text(encoding="utf-8")  # readable, not escaped
    assert [p.name for p in file.path.parent.iterdir()] == ["desk.json"]  # no temporary file left


def test_unknown_keys_are_ignored_for_older_and_newer_versions(tmp_path: Path) -> None:
    path = tmp_path / "desk.json"
    path.write_text(json.dumps({"store": "apteka-7", "from_the_future": 1}), encoding="utf-8")
    assert SettingsFile(path).load().store == "apteka-7"


@pytest.mark.parametrize(
    "content",
    ["{not json", json.dumps({"relay_url": "ftp://x"}), json.dumps({"store": "bad key!"}), json.dumps([1])],
)
def test_a_broken_file_is_reported_in_russian_not_replaced(tmp_path: Path, content: str) -> None:
    path = tmp_path / "desk.json"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(SettingsError, match="повреждён"):
        SettingsFile(path).load()
    assert path.read_text(encoding="utf-8") == content


def test_default_locations_are_the_platform_dirs(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.setenv("APPDATA", str(tmp_path / "cfg"))
    monkeypatch.setenv("LOCALAPPDATA", str(tmp_path / "data"))
    assert "pharmacy-desk" in str(SettingsFile.default().path)
    assert "pharmacy-desk" in str(DeskSettings().data_path)
