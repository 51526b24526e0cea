"""The counter app's settings: declared once with types and defaults, stored as JSON in the user config dir.

The file is ``<user config dir>/pharmacy-desk/desk.json`` (``~/.config/pharmacy-desk/desk.json`` on
Linux, ``%LOCALAPPDATA%\\pharmacy-desk\\pharmacy-desk\\desk.json`` on Windows); the data (offline queue)
goes to ``<user data dir>/pharmacy-desk`` unless ``data_dir`` says otherwise. The device token is not
here: it lives in the OS keyring (:mod:`.credentials`).

A missing file gives the defaults (``is_configured`` is false: the first-run dialog asks for the relay
URL, the store and the token). A file that cannot be read or is not valid raises
:class:`SettingsError` with a Russian message; it is never silently replaced. Saving writes a temporary
file and renames it over the old one, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pharmacy_desk.fiscal.settings import FiscalSettings

APP_DIR_NAME = "pharmacy-desk"
SETTINGS_FILE_NAME = "desk.json"
_STORE_KEY_PATTERN = r"^([A-Za-z0-9_-]{1,32})?$"  # the relay's store keys; empty until configured


class SettingsError(Exception):
    """The settings file cannot be read or is not valid; ``str()`` is Russian, for the screen."""


class SoundSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    enabled: bool = True
    volume: int = Field(default=80, ge=0, le=100)
    new_order_repeat_seconds: float = Field(default=10.0, ge=1.0, le=600.0)  # the bell rings again until acknowledged
    courier_arrived: bool = True
    canceled_during_assembly: bool = True


class LabelSettings(BaseModel):
    """Bag labels: the paper (``pharmacy_desk.printing.FORMATS``), the printer, printing on "ready"."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    format: Literal["58mm", "80mm", "a4"] = "58mm"
    auto_print: bool = True  # print the label when this PC makes an order ready (when a printer is there)
    shelf_cells: int = Field(default=0, ge=0, le=999)  # numbered cells of the pick-up shelf; 0: none
    printer: str = ""  # the printer's name; empty: the system's default printer
    store_name: str = Field(default="", max_length=100)  # printed on top of the label; empty: the store key
    pick_list_format: Literal["80mm", "a4"] = "80mm"  # the pick list's paper (pharmacy_desk.printing.PICK_FORMATS)


class DeskSettings(BaseModel):
    """Everything the counter app remembers between runs (but the token)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    relay_url: str = ""  # e.g. "http://192.168.1.10:8080"
    store: str = Field(default="", pattern=_STORE_KEY_PATTERN)  # the store key from the relay's configuration
    device_name: str = Field(default="", max_length=100)  # as shown on this PC; the relay knows its own name
    data_dir: Path | None = None  # None: <user data dir>/pharmacy-desk
    min_shelf_life_days: int = Field(default=0, ge=0, le=3650)  # shown and checked while assembling
    request_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    stream_idle_timeout_seconds: float = Field(default=45.0, gt=0, le=600)  # > 2 relay heartbeats (15 s)
    sound: SoundSettings = SoundSettings()
    labels: LabelSettings = LabelSettings()
    # Large type: the counter app's text at 125 % or 150 %, laid out to still fit the screen. Use it
    # instead of Windows' 125 % / 150 % display scaling, which leaves a 1366×768 screen 1093×614 points.
    text_size_percent: Literal[100, 125, 150] = 100
    fiscal: FiscalSettings = FiscalSettings()  # the register attached to this PC (pharmacy_desk.fiscal.settings)

    @field_validator("relay_url")
    @classmethod
    def _http_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        if url and not url.startswith(("http://", "https://")):
            raise ValueError("адрес сервера должен начинаться с http:// или https://")
        return url

    @property
    def is_configured(self) -> bool:
        return bool(self.relay_url and self.store)

    @property
    def data_path(self) -> Path:
        return self.data_dir if self.data_dir is not None else default_data_dir()


def default_config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_DIR_NAME))


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_DIR_NAME))


class SettingsFile:
    """Where the settings live; ``SettingsFile.default()`` is the user's, tests pass a temporary path."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def default(cls) -> SettingsFile:
        return cls(default_config_dir() / SETTINGS_FILE_NAME)

    def load(self) -> DeskSettings:
        """The saved settings; the defaults when there is no file yet."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return DeskSettings()
        except (OSError, UnicodeDecodeError) as exc:
            raise SettingsError(f"Не удалось прочитать настройки {self.path}: {exc}") from None
        try:
            return DeskSettings.model_validate(json.loads(text))
        except (json.JSONDecodeError, ValidationError) as exc:
            raise SettingsError(f"Файл настроек {self.path} повреждён: {_first_line(exc)}") from None

    def save(self, settings: DeskSettings) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = json.dumps(settings.model_dump(mode="json"), ensure_ascii=False, indent=2) + "\n"
        fd, tmp = tempfile.mkstemp(prefix=".desk-", suffix=".json", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def _first_line(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'файл'}: {e['msg']}" for e in exc.errors(include_url=False)
        )
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
