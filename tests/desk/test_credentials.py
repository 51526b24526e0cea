"""The device token: keyring (in-memory backend here), the explicit 0600 file, no backend at all."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

import keyring
import keyring.backends.fail
import keyring.errors
import pytest

from pharmacy_desk.desk.credentials import (
    ENV_TOKEN_FILE,
    FALLBACK_TOKEN_FILE,
    SERVICE_NAME,
    CredentialsUnavailable,
    FileTokenStore,
    KeyringTokenStore,
    token_store,
)
from tests.support import MemoryKeyring

posix_only = pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")


def test_keyring_round_trip(memory_keyring: MemoryKeyring) -> None:
    store = token_store({})
    assert isinstance(store, KeyringTokenStore)
    assert store.get("apteka-12") is None
    store.set("apteka-12", "secret-token")
    assert memory_keyring.passwords == {(SERVICE_NAME, "device-token:apteka-12"): "secret-token"}
    assert store.get("apteka-12") == "secret-token"
    store.delete("apteka-12")
    store.delete("apteka-12")  # twice is fine
    assert store.get("apteka-12") is None


def test_without_a_keyring_the_token_is_kept_in_a_file_only_the_user_can_read(tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(keyring.backends.fail.Keyring())  # type: ignore[no-untyped-call]
    try:
        store = token_store({}, config_dir=tmp_path / "config")
    finally:
        keyring.set_keyring(previous)
    assert isinstance(store, FileTokenStore) and store.fallback is not None  # never memory-only
    assert (
        store.path == tmp_path / "config" / FALLBACK_TOKEN_FILE and "хранилища паролей системы нет" in store.description
    )
    store.set("apteka-12", "secret-token")
    assert FileTokenStore(store.path).get("apteka-12") == "secret-token"  # the next start reads it back
    if sys.platform != "win32":
        assert stat.S_IMODE(store.path.stat().st_mode) == 0o600
        assert stat.S_IMODE(store.path.parent.stat().st_mode) == 0o700


class BrokenKeyring(MemoryKeyring):
    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringLocked("locked")


def test_a_keyring_that_fails_is_reported_not_bypassed() -> None:
    previous = keyring.get_keyring()
    keyring.set_keyring(BrokenKeyring())
    try:
        with pytest.raises(CredentialsUnavailable, match="не ответило"):
            token_store({}).get("apteka-12")
    finally:
        keyring.set_keyring(previous)


@posix_only
def test_explicit_file_is_0600_and_wins_over_the_keyring(memory_keyring: MemoryKeyring, tmp_path: Path) -> None:
    path = tmp_path / "secret" / "token"
    store = token_store({ENV_TOKEN_FILE: str(path)})
    assert isinstance(store, FileTokenStore)
    assert store.get("apteka-12") is None
    store.set("apteka-12", "file-token")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert path.read_text() == "file-token\n"
    assert store.get("apteka-12") == "file-token"
    assert memory_keyring.passwords == {}
    store.delete("apteka-12")
    assert not path.exists()


@posix_only
def test_a_file_others_can_read_is_refused_and_rewriting_tightens_it(tmp_path: Path) -> None:
    path = tmp_path / "token"
    path.write_text("t\n")
    os.chmod(path, 0o644)
    store = FileTokenStore(path)
    with pytest.raises(CredentialsUnavailable, match="chmod 600"):
        store.get("apteka-12")
    store.set("apteka-12", "new")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert store.get("apteka-12") == "new"
