"""The relay's configuration: TOML, environment overrides, validation, the README's example."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pharmacy_desk.api.store import OutOfStockPolicy
from pharmacy_desk.domain import StoreRules
from pharmacy_desk.inventory.onec import ODataSettings, OneCSettings
from pharmacy_desk.relay.config import (
    ENV_CONFIG_FILE,
    FeedConfig,
    KuperConfig,
    MessagingConfig,
    PickupAttemptBudget,
    RelayConfig,
    StoreConfig,
    WebhookAuth,
    apply_env,
    default_database_url,
    load_config,
)
from pharmacy_desk.relay.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

MINIMAL = """
[webhook_auth]
client_token = "token-from-file"

[[stores]]
key = "apteka-12"
name = "Аптека №12"
number_prefix = "A12-"
"""


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "relay.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "cfg"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    config = load_config(environ={})
    assert config.host == "127.0.0.1" and config.port == 8080
    assert config.heartbeat_seconds == 15 and config.stock_budget_seconds == 2
    assert config.max_webhook_bytes == 1024 * 1024
    assert config.database_url == default_database_url()
    assert config.database_url.startswith("sqlite+aiosqlite:///") and "pharmacy-desk" in config.database_url
    assert config.stores == ()


def test_file_then_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL)
    env = {
        "PHARMACY_DESK_RELAY__DATABASE_URL": "postgresql+asyncpg://relay@db/relay",
        "PHARMACY_DESK_RELAY__PORT": "9000",
        "PHARMACY_DESK_RELAY__KUPER__CLIENT_SECRET": "from-env",
        "PHARMACY_DESK_RELAY__STORES__0__NAME": "Аптека на Ленина",
        "PHARMACY_DESK_RELAY__STORES__0__KUPER_STORE_IDS": '["12", "apteka-12-import"]',
        "PHARMACY_DESK_RELAY__STORES__0__RULES__PICKUP__MAX_ATTEMPTS": "3",
        "UNRELATED": "x",
    }
    config = load_config(path, environ=env)
    assert config.database_url == "postgresql+asyncpg://relay@db/relay"
    assert config.port == 9000
    assert config.kuper.client_secret.get_secret_value() == "from-env"
    store = config.stores[0]
    assert store.name == "Аптека на Ленина"
    assert store.kuper_store_ids == ("12", "apteka-12-import")
    assert store.rules.pickup.max_attempts == 3
    assert config.store_for_kuper_id("apteka-12-import") is store
    assert config.store_for_kuper_id("apteka-12") is store
    assert config.store_for_kuper_id("nope") is None


def test_config_file_from_the_environment(tmp_path: Path) -> None:
    path = _write(tmp_path, MINIMAL)
    assert load_config(environ={ENV_CONFIG_FILE: str(path)}).stores[0].key == "apteka-12"
    with pytest.raises(ConfigError, match="not found"):
        load_config(environ={ENV_CONFIG_FILE: str(tmp_path / "missing.toml")})


def test_secrets_do_not_show(tmp_path: Path) -> None:
    text = MINIMAL + '\n[kuper]\nclient_id = "id"\nclient_secret = "very-secret"\n'
    config = load_config(_write(tmp_path, text), environ={})
    shown = repr(config) + str(config.model_dump())
    assert "very-secret" not in shown and "token-from-file" not in shown


def test_order_numbers() -> None:
    config = RelayConfig.model_validate(
        {"webhook_auth": {"client_token": "t"}, "stores": [{"key": "s", "name": "S", "number_prefix": "A12-"}]}
    )
    assert config.stores[0].number(123) == "A12-000123"
    assert config.stores[0].rules == StoreRules(receipt_required=True)  # stores[].receipt_required: on by default
    assert config.stores[0].receipt_required and config.stores[0].courier_fiscal == "kuper"
    assert config.stores[0].out_of_stock is OutOfStockPolicy.ASK_STAFF


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("port = 'x'", "port"),
        ("unknown_key = 1", "unknown_key"),
        ('[[stores]]\nkey = "a"\nname = "A"\n', "no webhook authentication"),
        ('[webhook_auth]\nbasic_user = "u"\n', "basic_user and basic_password"),
        (MINIMAL + '[[stores]]\nkey = "apteka-12"\nname = "B"\nnumber_prefix = "B-"\n', "unique"),
        (MINIMAL + '[[stores]]\nkey = "b"\nname = "B"\nnumber_prefix = "A12-"\n', "number_prefix"),
        (
            MINIMAL + '[[stores]]\nkey = "b"\nname = "B"\nnumber_prefix = "B-"\nkuper_store_ids = ["apteka-12"]\n',
            "both",
        ),
        ('[webhook_auth]\nclient_token = "t"\n[[stores]]\nkey = "a b"\nname = "A"\n', "stores.0.key"),
        ("this is not toml", "relay.toml"),
    ],
)
def test_invalid_configuration_says_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(message)):
        load_config(_write(tmp_path, text), environ={})


def test_environment_errors() -> None:
    with pytest.raises(ConfigError, match="list index"):
        apply_env({"stores": []}, {"PHARMACY_DESK_RELAY__STORES__X__NAME": "a"})
    with pytest.raises(ConfigError, match="empty key"):
        apply_env({}, {"PHARMACY_DESK_RELAY__KUPER____X": "a"})


def test_readme_example_is_a_valid_configuration(tmp_path: Path) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Relay", 1)[1].split("\n## ", 1)[0]
    example = re.search(r"```toml\n(.+?)\n```", section, flags=re.S)
    assert example is not None, "the README's Relay section shows an example relay.toml"
    config = load_config(_write(tmp_path, example.group(1)), environ={})
    assert config.stores[0].webhook_auth is not None and config.kuper.client_id
    assert config.onec is not None and config.onec.odata is not None
    documented = set(re.findall(r"^\| `([a-z_.\[\]]+)`", section, flags=re.M))
    keys = set(RelayConfig.model_fields) | {f"kuper.{k}" for k in KuperConfig.model_fields}
    keys |= {f"webhook_auth.{k}" for k in WebhookAuth.model_fields}
    keys |= {f"stores[].{k}" for k in StoreConfig.model_fields}
    keys |= {f"onec.{k}" for k in OneCSettings.model_fields} | {f"onec.odata.{k}" for k in ODataSettings.model_fields}
    keys |= {f"pickup_attempts.{k}" for k in PickupAttemptBudget.model_fields}
    keys |= {f"feed.{k}" for k in FeedConfig.model_fields} | {f"messaging.{k}" for k in MessagingConfig.model_fields}
    keys -= {"kuper", "webhook_auth", "stores", "onec", "pickup_attempts", "feed", "messaging"}
    assert keys <= documented, f"undocumented keys: {sorted(keys - documented)}"
