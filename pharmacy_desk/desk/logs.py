"""The counter app's log: a rotating file in the user log folder, and the console when there is one.

:func:`setup_logging` is called once at the app's start (``pharmacy-desk``). The file is
``<user log dir>/desk.log``, rotated at :data:`MAX_BYTES` with :data:`BACKUP_COUNT` older files
(``desk.log.1`` … ``desk.log.5``): at most 12 MiB, always UTF-8 (the messages are Russian; Windows'
default code page would garble them).

======== =====================================================================
OS       ``default_log_dir()`` (platformdirs ``user_log_dir("pharmacy-desk")``)
======== =====================================================================
Windows  ``%LOCALAPPDATA%\\pharmacy-desk\\pharmacy-desk\\Logs``
Linux    ``~/.local/state/pharmacy-desk/log`` (``$XDG_STATE_HOME``)
macOS    ``~/Library/Logs/pharmacy-desk``
======== =====================================================================

``PHARMACY_DESK_LOG_DIR=/path`` puts the log elsewhere. A folder that cannot be written is not fatal:
the app logs to the console only and says so. The windowed Windows program has no console
(``sys.stderr`` is None): then only the file is written.

The support bundle (:mod:`.support_bundle`) collects these files, secrets redacted.
"""

from __future__ import annotations

import logging
import logging.handlers
import os
import sys
from pathlib import Path

import platformdirs

__all__ = [
    "BACKUP_COUNT",
    "LOG_FILE_NAME",
    "MAX_BYTES",
    "current_log_file",
    "default_log_dir",
    "log_files",
    "setup_logging",
    "shutdown_logging",
]

APP_DIR_NAME = "pharmacy-desk"
ENV_LOG_DIR = "PHARMACY_DESK_LOG_DIR"
LOG_FILE_NAME = "desk.log"
MAX_BYTES = 2 * 1024 * 1024
BACKUP_COUNT = 5
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

log = logging.getLogger("pharmacy_desk.desk.logs")

_installed: list[logging.Handler] = []  # the handlers setup_logging added to the root logger


def default_log_dir() -> Path:
    override = os.environ.get(ENV_LOG_DIR, "").strip()
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_log_dir(APP_DIR_NAME))  # same author folder as the settings (desk.settings)


def setup_logging(*, verbose: bool = False, log_dir: Path | None = None, console: bool = True) -> Path | None:
    """Log to ``<log_dir>/desk.log`` (rotating) and to stderr; returns the file, or None when it cannot be written.

    Calling it again replaces what the previous call installed (nothing else on the root logger is touched).
    """
    shutdown_logging()
    root = logging.getLogger()
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    formatter = logging.Formatter(FORMAT)
    if console and sys.stderr is not None:
        stream = logging.StreamHandler(sys.stderr)
        stream.setFormatter(formatter)
        _install(root, stream)
    folder = log_dir if log_dir is not None else default_log_dir()
    path = folder / LOG_FILE_NAME
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(
            path, maxBytes=MAX_BYTES, backupCount=BACKUP_COUNT, encoding="utf-8"
        )
    except OSError as exc:
        log.warning("cannot write the log file %s (%s): logging to the console only", path, exc)
        return None
    handler.setFormatter(formatter)
    _install(root, handler)
    log.info("log file %s", path)
    return path


def _install(root: logging.Logger, handler: logging.Handler) -> None:
    root.addHandler(handler)
    _installed.append(handler)


def shutdown_logging() -> None:
    """Remove and close the handlers :func:`setup_logging` installed."""
    root = logging.getLogger()
    while _installed:
        handler = _installed.pop()
        root.removeHandler(handler)
        handler.close()


def current_log_file() -> Path | None:
    """The file the app is logging to right now (None before :func:`setup_logging` or without a file)."""
    for handler in _installed:
        if isinstance(handler, logging.FileHandler):
            return Path(handler.baseFilename)
    return None


def log_files(folder: Path) -> list[Path]:
    """``desk.log`` and its rotated predecessors in ``folder``, newest first."""
    names = [LOG_FILE_NAME, *(f"{LOG_FILE_NAME}.{n}" for n in range(1, BACKUP_COUNT + 1))]
    return [folder / name for name in names if (folder / name).is_file()]
