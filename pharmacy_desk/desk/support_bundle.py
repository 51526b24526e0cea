"""A support bundle: one zip with what support needs to see why a counter PC misbehaves, and no secret.

Made by the "About / Diagnostics" dialog (:mod:`pharmacy_desk.ui.diagnostics_dialog`); no Qt here.

=====================  ==========================================================================
file in the zip        what
=====================  ==========================================================================
``about.txt``          versions, paths, connection state (the dialog's text), when and where made
``settings/desk.json`` the settings file, every secret-looking key's value replaced by ``***``
``logs/desk.log`` …    the log and its rotated files, secrets replaced by ``***``
=====================  ==========================================================================

Never in it: the device token (OS keyring, or the ``PHARMACY_DESK_TOKEN_FILE`` file), the offline queue
database (customers' orders).

Redaction, on every text that goes in:

- the **known secrets** (the device token this PC uses, passed in by the caller) wherever they appear;
- ``Bearer …``, and the value of ``Authorization`` / ``Client-Token`` / ``Cookie`` headers;
- the value after any key that looks secret (``token``, ``secret``, ``password``, ``passwd``, ``pwd``,
  ``api_key``, ``credential``, ``private``…) in ``key=value``, ``key: value`` and JSON ``"key": "value"``;
- a password in a URL (``https://user:password@host``).

A settings file that is valid JSON is redacted by key at every depth (so a future ``onec_password``
is covered too). Before the zip is kept, every member is searched once more for the known secrets; one
found there deletes the zip and raises :class:`SecretLeak` (it would be a bug in this module).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import socket
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pharmacy_desk.desk.logs import default_log_dir, log_files
from pharmacy_desk.desk.offline_queue import QUEUE_FILE_NAME
from pharmacy_desk.desk.settings import DeskSettings, SettingsError, SettingsFile

__all__ = [
    "REDACTED",
    "DeskPaths",
    "SecretLeak",
    "bundle_file_name",
    "redact_text",
    "redact_value",
    "write_support_bundle",
]

REDACTED = "***"
MIN_SECRET_LENGTH = 6  # shorter "secrets" would blank out ordinary words

SECRET_KEY = re.compile(
    r"token|secret|passw|pwd|api[-_]?key|authori[sz]ation|cookie|credential|private|session[-_]?id", re.IGNORECASE
)
_BEARER = re.compile(r"\b([Bb]earer|BEARER)(\s+)[A-Za-z0-9._~+/=-]+|\b(Basic)(\s+)[A-Za-z0-9+/]{8,}=*")
_HEADER = re.compile(
    r"(?i)\b(authorization|proxy-authorization|client-token|cookie|set-cookie|x-api-key)(\"?'?\s*[:=]\s*)[^\r\n]*"
)
_KEY_VALUE = re.compile(
    r"(?i)\b([\w.-]*(?:token|secret|passw\w*|pwd|api[-_]?key|credential|private[-_]?key)[\w.-]*)"
    r"(\"?'?\s*[:=]\s*\"?'?)([^\s\"'&,;}\]]+)"
)
_URL_PASSWORD = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://[^/\s:@]+):([^/\s@]+)@")


class SecretLeak(RuntimeError):
    """A known secret was found in the finished zip: it was deleted."""


@dataclass(frozen=True, slots=True)
class DeskPaths:
    """Where this PC's counter app keeps its files."""

    settings_file: Path
    log_dir: Path
    data_dir: Path

    @property
    def offline_queue(self) -> Path:
        return self.data_dir / QUEUE_FILE_NAME

    @classmethod
    def of(cls, settings_file: Path | None = None, settings: DeskSettings | None = None) -> DeskPaths:
        """The paths of ``settings`` (read from ``settings_file``, the user's by default, when not given)."""
        file = settings_file if settings_file is not None else SettingsFile.default().path
        if settings is None:
            try:
                settings = SettingsFile(file).load()
            except SettingsError:
                settings = DeskSettings()
        return cls(settings_file=file, log_dir=default_log_dir(), data_dir=settings.data_path)

    def lines(self) -> list[tuple[str, str]]:
        return [
            ("Settings file", str(self.settings_file)),
            ("Log folder", str(self.log_dir)),
            ("Data folder", str(self.data_dir)),
            ("Offline queue", str(self.offline_queue)),
        ]


def redact_text(text: str, secrets: Iterable[str] = ()) -> str:
    """``text`` with the known ``secrets`` and anything that looks like a credential replaced by ``***``."""
    for secret in sorted({s for s in secrets if len(s) >= MIN_SECRET_LENGTH}, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    text = _URL_PASSWORD.sub(rf"\1:{REDACTED}@", text)
    text = _BEARER.sub(lambda m: f"{m[1] or m[3]}{m[2] or m[4]}{REDACTED}", text)
    text = _HEADER.sub(rf"\1\2{REDACTED}", text)
    return _KEY_VALUE.sub(rf"\1\2{REDACTED}", text)


def redact_value(value: Any, secrets: Iterable[str] = ()) -> Any:
    """A JSON value with secret-looking keys' values replaced (at any depth) and its texts redacted."""
    known = tuple(secrets)
    if isinstance(value, Mapping):
        return {
            key: (REDACTED if SECRET_KEY.search(str(key)) and item not in (None, "") else redact_value(item, known))
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [redact_value(item, known) for item in value]
    if isinstance(value, str):
        return redact_text(value, known)
    return value


def _settings_text(path: Path, secrets: tuple[str, ...]) -> str:
    try:
        raw = path.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return f"(no settings file at {path})\n"
    except OSError as exc:
        return f"(the settings file {path} cannot be read: {exc})\n"
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as exc:
        return f"(not valid JSON: {exc}; redacted text follows)\n" + redact_text(raw, secrets)
    return json.dumps(redact_value(data, secrets), ensure_ascii=False, indent=2) + "\n"


def bundle_file_name(now: dt.datetime | None = None) -> str:
    """``pharmacy-desk-support-<host>-20261123-101500.zip``."""
    moment = now or dt.datetime.now()
    host = re.sub(r"[^A-Za-z0-9_-]+", "-", socket.gethostname()).strip("-") or "pc"
    return f"pharmacy-desk-support-{host}-{moment:%Y%m%d-%H%M%S}.zip"


def write_support_bundle(
    target: Path,
    *,
    paths: DeskPaths,
    about: str = "",
    secrets: Iterable[str] = (),
    now: dt.datetime | None = None,
) -> Path:
    """Write the zip to ``target`` (blocking file I/O: call it from a worker thread in the UI)."""
    known = tuple(s for s in secrets if len(s) >= MIN_SECRET_LENGTH)
    moment = now or dt.datetime.now().astimezone()
    header = f"pharmacy-desk support bundle, made {moment.isoformat(timespec='seconds')} on {socket.gethostname()}\n\n"
    logs = log_files(paths.log_dir)
    members: list[tuple[str, str]] = [
        ("about.txt", redact_text(header + about.rstrip() + "\n", known)),
        (f"settings/{paths.settings_file.name}", _settings_text(paths.settings_file, known)),
    ]
    for log in logs:
        try:
            text = log.read_text(encoding="utf-8", errors="replace")
        except OSError as exc:
            text = f"(cannot be read: {exc})\n"
        members.append((f"logs/{log.name}", redact_text(text, known)))
    if not logs:
        members.append(("logs/README.txt", f"(no log files in {paths.log_dir})\n"))
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, text in members:
            archive.writestr(name, text)
    _verify(target, known)
    return target


def _verify(target: Path, secrets: tuple[str, ...]) -> None:
    with zipfile.ZipFile(target) as archive:
        leaked = [
            info.filename
            for info in archive.infolist()
            if any(s in archive.read(info).decode("utf-8", errors="replace") for s in secrets)
        ]
    if leaked:
        target.unlink(missing_ok=True)
        raise SecretLeak(f"a secret was left in {', '.join(leaked)}: the support bundle was deleted")
