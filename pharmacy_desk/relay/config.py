"""The relay's configuration: a TOML file, then environment overrides, validated by pydantic.

Environment overrides: ``PHARMACY_DESK_RELAY__<KEY>`` where nested keys are joined with ``__`` and
list items are addressed by index, e.g. ``PHARMACY_DESK_RELAY__DATABASE_URL``,
``PHARMACY_DESK_RELAY__KUPER__CLIENT_SECRET``, ``PHARMACY_DESK_RELAY__STORES__0__NAME``. A value that
starts with ``[`` or ``{`` is read as JSON (``PHARMACY_DESK_RELAY__STORES__0__KUPER_STORE_IDS='["a"]'``);
anything else is a string that pydantic converts (``"8080"`` → 8080, ``"true"`` → True).
The file is found at ``--config``, else ``$PHARMACY_DESK_RELAY_CONFIG``, else
``<user config dir>/pharmacy-desk/relay.toml`` when it exists; without a file, defaults and the
environment make the configuration.

Every key is documented in the README's "Relay" section. Secrets are ``SecretStr``: they never show
in a ``repr`` or a log line.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, Self

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from pharmacy_desk.api.store import OutOfStockPolicy, StockKind
from pharmacy_desk.domain import StoreRules
from pharmacy_desk.inventory.onec.settings import OneCSettings
from pharmacy_desk.relay.errors import ConfigError

APP_DIR_NAME = "pharmacy-desk"
ENV_PREFIX = "PHARMACY_DESK_RELAY__"
ENV_CONFIG_FILE = "PHARMACY_DESK_RELAY_CONFIG"
_KEY_PATTERN = r"^[A-Za-z0-9_-]{1,32}$"  # what a bag label can carry (domain.bag_label)
_PREFIX_PATTERN = r"^[A-Za-z0-9_-]{0,16}$"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def default_database_url() -> str:
    data_dir = Path(platformdirs.user_data_dir(APP_DIR_NAME))
    return f"sqlite+aiosqlite:///{data_dir / 'relay.sqlite3'}"


def default_config_file() -> Path:
    return Path(platformdirs.user_config_dir(APP_DIR_NAME)) / "relay.toml"


class WebhookAuth(_Section):
    """How Kuper authenticates its webhooks: Basic, a ``Client-Token`` header, or both (either passes)."""

    basic_user: str | None = None
    basic_password: SecretStr | None = None
    client_token: SecretStr | None = None

    @model_validator(mode="after")
    def _basic_pair(self) -> Self:
        if (self.basic_user is None) != (self.basic_password is None):
            raise ValueError("basic_user and basic_password go together")
        if self.client_token is not None and not self.client_token.get_secret_value():
            raise ValueError("client_token must not be empty")
        return self

    @property
    def configured(self) -> bool:
        return self.basic_user is not None or self.client_token is not None


class StoreConfig(_Section):
    key: str = Field(pattern=_KEY_PATTERN)
    name: str = Field(min_length=1)
    number_prefix: str = Field(default="", pattern=_PREFIX_PATTERN)
    number_digits: int = Field(default=6, ge=1, le=12)
    kuper_store_ids: tuple[str, ...] = ()  # payload storeID / storeImportKey values routed to this store
    rules: StoreRules = StoreRules()
    min_shelf_life_days: int = Field(default=0, ge=0)
    out_of_stock: OutOfStockPolicy = OutOfStockPolicy.ASK_STAFF
    stock: StockKind = StockKind.EMBEDDED
    webhook_auth: WebhookAuth | None = None  # overrides the global one for this store
    # 54-ФЗ: a pickup order is handed over only with the sale receipt (hand_over refused with
    # ``receipt_missing`` otherwise); false only where the pharmacy fiscalizes outside this system.
    receipt_required: bool = True
    # who gives a courier order's receipt: Kuper as the paying agent (confirm with Kuper for drugs), or the
    # pharmacy, with every pack's code, when the courier takes the bag
    courier_fiscal: Literal["kuper", "pharmacy"] = "kuper"

    @model_validator(mode="after")
    def _fiscal_rules(self) -> Self:
        rules = self.rules.model_copy(
            update={"receipt_required": self.receipt_required, "courier_fiscal": self.courier_fiscal}
        )
        object.__setattr__(self, "rules", rules)
        return self

    def number(self, sequence: int) -> str:
        return f"{self.number_prefix}{sequence:0{self.number_digits}d}"


class KuperConfig(_Section):
    base_url: str = "https://merchant-api.sbermarket.ru"
    client_id: str = ""
    client_secret: SecretStr = SecretStr("")
    timeout_seconds: float = Field(default=10.0, gt=0)


class RelayConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    database_url: str = Field(default_factory=default_database_url)
    heartbeat_seconds: float = Field(default=15.0, gt=0)
    stream_poll_seconds: float = Field(default=2.0, gt=0)  # fallback poll (other relay processes)
    stock_budget_seconds: float = Field(default=2.0, ge=0)  # wait this long for the stock hook
    stock_retry_seconds: float = Field(default=30.0, gt=0)  # first retry of a failed stock effect
    max_webhook_bytes: int = Field(default=1024 * 1024, ge=1024)
    webhook_auth: WebhookAuth = WebhookAuth()
    kuper: KuperConfig = KuperConfig()
    onec: OneCSettings | None = None  # 1C:Retail, for stores with stock = "onec"
    stores: tuple[StoreConfig, ...] = ()

    @model_validator(mode="after")
    def _stores_consistent(self) -> Self:
        keys = [s.key for s in self.stores]
        if len(set(keys)) != len(keys):
            raise ValueError("store keys must be unique")
        prefixes = [s.number_prefix for s in self.stores]
        if len(set(prefixes)) != len(prefixes):
            raise ValueError("store number_prefix values must be unique (order numbers are shown across stores)")
        routed: dict[str, str] = {}
        for store in self.stores:
            for kuper_id in (store.key, *store.kuper_store_ids):
                other = routed.setdefault(kuper_id, store.key)
                if other != store.key:
                    raise ValueError(f"Kuper store id {kuper_id!r} is routed to both {other!r} and {store.key!r}")
            if store.stock is StockKind.ONEC and self.onec is None:
                raise ValueError(f"store {store.key!r}: stock = 'onec' needs the [onec] section")
            if not (self.webhook_auth.configured or (store.webhook_auth and store.webhook_auth.configured)):
                raise ValueError(f"store {store.key!r}: no webhook authentication (webhook_auth) is configured")
        return self

    def store(self, key: str) -> StoreConfig | None:
        return next((s for s in self.stores if s.key == key), None)

    def store_for_kuper_id(self, kuper_id: str) -> StoreConfig | None:
        """The store a payload's ``storeID`` / ``storeImportKey`` names (its key or one of its ids)."""
        return next((s for s in self.stores if kuper_id == s.key or kuper_id in s.kuper_store_ids), None)


# --- loading -------------------------------------------------------------------------------------


def _env_value(raw: str) -> Any:
    text = raw.strip()
    if text.startswith(("[", "{")):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return raw
    return raw


def _set_path(data: Any, path: list[str], value: Any, env_name: str) -> None:
    node = data
    for i, part in enumerate(path):
        last = i == len(path) - 1
        if isinstance(node, list):
            if not part.isdigit():
                raise ConfigError(f"{env_name}: {part!r} must be a list index")
            index = int(part)
            while len(node) <= index:
                node.append({})
            if last:
                node[index] = value
            else:
                node = node[index]
            continue
        if not isinstance(node, dict):
            raise ConfigError(f"{env_name}: cannot set a key inside a value")
        if last:
            node[part] = value
        else:
            child = node.get(part)
            if child is None:
                nxt = path[i + 1]
                child = [] if nxt.isdigit() else {}
                node[part] = child
            node = child


def apply_env(data: dict[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``data`` with every ``PHARMACY_DESK_RELAY__...`` variable applied (sorted, so lists grow in order)."""
    result: dict[str, Any] = json.loads(json.dumps(data, default=str))
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        path = [p.lower() for p in name[len(ENV_PREFIX) :].split("__")]
        if not all(path):
            raise ConfigError(f"{name}: empty key segment")
        _set_path(result, path, _env_value(environ[name]), name)
    return result


def _describe(error: ValidationError) -> str:
    lines = []
    for detail in error.errors(include_url=False, include_input=False):
        location = ".".join(str(p) for p in detail["loc"]) or "config"
        lines.append(f"  {location}: {detail['msg']}")
    return "\n".join(lines)


def load_config(path: Path | str | None = None, environ: Mapping[str, str] | None = None) -> RelayConfig:
    """Read the TOML file (if any), apply the environment, validate. Raises :class:`ConfigError`."""
    env = os.environ if environ is None else environ
    file: Path | None = None
    if path is not None:
        file = Path(path)
        if not file.is_file():
            raise ConfigError(f"configuration file not found: {file}")
    elif env.get(ENV_CONFIG_FILE):
        file = Path(env[ENV_CONFIG_FILE])
        if not file.is_file():
            raise ConfigError(f"configuration file not found: {file} (from {ENV_CONFIG_FILE})")
    elif default_config_file().is_file():
        file = default_config_file()
    data: dict[str, Any] = {}
    if file is not None:
        try:
            data = tomllib.loads(file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{file}: {exc}") from None
    data = apply_env(data, env)
    try:
        return RelayConfig.model_validate(data)
    except ValidationError as exc:
        where = str(file) if file is not None else "configuration"
        raise ConfigError(f"{where} is not valid:\n{_describe(exc)}") from None
