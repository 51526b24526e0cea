"""The device token: in the OS keyring, else in a file only the user can read — never in memory only.

Where the token goes (:func:`token_store`):

1. ``PHARMACY_DESK_TOKEN_FILE=/path/to/token`` set → that file (:class:`FileTokenStore`). This is the
   documented fallback for a PC with no usable keyring (a kiosk Linux without Secret Service, a service
   account). The file holds the token alone, is created with mode 0600 in a 0700 directory, and is
   refused when others may read it (``chmod 600`` it).
2. otherwise the OS keyring (:class:`KeyringTokenStore`, service name ``pharmacy-desk``, account
   ``device-token:<store>``): Windows Credential Manager, macOS Keychain, Secret Service / KWallet.
3. no usable keyring backend (``keyring.backends.fail.Keyring``, the null backend) and no file asked
   for → the token file in the app's config directory (:data:`FALLBACK_TOKEN_FILE`, same 0600 / 0700
   rules; :attr:`FileTokenStore.fallback` says why). Asking again for the token at every start, as a
   memory-only token did, is worse on a store PC than a file only the user can read. A keyring that
   *errors* (locked, D-Bus failing) is reported (:class:`CredentialsUnavailable`), never bypassed.

Keyring calls may block (D-Bus): call these from a worker thread in the UI (``asyncio.to_thread``).
"""

from __future__ import annotations

import os
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Protocol

import keyring
import keyring.backends.fail
import keyring.errors
from keyring.backends.chainer import ChainerBackend

from pharmacy_desk.desk.settings import default_config_dir

SERVICE_NAME = "pharmacy-desk"
ENV_TOKEN_FILE = "PHARMACY_DESK_TOKEN_FILE"
FALLBACK_TOKEN_FILE = "device-token"  # in the config directory, when there is no keyring

NO_KEYRING_RU = (
    "Не найдено защищённое хранилище паролей системы (keyring), токен кассы сохранить негде. "
    "Установите и запустите хранилище (Windows: Диспетчер учётных данных; Linux: gnome-keyring или KWallet) "
    f"или явно укажите файл для токена в переменной окружения {ENV_TOKEN_FILE} "
    "(файл будет доступен только текущему пользователю, права 0600)."
)
NO_KEYRING_EN = (
    "No usable OS keyring backend: the device token cannot be stored securely. Install and start one "
    "(Windows Credential Manager; Linux: gnome-keyring / Secret Service or KWallet), or opt in to a token "
    f"file by setting {ENV_TOKEN_FILE}=/path/to/file (created with mode 0600)."
)


class CredentialsUnavailable(Exception):
    """The token cannot be stored or read; ``message_ru`` for the screen, ``message_en`` for the log."""

    def __init__(self, message_ru: str, message_en: str) -> None:
        super().__init__(f"{message_ru}\n{message_en}")
        self.message_ru = message_ru
        self.message_en = message_en


class TokenStore(Protocol):
    description: str  # where the token is kept, for the settings dialog

    def get(self, store: str) -> str | None: ...

    def set(self, store: str, token: str) -> None: ...

    def delete(self, store: str) -> None: ...


def account_name(store: str) -> str:
    return f"device-token:{store}"


def keyring_problem() -> str | None:
    """Why the current keyring backend cannot keep the token, or None when it can."""
    try:
        backend = keyring.get_keyring()
    except Exception as exc:  # a broken keyring configuration
        return f"{type(exc).__name__}: {exc}"
    if isinstance(backend, keyring.backends.fail.Keyring):
        return "keyring.backends.fail.Keyring (no backend)"
    if isinstance(backend, ChainerBackend) and not backend.backends:
        return "no keyring backend in the chain"
    if backend.priority <= 0:
        return f"{type(backend).__module__}.{type(backend).__name__} cannot store secrets"
    return None


class KeyringTokenStore:
    """The token in the OS keyring."""

    def __init__(self) -> None:
        problem = keyring_problem()
        if problem is not None:
            raise CredentialsUnavailable(NO_KEYRING_RU, f"{NO_KEYRING_EN} ({problem})")
        backend = keyring.get_keyring()
        self.description = f"системное хранилище паролей ({type(backend).__name__})"

    def get(self, store: str) -> str | None:
        try:
            return keyring.get_password(SERVICE_NAME, account_name(store))
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc

    def set(self, store: str, token: str) -> None:
        if not token:
            raise ValueError("empty token")
        try:
            keyring.set_password(SERVICE_NAME, account_name(store), token)
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc

    def delete(self, store: str) -> None:
        try:
            keyring.delete_password(SERVICE_NAME, account_name(store))
        except keyring.errors.PasswordDeleteError:
            return
        except keyring.errors.KeyringError as exc:
            raise _unavailable(exc) from exc


def _unavailable(exc: Exception) -> CredentialsUnavailable:
    return CredentialsUnavailable(
        f"Хранилище паролей системы не ответило: {exc}. {NO_KEYRING_RU}",
        f"The OS keyring failed: {type(exc).__name__}: {exc}. {NO_KEYRING_EN}",
    )


class FileTokenStore:
    """The token alone in a file only its owner may read (the explicit ``PHARMACY_DESK_TOKEN_FILE`` opt-in)."""

    def __init__(self, path: Path, *, fallback: str | None = None) -> None:
        self.path = path
        self.fallback = fallback  # why the keyring is not used (None: the file was asked for)
        self.description = f"файл {path} (только для текущего пользователя)"
        if fallback is not None:
            self.description += ": хранилища паролей системы нет"

    def get(self, store: str) -> str | None:
        try:
            info = self.path.stat()
        except FileNotFoundError:
            return None
        if _posix() and info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise CredentialsUnavailable(
                f"Файл токена {self.path} доступен другим пользователям: выполните chmod 600 {self.path}",
                f"The token file {self.path} is readable by others: chmod 600 it",
            )
        token = self.path.read_text(encoding="utf-8").strip()
        return token or None

    def set(self, store: str, token: str) -> None:
        if not token:
            raise ValueError("empty token")
        self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        try:
            if _posix():
                os.fchmod(fd, 0o600)  # an existing file keeps its mode through O_CREAT
            os.write(fd, (token + "\n").encode())
            os.fsync(fd)
        finally:
            os.close(fd)

    def delete(self, store: str) -> None:
        self.path.unlink(missing_ok=True)


def _posix() -> bool:
    return sys.platform != "win32"


def token_store(environ: Mapping[str, str] | None = None, *, config_dir: Path | None = None) -> TokenStore:
    """The file when ``PHARMACY_DESK_TOKEN_FILE`` asks for it, else the keyring, else (no keyring at all) the
    token file in ``config_dir`` (default: the app's config directory)."""
    env = os.environ if environ is None else environ
    file = env.get(ENV_TOKEN_FILE, "").strip()
    if file:
        return FileTokenStore(Path(file).expanduser())
    problem = keyring_problem()
    if problem is not None:
        folder = config_dir if config_dir is not None else default_config_dir()
        return FileTokenStore(folder / FALLBACK_TOKEN_FILE, fallback=problem)
    return KeyringTokenStore()
