"""The per-PC ``fiscal`` setting (the register is attached to the PC) and the adapter it opens.

======  ============================================================================================
kind    what prints the receipt
======  ============================================================================================
atol    ATOL Driver 10's Web Server on this PC (``url``, default ``http://127.0.0.1:16732``)
onec    1C:Розница (Аптека) owns the register: the receipt goes to the 1C extension (``onec_url``)
manual  the store's own register, rung up by hand; the app records the receipt typed in
none    no register at this PC (the relay refuses the hand-over unless the store's
        ``receipt_required`` is false)
======  ============================================================================================

``permit_source`` says who asks Честный знак's permit mode (see :mod:`.permit`): ``local_module``
(ЛМ ЧЗ at ``permit_url``, default ``http://127.0.0.1:5995``), ``chz_api`` (Честный знак's API with the
key in ``PHARMACY_DESK_CHZ_API_KEY``) or ``register`` (the ATOL driver asks on its own).
"""

from __future__ import annotations

import os
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pharmacy_desk.fiscal.atol import DEFAULT_URL, AtolWebServer
from pharmacy_desk.fiscal.manual import Ask, ManualRegister
from pharmacy_desk.fiscal.onec import OneCRegister
from pharmacy_desk.fiscal.permit import DEFAULT_CHZ_API_URL, DEFAULT_LOCAL_MODULE_URL, PermitClient, PermitSource
from pharmacy_desk.fiscal.register import FiscalRegister

CHZ_API_KEY_ENV = "PHARMACY_DESK_CHZ_API_KEY"
ONEC_PASSWORD_ENV = "PHARMACY_DESK_ONEC_PASSWORD"


class FiscalKind(StrEnum):
    ATOL = "atol"
    ONEC = "onec"
    MANUAL = "manual"
    NONE = "none"


KIND_RU = {
    FiscalKind.ATOL: "АТОЛ (веб-сервер драйвера)",
    FiscalKind.ONEC: "1С",
    FiscalKind.MANUAL: "Касса магазина (вручную)",
    FiscalKind.NONE: "Нет кассы",
}


def _http(value: str) -> str:
    url = value.strip().rstrip("/")
    if url and not url.startswith(("http://", "https://")):
        raise ValueError("адрес должен начинаться с http:// или https://")
    return url


class FiscalSettings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore")

    kind: FiscalKind = FiscalKind.NONE
    url: str = DEFAULT_URL  # ATOL Web Server
    permit_source: PermitSource = PermitSource.LOCAL_MODULE
    permit_url: str = ""  # empty: the source's default
    permit_username: str = ""  # ЛМ ЧЗ's user, when it asks for one
    onec_url: str = ""  # https://<web server>/<infobase>/hs/kuper
    onec_username: str = ""
    timeout_seconds: float = Field(default=5.0, gt=0, le=120)
    receipt_timeout_seconds: float = Field(default=60.0, gt=0, le=600)

    _urls = field_validator("url", "permit_url", "onec_url")(_http)

    @property
    def label(self) -> str:
        if self.kind is FiscalKind.ATOL:
            return f"{KIND_RU[self.kind]}, {self.url}"
        if self.kind is FiscalKind.ONEC:
            return f"{KIND_RU[self.kind]}, {self.onec_url or 'адрес не задан'}"
        return KIND_RU[self.kind]

    def permit_client(self) -> PermitClient | None:
        if self.permit_source is PermitSource.REGISTER:
            return None
        if self.permit_source is PermitSource.LOCAL_MODULE:
            url = self.permit_url or DEFAULT_LOCAL_MODULE_URL
            password = os.environ.get("PHARMACY_DESK_LM_PASSWORD")
            return PermitClient(
                PermitSource.LOCAL_MODULE,
                url,
                username=self.permit_username or None,
                password=password,
                timeout=self.timeout_seconds,
            )
        return PermitClient(
            PermitSource.CHZ_API,
            self.permit_url or DEFAULT_CHZ_API_URL,
            token=os.environ.get(CHZ_API_KEY_ENV),
            timeout=self.timeout_seconds,
        )


def open_register(settings: FiscalSettings, *, store: str = "", ask: Ask | None = None) -> FiscalRegister | None:
    """The adapter the setting names (None for ``none``). ``ask`` is the manual register's dialog."""
    match settings.kind:
        case FiscalKind.ATOL:
            return AtolWebServer(
                settings.url,
                permit=settings.permit_client(),
                timeout=settings.timeout_seconds,
                task_timeout=settings.receipt_timeout_seconds,
                close_permit=True,
            )
        case FiscalKind.ONEC:
            if not settings.onec_url:
                raise ValueError("fiscal.onec_url is not set")
            return OneCRegister(
                settings.onec_url,
                store,
                username=settings.onec_username or None,
                password=os.environ.get(ONEC_PASSWORD_ENV),
                timeout=settings.receipt_timeout_seconds,
            )
        case FiscalKind.MANUAL:
            if ask is None:
                raise ValueError("the manual register needs the dialog that asks for the receipt")
            return ManualRegister(ask)
        case FiscalKind.NONE:
            return None
