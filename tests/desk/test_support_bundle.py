"""The support bundle: logs and settings in a zip, and no secret in it — the device token least of all."""

from __future__ import annotations

import datetime as dt
import json
import zipfile
from pathlib import Path

import pytest

from pharmacy_desk.desk import support_bundle
from pharmacy_desk.desk.logs import LOG_FILE_NAME
from pharmacy_desk.desk.support_bundle import (
    REDACTED,
    DeskPaths,
    SecretLeak,
    bundle_file_name,
    redact_text,
    redact_value,
    write_support_bundle,
)

TOKEN = "pdt_9cQ2xV7s-LkT0wq8ZbYf3NnR5mHaE1uJ"  # the device token this PC uses
OTHER_SECRETS = {
    "onec_password": "1c-Pa55word!",
    "kuper_client_secret": "kuper-s3cret-value",
    "api_key": "AK-0123456789",
}


def _paths(tmp_path: Path) -> DeskPaths:
    settings = tmp_path / "config" / "desk.json"
    settings.parent.mkdir(parents=True)
    settings.write_text(
        json.dumps(
            {
                "relay_url": "https://desk:relay-pass-77@relay.example.ru",
                "store": "apteka-12",
                "device_name": "Касса 1",
                "device_token": TOKEN,  # not where the app keeps it, but a user may paste it anywhere
                "sound": {"enabled": True, "volume": 80},
                "integrations": [{"name": "1С", **OTHER_SECRETS}],
            },
            ensure_ascii=False,
        ),
        encoding="utf-8",
    )
    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / LOG_FILE_NAME).write_text(
        "\n".join(
            [
                "2026-11-23 10:00:00 INFO pharmacy_desk.desk: подключение к https://relay.example.ru",
                f"2026-11-23 10:00:01 DEBUG httpx: headers Authorization: Bearer {TOKEN}",
                f"2026-11-23 10:00:02 WARNING pharmacy_desk.desk: token={TOKEN} refused",
                f"2026-11-23 10:00:03 ERROR pharmacy_desk.ui: вставлен токен {TOKEN} в поле поиска",
                '2026-11-23 10:00:04 DEBUG x: {"client_secret": "kuper-s3cret-value", "password": "1c-Pa55word!"}',
                "2026-11-23 10:00:05 DEBUG x: GET https://relay.example.ru/stores/apteka-12/events?api_key=AK-0123456789",
                "2026-11-23 10:00:06 INFO pharmacy_desk.desk: заказ A12-000042 собран",
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    (logs / f"{LOG_FILE_NAME}.1").write_text(f"older: Client-Token: {TOKEN}\n", encoding="utf-8")
    return DeskPaths(settings_file=settings, log_dir=logs, data_dir=tmp_path / "data")


def _members(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info).decode("utf-8") for info in archive.infolist()}


def test_no_secret_ends_up_in_the_zip(tmp_path: Path) -> None:
    paths = _paths(tmp_path)
    about = f"Relay: https://relay.example.ru\nStore: apteka-12\nToken: {TOKEN}\n"
    target = write_support_bundle(tmp_path / "out" / "support.zip", paths=paths, about=about, secrets=[TOKEN])

    members = _members(target)
    assert set(members) == {"about.txt", "settings/desk.json", f"logs/{LOG_FILE_NAME}", f"logs/{LOG_FILE_NAME}.1"}
    raw = target.read_bytes()
    everything = "\n".join([*members, *members.values()])
    for secret in [TOKEN, "relay-pass-77", *OTHER_SECRETS.values()]:
        assert secret not in everything, secret
        assert secret.encode() not in raw  # not even in the zip's headers
    # what support needs is still there
    log = members[f"logs/{LOG_FILE_NAME}"]
    assert "заказ A12-000042 собран" in log
    assert "Authorization: " + REDACTED in log
    assert f"вставлен токен {REDACTED} в поле поиска" in log
    settings = json.loads(members["settings/desk.json"])
    assert settings["store"] == "apteka-12"
    assert settings["device_name"] == "Касса 1"
    assert settings["device_token"] == REDACTED
    assert settings["relay_url"] == f"https://desk:{REDACTED}@relay.example.ru"
    assert settings["integrations"][0] == {"name": "1С", **dict.fromkeys(OTHER_SECRETS, REDACTED)}
    assert members["about.txt"].startswith("pharmacy-desk support bundle, made ")
    assert "Store: apteka-12" in members["about.txt"]


def test_a_missing_settings_file_and_no_logs_still_make_a_bundle(tmp_path: Path) -> None:
    paths = DeskPaths(settings_file=tmp_path / "none.json", log_dir=tmp_path / "no-logs", data_dir=tmp_path)
    members = _members(write_support_bundle(tmp_path / "s.zip", paths=paths, about="x"))
    assert "no settings file" in members["settings/none.json"]
    assert "no log files" in members["logs/README.txt"]


def test_a_broken_settings_file_is_redacted_as_text(tmp_path: Path) -> None:
    settings = tmp_path / "desk.json"
    settings.write_text('{"store": "apteka-12", "device_token": "' + TOKEN + '", ', encoding="utf-8")
    paths = DeskPaths(settings_file=settings, log_dir=tmp_path, data_dir=tmp_path)
    text = _members(write_support_bundle(tmp_path / "s.zip", paths=paths, secrets=[TOKEN]))["settings/desk.json"]
    assert "not valid JSON" in text
    assert TOKEN not in text and "apteka-12" in text


def test_a_secret_that_slips_through_deletes_the_zip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(support_bundle, "redact_text", lambda text, secrets=(): text)  # a broken redaction
    target = tmp_path / "s.zip"
    with pytest.raises(SecretLeak):
        write_support_bundle(target, paths=_paths(tmp_path), about=TOKEN, secrets=[TOKEN])
    assert not target.exists()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-123", f"Authorization: {REDACTED}"),
        ("the Bearer abc.def-123 header", f"the Bearer {REDACTED} header"),
        ("Client-Token: abcdefgh", f"Client-Token: {REDACTED}"),
        ("PHARMACY_DESK_RELAY__KUPER__CLIENT_SECRET=xyz", f"PHARMACY_DESK_RELAY__KUPER__CLIENT_SECRET={REDACTED}"),
        ('{"password": "hunter2"}', f'{{"password": "{REDACTED}"}}'),
        ("postgresql+asyncpg://relay:pg-pass@db/relay", f"postgresql+asyncpg://relay:{REDACTED}@db/relay"),
        ("заказ A12-000042 собран за 3 мин", "заказ A12-000042 собран за 3 мин"),
        ("store=apteka-12 state=connected", "store=apteka-12 state=connected"),
    ],
)
def test_redact_text(text: str, expected: str) -> None:
    assert redact_text(text) == expected


def test_redact_value_keeps_ordinary_keys() -> None:
    value = {"store": "a", "nested": {"Token": "t0k3n-value", "empty_password": ""}, "list": [{"secret": 1}]}
    assert redact_value(value) == {
        "store": "a",
        "nested": {"Token": REDACTED, "empty_password": ""},
        "list": [{"secret": REDACTED}],
    }


def test_bundle_file_name() -> None:
    name = bundle_file_name(dt.datetime(2026, 11, 23, 10, 15, 0))
    assert name.startswith("pharmacy-desk-support-") and name.endswith("-20261123-101500.zip")
    assert "/" not in name and "\\" not in name
