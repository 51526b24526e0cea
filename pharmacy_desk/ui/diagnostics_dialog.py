""" "About / Diagnostics": versions, where the files are, the connection, and the support bundle button.

What a pharmacist reads out to support on the phone, and one button that saves everything support needs
as a zip (:mod:`pharmacy_desk.desk.support_bundle`: logs and settings, the device token and anything
secret-looking redacted).

- versions: the app (bundle or source), Python, Qt, PySide6, the OS, the Qt platform;
- paths: the settings file, the log folder (and file), the data folder, the offline queue;
- the connection, when a :class:`~pharmacy_desk.desk.service.DeskService` runs: server, store, this PC,
  the stream's state (updated live) and its last error, the actions waiting in the offline queue.

The dialog is opened with :func:`show_diagnostics` from the main window's Help menu (:func:`add_help_menu`,
F1); the file choice and the saving are awaited (no nested ``exec()``), the zip is written in a worker thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import platform
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import platformdirs
import PySide6
from PySide6.QtCore import QCoreApplication, Qt, QUrl, Signal, qVersion
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QLabel,
    QMainWindow,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import pharmacy_desk
from pharmacy_desk import resources
from pharmacy_desk.desk.credentials import CredentialsUnavailable, token_store
from pharmacy_desk.desk.logs import current_log_file
from pharmacy_desk.desk.relay_client import RelayError
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings, SettingsError, SettingsFile
from pharmacy_desk.desk.stream import ConnectionStatus
from pharmacy_desk.desk.support_bundle import DeskPaths, SecretLeak, bundle_file_name, write_support_bundle
from pharmacy_desk.fiscal.settings import open_register
from pharmacy_desk.ui.async_dialog import run_dialog
from pharmacy_desk.ui.qt_async import async_slot
from pharmacy_desk.ui.tasks import spawn

__all__ = ["DiagnosticsDialog", "add_help_menu", "show_diagnostics"]

_OK_STYLE = "background:#d7f5dd;color:#0b4d1c;padding:8px;"
_BAD_STYLE = "background:#ffcdd2;color:#8b0000;padding:8px;font-weight:bold;"

_SELECTABLE = Qt.TextInteractionFlag.TextSelectableByMouse


@dataclass(frozen=True, slots=True)
class Row:
    label: str  # on screen, translated
    key: str  # in about.txt (English), and the key of ``DiagnosticsDialog.values``
    value: str
    about: str | None = None  # about.txt's value when the screen's is translated


class DiagnosticsDialog(QDialog):
    bundleSaved = Signal(str)  # the zip's path
    _state_en = ""  # the connection state in English, for about.txt

    def __init__(
        self,
        service: DeskService | None = None,
        *,
        settings_file: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsDialog")
        self.setWindowTitle(self.tr("About / Diagnostics"))
        self.service = service
        file = settings_file if settings_file is not None else SettingsFile.default().path
        settings = service.settings if service is not None else _saved_settings(file)
        self.paths = DeskPaths.of(file, settings)
        self.store = settings.store  # whose device token to look up (and redact) when saving the bundle
        self.values: dict[str, QLabel] = {}  # Row.key → the value on screen
        self._sections: list[tuple[str, list[Row]]] = []
        self._forget: list[Callable[[], None]] = []

        layout = QVBoxLayout(self)
        heading = QLabel(f"<b>pharmacy-desk {pharmacy_desk.__version__}</b>", self)
        layout.addWidget(heading)
        layout.addWidget(self._group(self.tr("Versions"), "Versions", self._versions()))
        layout.addWidget(self._group(self.tr("Files"), "Files", self._paths()))
        layout.addWidget(self._group(self.tr("Connection"), "Connection", self._connection()))

        self.status = QLabel(self)
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(self.status.textInteractionFlags() | _SELECTABLE)
        self.status.hide()
        layout.addWidget(self.status)

        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.save_button = QPushButton(self.tr("Save support bundle…"), self)
        self.save_button.setObjectName("saveSupportBundle")
        self.open_logs_button = QPushButton(self.tr("Open log folder"), self)
        buttons.addButton(self.save_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.open_logs_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.save_button.clicked.connect(self.save_clicked)
        self.open_logs_button.clicked.connect(self.open_log_folder)
        layout.addWidget(buttons)

        if service is not None:
            self._forget.append(service.connection_changed.connect(self._show_status))
            self._show_status(service.connection)
        self.queue_task: asyncio.Task[None] | None = None
        self.register_task: asyncio.Task[None] | None = None
        with contextlib.suppress(RuntimeError):  # no running loop: the count stays "—"
            asyncio.get_running_loop()
            self.queue_task = asyncio.ensure_future(self._count_queued())
            self.register_task = asyncio.ensure_future(self._register_state())

    # --- the sections -----------------------------------------------------------------------------

    def _versions(self) -> list[Row]:
        frozen = resources.frozen()
        where = self.tr("installed program") if frozen else self.tr("from source")
        version = f"pharmacy-desk {pharmacy_desk.__version__}"
        python = f"{platform.python_version()} ({platform.python_implementation()}, {sys.executable})"
        return [
            Row(
                self.tr("Program"), "Program", f"{version} ({where})", f"{version} ({'bundle' if frozen else 'source'})"
            ),
            Row("Python", "Python", python),
            Row("Qt", "Qt", qVersion()),
            Row("PySide6", "PySide6", PySide6.__version__),
            Row(self.tr("Operating system"), "Operating system", platform.platform()),
            Row(self.tr("Qt platform"), "Qt platform", QGuiApplication.platformName()),
        ]

    def _paths(self) -> list[Row]:
        log_file = current_log_file()
        rows = [
            Row(self.tr("Settings file"), "Settings file", str(self.paths.settings_file)),
            Row(self.tr("Log folder"), "Log folder", str(self.paths.log_dir)),
        ]
        if log_file is not None and log_file.parent != self.paths.log_dir:
            rows.append(Row(self.tr("Log file"), "Log file", str(log_file)))
        rows += [
            Row(self.tr("Data folder"), "Data folder", str(self.paths.data_dir)),
            Row(self.tr("Offline queue"), "Offline queue", str(self.paths.offline_queue)),
        ]
        return rows

    def _connection(self) -> list[Row]:
        service = self.service
        if service is None:
            return [Row(self.tr("State"), "State", self.tr("not started"), "not started")]
        settings = service.settings
        return [
            Row(self.tr("Server"), "Server", settings.relay_url or "—"),
            Row(self.tr("Store"), "Store", settings.store or "—"),
            Row(self.tr("This PC"), "This PC", settings.device_name or "—"),
            Row(self.tr("State"), "State", ""),
            Row(self.tr("Last error"), "Last error", ""),
            Row(self.tr("Last event"), "Last event", ""),
            Row(self.tr("Actions waiting"), "Actions waiting", "—"),
            Row(self.tr("Kuper feed"), "Kuper feed", "—"),
            Row(self.tr("Kuper orders"), "Kuper orders", "—"),
            Row("Касса", "Register", settings.fiscal.label),
            Row("Состояние кассы", "Register state", "—"),
        ]

    def _group(self, title: str, title_en: str, rows: list[Row]) -> QGroupBox:
        box = QGroupBox(title, self)
        form = QFormLayout(box)
        for row in rows:
            shown = QLabel(row.value, box)
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(shown.textInteractionFlags() | _SELECTABLE)
            form.addRow(row.label, shown)
            self.values[row.key] = shown
        self._sections.append((title_en, rows))
        return box

    def _set(self, key: str, value: str) -> None:
        if key in self.values:
            self.values[key].setText(value)

    def _show_status(self, status: ConnectionStatus) -> None:
        self._set("State", status.message)  # Russian on screen; the English state goes to about.txt
        self._state_en = status.state.value
        self._set("Last error", status.detail or "—")
        self._set("Last event", str(status.last_event_id) if status.last_event_id is not None else "—")

    async def _count_queued(self) -> None:
        service = self.service
        if service is None or service.queue is None:
            return
        waiting = await service.queued()
        self._set("Actions waiting", str(len(waiting)))
        await self._load_feed()

    async def _load_feed(self) -> None:
        """The store's stock / price feed to Kuper and whether Kuper orders are paused (from the relay)."""
        service = self.service
        if service is None:
            return
        try:
            self._set("Kuper feed", (await service.feed_state()).text_ru())
        except RelayError as exc:
            self._set("Kuper feed", exc.message)
        pause = service.pause.info
        if pause is not None:
            self._set("Kuper orders", pause.text_ru() or self.tr("taking orders"))

    async def _register_state(self) -> None:
        """The register's status, asked once (a short-lived adapter: the screen's own keeps working)."""
        service = self.service
        if service is None:
            return
        try:
            register = open_register(service.settings.fiscal, store=service.settings.store)
        except ValueError as exc:
            self._set("Register state", f"не настроена: {exc}")
            return
        if register is None:
            self._set("Register state", "нет кассы на этом ПК")
            return
        try:
            status = await register.status()
        finally:
            await register.aclose()
        now = dt.datetime.now(dt.UTC)
        problems = status.problems(now) + status.warnings(now)
        self._set("Register state", "; ".join([status.summary(now), *problems]))

    # --- the text for support ---------------------------------------------------------------------

    def about_text(self) -> str:
        """What the dialog shows, in English labels (about.txt of the support bundle)."""
        lines: list[str] = []
        for title, rows in self._sections:
            lines.append(f"[{title}]")
            for row in rows:
                value = row.about or self.values[row.key].text()
                if row.key == "State" and self._state_en:
                    value += f" ({self._state_en})"
                lines.append(f"{row.key}: {value}")
            lines.append("")
        return "\n".join(lines)

    def secrets(self) -> list[str]:
        """The device token this PC uses (from the running service), never shown, redacted from the zip."""
        found: list[str] = []
        if self.service is not None:
            header = self.service.client.http.headers.get("Authorization", "")
            if header.startswith("Bearer ") and header[7:]:
                found.append(header[7:])
        return found

    # --- actions ----------------------------------------------------------------------------------

    def open_log_folder(self) -> None:
        self.paths.log_dir.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.paths.log_dir)))

    @async_slot()
    async def save_clicked(self) -> None:
        target = await self.ask_target()
        if target is not None:
            await self.save_bundle(target)

    async def ask_target(self) -> Path | None:
        """Where to save: a file dialog starting on the desktop with a dated name."""
        desktop = Path(platformdirs.user_desktop_dir())
        folder = desktop if desktop.is_dir() else Path.home()
        dialog = QFileDialog(self, self.tr("Save support bundle"), str(folder / bundle_file_name()))
        dialog.setAcceptMode(QFileDialog.AcceptMode.AcceptSave)
        dialog.setNameFilter(self.tr("Zip archives (*.zip)"))
        dialog.setDefaultSuffix("zip")
        accepted = await run_dialog(dialog)
        files = dialog.selectedFiles()
        dialog.deleteLater()
        if accepted != QDialog.DialogCode.Accepted or not files:
            return None
        return Path(files[0])

    async def save_bundle(self, target: Path) -> Path | None:
        """Write the support bundle to ``target``; says on the dialog where it went, or why not."""
        self.save_button.setEnabled(False)
        about, secrets = self.about_text(), self.secrets()
        try:
            path = await asyncio.to_thread(_write, target, self.paths, about, secrets, self.store)
        except (OSError, SecretLeak) as exc:
            self._say(self.tr("The support bundle was not saved: %1").replace("%1", str(exc)), ok=False)
            return None
        finally:
            self.save_button.setEnabled(True)
        self._say(self.tr("Support bundle saved: %1").replace("%1", str(path)), ok=True)
        self.bundleSaved.emit(str(path))
        return path

    def _say(self, text: str, *, ok: bool) -> None:
        self.status.setText(text)
        self.status.setStyleSheet(_OK_STYLE if ok else _BAD_STYLE)
        self.status.show()

    def done(self, result: int) -> None:
        while self._forget:
            self._forget.pop()()
        if self.queue_task is not None:
            self.queue_task.cancel()
        if self.register_task is not None:
            self.register_task.cancel()
        super().done(result)


def _saved_settings(file: Path) -> DeskSettings:
    try:
        return SettingsFile(file).load()
    except SettingsError:
        return DeskSettings()


def _write(target: Path, paths: DeskPaths, about: str, secrets: list[str], store: str) -> Path:
    """In the worker thread: also redact the token kept for ``store`` (keyring or token file), if readable."""
    known = list(secrets)
    if store:
        with contextlib.suppress(CredentialsUnavailable, OSError):
            kept = token_store().get(store)
            if kept:
                known.append(kept)
    return write_support_bundle(target, paths=paths, about=about, secrets=known)


async def show_diagnostics(service: DeskService | None, parent: QWidget | None = None) -> None:
    """Open the dialog and wait until it is closed (for a menu action: ``spawn(show_diagnostics(...))``)."""
    dialog = DiagnosticsDialog(service, parent=parent)
    try:
        await run_dialog(dialog)
    finally:
        dialog.deleteLater()


def add_help_menu(window: QMainWindow, service: DeskService | None) -> QAction:
    """The main window's Help menu: "About / Diagnostics…" (F1) opens the dialog for ``service``."""
    menu = window.menuBar().addMenu(QCoreApplication.translate("DiagnosticsDialog", "&Help"))
    action = menu.addAction(QCoreApplication.translate("DiagnosticsDialog", "About / Diagnostics…"))
    action.setObjectName("aboutDiagnostics")
    action.setShortcut(QKeySequence.StandardKey.HelpContents)
    action.triggered.connect(lambda *_: spawn(show_diagnostics(service, window)))
    return action
