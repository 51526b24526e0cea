"""First run: the connection dialog tests the relay, then keeps the token in the keyring (or says why not)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

import keyring
import keyring.backends.fail
import pytest
from keyring.errors import KeyringError
from PySide6.QtWidgets import QApplication

from pharmacy_desk.desk.credentials import ENV_TOKEN_FILE, FALLBACK_TOKEN_FILE, SERVICE_NAME, account_name
from pharmacy_desk.desk.relay_client import MSG_TOKEN_INVALID
from pharmacy_desk.desk.settings import SettingsFile
from pharmacy_desk.ui.app import Connection, connection
from pharmacy_desk.ui.connect_dialog import ConnectDialog
from tests.support import MemoryKeyring, eventually
from tests.ui.ui_support import Live


class BrokenKeyring(MemoryKeyring):
    def set_password(self, service: str, username: str, password: str) -> None:
        raise KeyringError("D-Bus: the Secret Service is locked")


async def _dialog() -> ConnectDialog:
    found: list[ConnectDialog] = []

    def visible() -> bool:
        found[:] = [w for w in QApplication.topLevelWidgets() if isinstance(w, ConnectDialog) and w.isVisible()]
        return bool(found)

    await eventually(visible)
    return found[0]


async def _fill_and_test(dialog: ConnectDialog, url: str, token: str, *, ok: bool = True) -> None:
    dialog.url.setText(url)
    dialog.store.setText("apteka-12")
    dialog.device_name.setText("Касса 1")
    dialog.token.setText(token)
    before = dialog.last_check
    dialog.test_button.click()
    await eventually(lambda: dialog.last_check is not before)
    assert dialog.last_check is not None and dialog.last_check.ok is ok, dialog.last_check
    assert dialog.save_button.isEnabled() is ok


async def test_first_run_tests_the_relay_and_keeps_the_token_in_the_keyring(
    live: Callable[[], Live], tmp_path: Path, memory_keyring: MemoryKeyring
) -> None:
    async with live() as env:
        token = await env.relay.device("Касса 1")
        settings_file = SettingsFile(tmp_path / "desk.json")
        task = asyncio.ensure_future(connection(settings_file))
        dialog = await _dialog()
        assert dialog.windowTitle() == "Подключение к серверу"
        assert not dialog.save_button.isEnabled()

        await _fill_and_test(dialog, env.relay.base_url, "not-the-token", ok=False)
        assert dialog.status.text() == MSG_TOKEN_INVALID and not dialog.save_button.isEnabled()
        await _fill_and_test(dialog, env.relay.base_url, token)
        assert dialog.last_check is not None and dialog.last_check.ok
        assert dialog.save_button.isEnabled()
        dialog.save_button.click()
        result = await asyncio.wait_for(task, 5)

        assert isinstance(result, Connection) and result.token == token
        assert memory_keyring.passwords[(SERVICE_NAME, account_name("apteka-12"))] == token
        saved = settings_file.load()
        assert saved.relay_url == env.relay.base_url and saved.store == "apteka-12" and saved.device_name == "Касса 1"
        assert "token" not in settings_file.path.read_text(encoding="utf-8")
        # the next start asks nothing
        again = await asyncio.wait_for(connection(settings_file), 5)
        assert again == Connection(saved, token)


async def test_without_a_keyring_the_token_goes_to_a_file_only_the_user_reads_and_the_dialog_says_so(
    live: Callable[[], Live], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_TOKEN_FILE, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    settings_file = SettingsFile(tmp_path / "desk.json")
    token_file = tmp_path / FALLBACK_TOKEN_FILE  # next to the settings, in the app's config directory
    try:
        async with live() as env:
            token = await env.relay.device("Касса 1")
            task = asyncio.ensure_future(connection(settings_file))
            dialog = await _dialog()
            assert dialog.keyring_note.isVisible() and str(token_file) in dialog.keyring_note.text()
            assert "только вам" in dialog.keyring_note.text()
            await _fill_and_test(dialog, env.relay.base_url, token)
            dialog.save_button.click()
            result = await asyncio.wait_for(task, 5)
            assert result is not None and result.token == token and dialog.token_saved
            assert token_file.read_text(encoding="utf-8").strip() == token
            assert token_file.stat().st_mode & 0o077 == 0
            # the next start asks nothing: the token is read back from the file
            again = await asyncio.wait_for(connection(settings_file), 5)
            assert again is not None and again.token == token
    finally:
        keyring.set_keyring(previous)


async def test_a_keyring_that_fails_is_explained_then_the_token_stays_in_memory(
    live: Callable[[], Live], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(ENV_TOKEN_FILE, raising=False)
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        async with live() as env:
            token = await env.relay.device("Касса 1")
            task = asyncio.ensure_future(connection(SettingsFile(tmp_path / "desk.json")))
            dialog = await _dialog()
            await _fill_and_test(dialog, env.relay.base_url, token)
            dialog.save_button.click()
            await eventually(lambda: dialog.save_button.text() == "Продолжить без сохранения токена")
            assert "Secret Service is locked" in dialog.keyring_note.text()
            assert not task.done()
            dialog.save_button.click()
            result = await asyncio.wait_for(task, 5)
            assert result is not None and result.token == token and not dialog.token_saved
    finally:
        keyring.set_keyring(previous)


async def test_the_documented_token_file_fallback(
    live: Callable[[], Live], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    token_file = tmp_path / "secret" / "token"
    monkeypatch.setenv(ENV_TOKEN_FILE, str(token_file))
    async with live() as env:
        token = await env.relay.device("Касса 1")
        task = asyncio.ensure_future(connection(SettingsFile(tmp_path / "desk.json")))
        dialog = await _dialog()
        await _fill_and_test(dialog, env.relay.base_url, token)
        dialog.save_button.click()
        assert (await asyncio.wait_for(task, 5)) is not None
        assert token_file.read_text(encoding="utf-8").strip() == token
        assert token_file.stat().st_mode & 0o077 == 0
