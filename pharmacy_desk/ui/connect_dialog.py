"""First run (and "Connection settings…"): the relay URL, the store, the device token; tested before saving.

The test is the desk's :meth:`RelayClient.test_connection` (it tells "server unreachable", "token
invalid", "token of another store" and "store unknown" apart). Saving keeps the token in the OS keyring
through :mod:`pharmacy_desk.desk.credentials`; with no usable keyring the dialog shows the desk's
message (what to install, or the ``PHARMACY_DESK_TOKEN_FILE`` fallback) and lets the pharmacist go on
with the token kept in memory for this run only.
"""

from __future__ import annotations

import asyncio

from pydantic import ValidationError
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from pharmacy_desk.desk.credentials import CredentialsUnavailable, TokenStore
from pharmacy_desk.desk.relay_client import ConnectionCheck, RelayClient
from pharmacy_desk.desk.settings import DeskSettings
from pharmacy_desk.fiscal.permit import PERMIT_SOURCE_RU, PermitSource
from pharmacy_desk.fiscal.settings import KIND_RU, FiscalKind
from pharmacy_desk.ui.qt_async import async_slot

_OK_STYLE = "background:#d7f5dd;color:#0b4d1c;padding:8px;"
_BAD_STYLE = "background:#ffcdd2;color:#8b0000;padding:8px;font-weight:bold;"
_WARN_STYLE = "background:#fff3cd;color:#5c4400;padding:8px;"


class ConnectDialog(QDialog):
    def __init__(
        self,
        settings: DeskSettings,
        token_store: TokenStore | None,
        *,
        token: str = "",
        store_problem: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("connectDialog")
        self.setWindowTitle(self.tr("Connect to the server"))
        self.base = settings
        self.token_store = token_store
        self.result_settings: DeskSettings | None = None
        self.result_token = ""
        self.token_saved = False
        self.last_check: ConnectionCheck | None = None
        self._checked: tuple[str, str, str] | None = None  # the values the last successful check used
        self._continue_unsaved = False

        intro = QLabel(self.tr("Enter what the server administrator gave you for this PC."), self)
        intro.setWordWrap(True)
        self.url = QLineEdit(settings.relay_url, self)
        self.url.setObjectName("relayUrl")
        self.url.setPlaceholderText("http://192.168.1.10:8080")
        self.store = QLineEdit(settings.store, self)
        self.store.setObjectName("store")
        self.store.setPlaceholderText("apteka-12")
        self.device_name = QLineEdit(settings.device_name, self)
        self.device_name.setObjectName("deviceName")
        self.device_name.setPlaceholderText(self.tr("e.g. Counter 1"))
        self.token = QLineEdit(token, self)
        self.token.setObjectName("token")
        self.token.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout()
        form.addRow(self.tr("Server address"), self.url)
        form.addRow(self.tr("Store code"), self.store)
        form.addRow(self.tr("This PC's name"), self.device_name)
        form.addRow(self.tr("Device token"), self.token)
        # The register attached to this PC (pharmacy_desk.fiscal.settings): kind, its address, the permit mode.
        fiscal = settings.fiscal
        self.fiscal_kind = QComboBox(self)
        self.fiscal_kind.setObjectName("fiscalKind")
        for kind, label in KIND_RU.items():
            self.fiscal_kind.addItem(label, kind.value)
        self.fiscal_kind.setCurrentIndex(max(0, self.fiscal_kind.findData(fiscal.kind.value)))
        self.fiscal_url = QLineEdit(fiscal.onec_url if fiscal.kind is FiscalKind.ONEC else fiscal.url, self)
        self.fiscal_url.setObjectName("fiscalUrl")
        self.fiscal_url.setPlaceholderText("http://127.0.0.1:16732")
        self.permit_source = QComboBox(self)
        self.permit_source.setObjectName("permitSource")
        for source, label in PERMIT_SOURCE_RU.items():
            self.permit_source.addItem(label, source.value)
        self.permit_source.setCurrentIndex(max(0, self.permit_source.findData(fiscal.permit_source.value)))
        form.addRow("Касса", self.fiscal_kind)
        form.addRow("Адрес кассы (веб-сервер АТОЛ или 1С)", self.fiscal_url)
        form.addRow("Разрешительный режим", self.permit_source)

        self.test_button = QPushButton(self.tr("Test the connection"), self)
        self.test_button.setObjectName("testConnection")
        self.test_button.clicked.connect(self.test)
        self.status = QLabel(self)
        self.status.setObjectName("checkResult")
        self.status.setWordWrap(True)
        self.keyring_note = QLabel(self)
        self.keyring_note.setObjectName("keyringNote")
        self.keyring_note.setWordWrap(True)
        self.keyring_note.setStyleSheet(_WARN_STYLE)
        self.keyring_note.setVisible(store_problem is not None)
        if store_problem is not None:
            self.keyring_note.setText(store_problem)

        self.buttons = QDialogButtonBox(self)
        self.save_button = self.buttons.addButton(self.tr("Save and connect"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("save")
        self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save)
        self.save_button.setEnabled(False)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(self.test_button)
        layout.addWidget(self.status)
        layout.addWidget(self.keyring_note)
        layout.addWidget(self.buttons)
        for field in (self.url, self.store, self.token):
            field.textChanged.connect(self._edited)
        self.resize(640, 0)

    def _values(self) -> tuple[str, str, str]:
        return self.url.text().strip(), self.store.text().strip(), self.token.text().strip()

    def _edited(self) -> None:
        self.save_button.setEnabled(self._checked is not None and self._checked == self._values())

    def _settings(self) -> DeskSettings | str:
        url, store, _ = self._values()
        try:
            return DeskSettings.model_validate(
                {
                    **self.base.model_dump(),
                    "relay_url": url,
                    "store": store,
                    "device_name": self.device_name.text().strip(),
                    "fiscal": self._fiscal(),
                }
            )
        except ValidationError as exc:
            return "; ".join(str(e["msg"]).removeprefix("Value error, ") for e in exc.errors(include_url=False))

    def _fiscal(self) -> dict[str, object]:
        kind = FiscalKind(self.fiscal_kind.currentData())
        data: dict[str, object] = {
            **self.base.fiscal.model_dump(),
            "kind": kind,
            "permit_source": PermitSource(self.permit_source.currentData()),
        }
        address = self.fiscal_url.text().strip()
        if kind is FiscalKind.ONEC:
            data["onec_url"] = address
        elif address:
            data["url"] = address
        return data

    def _set_status(self, text: str, style: str) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(style)

    @async_slot()
    async def test(self) -> None:
        settings = self._settings()
        if isinstance(settings, str):
            self._set_status(settings, _BAD_STYLE)
            return
        if not settings.is_configured:
            self._set_status(self.tr("Enter the server address and the store code"), _BAD_STYLE)
            return
        values = self._values()
        self.test_button.setEnabled(False)
        self._set_status(self.tr("Checking…"), _WARN_STYLE)
        try:
            async with RelayClient(
                settings.relay_url, settings.store, values[2], timeout=settings.request_timeout_seconds
            ) as client:
                check = await client.test_connection()
        finally:
            self.test_button.setEnabled(True)
        self.last_check = check
        self._checked = values if check.ok else None
        self._set_status(check.message, _OK_STYLE if check.ok else _BAD_STYLE)
        self._edited()

    @async_slot()
    async def save(self) -> None:
        settings = self._settings()
        if isinstance(settings, str) or self._checked != self._values():
            return
        token = self._values()[2]
        self.token_saved = False
        if self.token_store is not None and not self._continue_unsaved:
            try:
                await asyncio.to_thread(self.token_store.set, settings.store, token)
            except CredentialsUnavailable as exc:
                self.keyring_note.setText(exc.message_ru)
                self.keyring_note.show()
                self.save_button.setText(self.tr("Continue without saving the token"))
                self._continue_unsaved = True
                return
            self.token_saved = True
        self.result_settings = settings
        self.result_token = token
        self.accept()
