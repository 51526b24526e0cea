"""The stock part of the relay's configuration: per-store source, the [onec] section, its secret."""

from __future__ import annotations

from pathlib import Path

import pytest

from pharmacy_desk.api.store import StockKind
from pharmacy_desk.relay.config import RelayConfig, apply_env, load_config
from pharmacy_desk.relay.errors import ConfigError

BASE = {"webhook_auth": {"client_token": "t"}}
ONEC = {"base_url": "https://1c.local/retail/hs/kuper/", "username": "Kuper", "password": "one-c-secret"}


def test_stock_defaults_to_embedded_and_onec_is_optional() -> None:
    config = RelayConfig.model_validate({**BASE, "stores": [{"key": "a", "name": "A"}]})
    assert config.stores[0].stock is StockKind.EMBEDDED
    assert config.onec is None and config.stock_retry_seconds == 30


def test_a_1c_store_needs_the_onec_section() -> None:
    with pytest.raises(ValueError, match=r"stock = 'onec' needs the \[onec\] section"):
        RelayConfig.model_validate({**BASE, "stores": [{"key": "a", "name": "A", "stock": "onec"}]})
    config = RelayConfig.model_validate({**BASE, "onec": ONEC, "stores": [{"key": "a", "name": "A", "stock": "onec"}]})
    assert config.onec is not None and config.onec.base_url == "https://1c.local/retail/hs/kuper"


def test_the_1c_password_never_shows_and_comes_from_the_environment() -> None:
    data = apply_env(
        {**BASE, "onec": {"base_url": "https://1c.local/hs/kuper"}, "stores": [{"key": "a", "name": "A"}]},
        {"PHARMACY_DESK_RELAY__ONEC__PASSWORD": "from-env-secret", "PHARMACY_DESK_RELAY__STORES__0__STOCK": "none"},
    )
    config = RelayConfig.model_validate(data)
    assert config.onec is not None and config.onec.password.get_secret_value() == "from-env-secret"
    assert config.stores[0].stock is StockKind.NONE
    assert "from-env-secret" not in repr(config) + str(config.model_dump())


def test_unknown_stock_kinds_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "relay.toml"
    path.write_text('[webhook_auth]\nclient_token = "t"\n[[stores]]\nkey = "a"\nname = "A"\nstock = "excel"\n')
    with pytest.raises(ConfigError, match=r"stores\.0\.stock"):
        load_config(path, environ={})
