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
import string
import tomllib
from collections.abc import Mapping
from enum import StrEnum
from pathlib import Path
from typing import Any, Literal, Self

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, model_validator

from pharmacy_desk.api.store import OutOfStockPolicy, StockKind
from pharmacy_desk.domain import CancelReason, StoreRules
from pharmacy_desk.domain.pickup_message import DEFAULT_SUBJECT, DEFAULT_TEMPLATE, check_template
from pharmacy_desk.domain.remote_sale import ForbiddenLinesPolicy
from pharmacy_desk.inventory.onec.settings import OneCSettings
from pharmacy_desk.kuper.vocabulary import NotificationFormat
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


class KuperMode(StrEnum):
    """How a store learns of its orders."""

    PUSH = "push"  # Kuper's webhooks (and the reconciliation poll behind them)
    PULL = "pull"  # polling Kuper's shipments list alone (a relay Kuper cannot reach)


class PickupAttemptBudget(BaseModel):
    """``[pickup_attempts]`` in the relay configuration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    window_seconds: float = Field(default=600.0, gt=0, le=86400)
    device_failures: int = Field(default=12, ge=1)
    store_failures: int = Field(default=40, ge=1)
    alert_after: int = Field(default=6, ge=1)


class PickupMessages(_Section):
    """The pickup code repeated to the customer (opt-in per store)."""

    sms: bool = False  # by SMS (needs [messaging.sms]) to the phone Kuper gave
    email: bool = False  # by e-mail (needs [messaging.smtp]) when Kuper gave an address
    template: str = DEFAULT_TEMPLATE  # placeholders {code} {number} {store} {until}
    subject: str = DEFAULT_SUBJECT  # e-mail subject; placeholders {number} {store} (never the code)

    @model_validator(mode="after")
    def _templates(self) -> Self:
        check_template(self.template)
        for name in (n for _, n, _, _ in string.Formatter().parse(self.subject) if n is not None):
            if name not in ("number", "store"):
                raise ValueError(f"placeholder {{{name}}} is not allowed in the subject: use {{number}} {{store}}")
        return self


class SmtpSettings(_Section):
    host: str
    port: int = Field(default=25, ge=1, le=65535)
    from_address: str = Field(min_length=3)
    username: str | None = None
    password: SecretStr | None = None
    starttls: bool = False
    use_tls: bool = False


class SmsSettings(_Section):
    provider: str = Field(default="smsru", pattern=r"^smsru$")  # SMS.ru's HTTP API
    api_id: SecretStr
    base_url: str = "https://sms.ru"
    sender: str | None = None  # an approved sender name, else the gateway's default


class MessagingConfig(_Section):
    smtp: SmtpSettings | None = None
    sms: SmsSettings | None = None
    attempts: int = Field(default=5, ge=1, le=50)  # per message, within minutes of the code being issued
    retry_seconds: float = Field(default=20.0, gt=0)  # first retry; doubles
    timeout_seconds: float = Field(default=15.0, gt=0)


class StoreConfig(_Section):
    key: str = Field(pattern=_KEY_PATTERN)
    name: str = Field(min_length=1)
    number_prefix: str = Field(default="", pattern=_PREFIX_PATTERN)
    number_digits: int = Field(default=6, ge=1, le=12)
    kuper_store_ids: tuple[str, ...] = ()  # payload storeID / storeImportKey values routed to this store
    rules: StoreRules = StoreRules()
    min_shelf_life_days: int = Field(default=0, ge=0)
    out_of_stock: OutOfStockPolicy = OutOfStockPolicy.ASK_STAFF
    # An order with a line that may not be sold remotely (Rx…): ask the staff, or cancel it with the slug.
    forbidden_lines: ForbiddenLinesPolicy = ForbiddenLinesPolicy.ASK_STAFF
    forbidden_cancel_slug: CancelReason = CancelReason.OUT_OF_STOCK
    stock: StockKind = StockKind.EMBEDDED
    webhook_auth: WebhookAuth | None = None  # overrides the global one for this store
    kuper_outlet_id: str | None = Field(default=None, min_length=1, max_length=64)  # the store's id at Kuper
    feed: bool = False  # send this store's stock and prices to Kuper (needs kuper_outlet_id)
    safety_stock: int = Field(default=0, ge=0)  # packs per SKU kept back from Kuper
    pickup_messages: PickupMessages = PickupMessages()
    # order.accepted: None follows rules.accept_step (sent by the staff's accept step); True: always sent
    # (right after order.created when there is no accept step); False: never sent.
    send_accepted: bool | None = None
    send_assembled: bool = True  # order.assembled (optional in the live spec; Kuper may answer 405)
    mode: KuperMode | None = None  # overrides kuper.mode for this store
    kuper_store_id: str | None = None  # filters[storeId] when pulling (default: the first kuper_store_ids, else key)

    @property
    def pull_store_id(self) -> str:
        """The store id the shipments list is filtered by."""
        return self.kuper_store_id or (self.kuper_store_ids[0] if self.kuper_store_ids else self.key)

    @property
    def accepted_at_creation(self) -> bool:
        """order.accepted goes out right after order.created (no staff accept step)."""
        return self.send_accepted is True and not self.rules.accept_step

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
    notification_format: NotificationFormat = NotificationFormat.SEEDS
    mode: KuperMode = KuperMode.PUSH
    reconcile_minutes: float = Field(default=5.0, ge=0)  # pull Kuper's shipments list this often; 0: off
    reconcile_page_size: int = Field(default=50, ge=1, le=500)
    reconcile_overlap_minutes: float = Field(default=2.0, ge=0)  # re-read this far back (clocks, late writes)
    # expectedAssemblyTime in the answer to order.created (minutes)
    assembly_default_minutes: float = Field(default=20.0, gt=0)  # until enough orders were measured
    assembly_floor_minutes: float = Field(default=10.0, ge=0)
    assembly_ceiling_minutes: float = Field(default=120.0, gt=0)
    assembly_sample: int = Field(default=20, ge=1)  # the store's last N assembled orders
    assembly_min_samples: int = Field(default=5, ge=1)
    retail_chain_slug: str = ""  # the chain's slug at Kuper (store status calls)
    content_base_url: str | None = None  # the content API, when not at base_url

    @model_validator(mode="after")
    def _bounds(self) -> Self:
        if self.assembly_floor_minutes > self.assembly_ceiling_minutes:
            raise ValueError("assembly_floor_minutes must not exceed assembly_ceiling_minutes")
        return self

    def mode_of(self, store: StoreConfig) -> KuperMode:
        return store.mode or self.mode


class FeedConfig(_Section):
    """The stock and price feed to Kuper (:mod:`pharmacy_desk.relay.feed`)."""

    interval_minutes: float = Field(default=10.0, gt=0)  # deltas this often
    full_hours: float = Field(default=24.0, gt=0)  # everything again this often
    check_seconds: float = Field(default=5.0, gt=0)  # how often a stock import is looked for
    rate_per_second: float = Field(default=10.0, gt=0, le=10.0)  # Kuper's limit across the relay
    max_records: int = Field(default=1000, ge=1, le=1000)  # per request
    max_stores: int = Field(default=10, ge=1, le=10)  # distinct stores per request
    concurrency: int = Field(default=4, ge=1, le=16)  # requests in flight
    vat: str = Field(default="VAT10", pattern=r"^(NO_VAT|VAT0|VAT10|VAT20)$")  # when the product does not say


class RelayConfig(_Section):
    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=0, le=65535)
    database_url: str = Field(default_factory=default_database_url)
    heartbeat_seconds: float = Field(default=15.0, gt=0)
    stream_poll_seconds: float = Field(default=2.0, gt=0)  # fallback poll (other relay processes)
    outbox_poll_seconds: float = Field(default=30.0, gt=0)  # the outbox's safety poll (wake-ups do the rest)
    stock_budget_seconds: float = Field(default=2.0, ge=0)  # wait this long for the stock hook
    stock_retry_seconds: float = Field(default=30.0, gt=0)  # first retry of a failed stock effect
    no_show_check_seconds: float = Field(default=60.0, gt=0)  # how often pickup holds are checked
    max_webhook_bytes: int = Field(default=1024 * 1024, ge=1024)
    webhook_auth: WebhookAuth = WebhookAuth()
    kuper: KuperConfig = KuperConfig()
    pickup_attempts: PickupAttemptBudget = PickupAttemptBudget()  # verify_pickup_code budgets (429)
    onec: OneCSettings | None = None  # 1C:Retail, for stores with stock = "onec"
    feed: FeedConfig = FeedConfig()
    messaging: MessagingConfig = MessagingConfig()
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
        outlets: dict[str, str] = {}
        for store in self.stores:
            if store.pickup_messages.sms and self.messaging.sms is None:
                raise ValueError(f"store {store.key!r}: pickup_messages.sms needs the [messaging.sms] section")
            if store.pickup_messages.email and self.messaging.smtp is None:
                raise ValueError(f"store {store.key!r}: pickup_messages.email needs the [messaging.smtp] section")
            if store.feed and store.kuper_outlet_id is None:
                raise ValueError(f"store {store.key!r}: feed = true needs kuper_outlet_id")
            if store.kuper_outlet_id is not None:
                other = outlets.setdefault(store.kuper_outlet_id, store.key)
                if other != store.key:
                    outlet = store.kuper_outlet_id
                    raise ValueError(f"kuper_outlet_id {outlet!r} is given to {other!r} and {store.key!r}")
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
