""" "О программе / Диагностика": versions, paths, the live connection, and a support bundle without the token."""

from __future__ import annotations

import asyncio
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import shiboken6
from PySide6.QtCore import qVersion
from PySide6.QtWidgets import QApplication, QFileDialog, QLineEdit

from pharmacy_desk.desk import logs
from pharmacy_desk.desk.credentials import SERVICE_NAME, account_name
from pharmacy_desk.desk.logs import LOG_FILE_NAME
from pharmacy_desk.desk.service import DeskService
from pharmacy_desk.desk.settings import DeskSettings, SettingsFile
from pharmacy_desk.desk.stream import ConnectionState, ConnectionStatus
from pharmacy_desk.ui.diagnostics_dialog import DiagnosticsDialog
from tests.support import MemoryKeyring, eventually
from tests.ui.ui_support import Live, signal_once

TOKEN = "pdt_diagnostics-9cQ2xV7sLkT0wq8ZbYf3"


@pytest.fixture
def log_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "logs"
    monkeypatch.setenv(logs.ENV_LOG_DIR, str(folder))
    folder.mkdir()
    (folder / LOG_FILE_NAME).write_text(
        f"2026-11-23 10:00:00 INFO pharmacy_desk.desk: подключение, токен {TOKEN}\n"
        "2026-11-23 10:00:01 INFO pharmacy_desk.desk: заказ A12-000042 собран\n",
        encoding="utf-8",
    )
    return folder


@pytest.fixture
def settings_file(tmp_path: Path) -> SettingsFile:
    file = SettingsFile(tmp_path / "config" / "desk.json")
    file.save(DeskSettings(relay_url="http://127.0.0.1:9", store="apteka-12", device_name="Касса 1"))
    return file


@pytest.fixture
def dialogs() -> Iterator[list[DiagnosticsDialog]]:
    made: list[DiagnosticsDialog] = []
    yield made
    for dialog in made:
        if shiboken6.isValid(dialog):  # a dialog on a live desk's window went with the window
            dialog.close()
            dialog.deleteLater()


def _zip(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as archive:
        return {info.filename: archive.read(info).decode("utf-8") for info in archive.infolist()}


def test_versions_and_paths_without_a_service(
    qapp: QApplication, settings_file: SettingsFile, log_dir: Path, dialogs: list[DiagnosticsDialog]
) -> None:
    dialog = DiagnosticsDialog(settings_file=settings_file.path)
    dialogs.append(dialog)
    dialog.show()
    assert dialog.windowTitle() == "О программе / Диагностика"
    values = {key: label.text() for key, label in dialog.values.items()}
    assert values["Program"] == "pharmacy-desk 0.1.0 (из исходного кода)"
    assert values["Qt"] == qVersion()
    assert values["PySide6"].startswith("6.")
    assert values["Qt platform"] == "offscreen"
    assert values["Settings file"] == str(settings_file.path)
    assert values["Log folder"] == str(log_dir)
    data = settings_file.load().data_path
    assert values["Data folder"] == str(data)
    assert values["Offline queue"] == str(data / "offline-queue.sqlite3")
    assert values["State"] == "не запущено"
    about = dialog.about_text()
    assert "[Versions]\nProgram: pharmacy-desk 0.1.0 (source)\n" in about
    assert "State: not started" in about


async def test_the_connection_state_follows_the_service(
    qapp: QApplication, tmp_path: Path, log_dir: Path, dialogs: list[DiagnosticsDialog]
) -> None:
    settings = DeskSettings(relay_url="http://127.0.0.1:9", store="apteka-12", device_name="Касса 2")
    service = DeskService(settings, TOKEN)
    try:
        dialog = DiagnosticsDialog(service, settings_file=tmp_path / "desk.json")
        dialogs.append(dialog)
        dialog.show()
        assert dialog.values["Server"].text() == "http://127.0.0.1:9"
        assert dialog.values["Store"].text() == "apteka-12"
        assert dialog.values["This PC"].text() == "Касса 2"
        service.connection_changed.emit(
            ConnectionStatus(
                ConnectionState.OFFLINE, "Нет связи с сервером", failures=3, detail="ConnectError: refused"
            )
        )
        assert dialog.values["State"].text() == "Нет связи с сервером"
        assert dialog.values["Last error"].text() == "ConnectError: refused"
        dialog.close()  # unsubscribes
        assert len(service.connection_changed) == 0
    finally:
        await service.client.aclose()


async def test_the_support_bundle_of_a_live_desk_has_no_token(
    live: Callable[[], Live], tmp_path: Path, log_dir: Path, dialogs: list[DiagnosticsDialog]
) -> None:
    async with live() as env:
        desk = await env.open_desk("Касса 1")
        token = desk.service.client.http.headers["Authorization"].removeprefix("Bearer ")
        (log_dir / LOG_FILE_NAME).write_text(f"INFO x: Authorization: Bearer {token}\nINFO x: id {token}\n")
        dialog = DiagnosticsDialog(desk.service, settings_file=tmp_path / "desk.json", parent=desk.window)
        dialogs.append(dialog)
        dialog.show()
        assert dialog.values["State"].text() == "На связи"  # every string on screen Russian
        await eventually(lambda: dialog.values["Actions waiting"].text() == "0")

        saved = asyncio.ensure_future(signal_once(dialog.bundleSaved))
        path = await dialog.save_bundle(tmp_path / "out" / "support.zip")
        assert path == tmp_path / "out" / "support.zip"
        assert (await saved) == (str(path),)
        assert dialog.status.isVisible() and str(path) in dialog.status.text()

        members = _zip(path)
        assert set(members) == {"about.txt", "settings/desk.json", f"logs/{LOG_FILE_NAME}"}
        assert token not in "".join(members.values())
        assert token.encode() not in path.read_bytes()
        assert f"Server: {env.relay.base_url}" in members["about.txt"]
        assert "State: " in members["about.txt"] and "(connected)" in members["about.txt"]
        assert "Authorization: ***" in members[f"logs/{LOG_FILE_NAME}"]


async def test_the_save_button_asks_where_and_saves_there(
    qapp: QApplication,
    settings_file: SettingsFile,
    log_dir: Path,
    tmp_path: Path,
    dialogs: list[DiagnosticsDialog],
    memory_keyring: MemoryKeyring,
) -> None:
    """No service runs: the token to redact is the one the keyring keeps for the configured store."""
    memory_keyring.set_password(SERVICE_NAME, account_name("apteka-12"), TOKEN)
    dialog = DiagnosticsDialog(settings_file=settings_file.path)
    dialogs.append(dialog)
    dialog.show()
    saved = asyncio.ensure_future(signal_once(dialog.bundleSaved))
    dialog.save_button.click()

    def chooser() -> QFileDialog | None:
        found = [w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()]
        return found[0] if found else None

    await eventually(lambda: chooser() is not None)
    file_dialog = chooser()
    assert file_dialog is not None
    assert file_dialog.windowTitle() == "Сохранить архив для поддержки"
    assert Path(file_dialog.selectedFiles()[0]).name.startswith("pharmacy-desk-support-")
    file_dialog.setDirectory(str(tmp_path))
    name = file_dialog.findChild(QLineEdit, "fileNameEdit")  # what the pharmacist types (Qt's own dialog)
    assert name is not None
    name.setText("chosen")  # the suffix is added
    file_dialog.accept()
    (path,) = await saved
    assert path == str(tmp_path / "chosen.zip")
    members = _zip(Path(path))
    assert TOKEN not in "".join(members.values())
    assert "заказ A12-000042 собран" in members[f"logs/{LOG_FILE_NAME}"]


async def test_a_cancelled_choice_saves_nothing_and_a_failure_is_said(
    qapp: QApplication, settings_file: SettingsFile, log_dir: Path, tmp_path: Path, dialogs: list[DiagnosticsDialog]
) -> None:
    dialog = DiagnosticsDialog(settings_file=settings_file.path)
    dialogs.append(dialog)
    dialog.show()
    task = asyncio.ensure_future(dialog.ask_target())
    await eventually(lambda: any(isinstance(w, QFileDialog) and w.isVisible() for w in QApplication.topLevelWidgets()))
    next(w for w in QApplication.topLevelWidgets() if isinstance(w, QFileDialog) and w.isVisible()).reject()
    assert await task is None

    blocker = tmp_path / "a-file"
    blocker.write_text("")
    assert await dialog.save_bundle(blocker / "support.zip") is None
    assert dialog.status.text().startswith("Архив для поддержки не сохранён: ")
    assert dialog.save_button.isEnabled()


async def test_the_main_window_opens_it_from_the_help_menu(
    live: Callable[[], Live], tmp_path: Path, log_dir: Path
) -> None:
    async with live() as env:
        desk = await env.open_desk("Касса 1")
        menus = [action.text() for action in desk.window.menuBar().actions()]
        assert menus[-1] == "&Справка"
        action = desk.window.diagnostics_action
        assert action.text() == "О программе / Диагностика…"
        action.trigger()

        def opened() -> DiagnosticsDialog | None:
            found = [w for w in desk.window.findChildren(DiagnosticsDialog) if w.isVisible()]
            return found[0] if found else None

        await eventually(lambda: opened() is not None)
        dialog = opened()
        assert dialog is not None and dialog.service is desk.service
        assert dialog.values["Store"].text() == desk.service.settings.store
        dialog.reject()
        await eventually(lambda: opened() is None)
