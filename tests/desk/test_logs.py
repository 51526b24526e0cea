"""The counter app's log file: rotating, UTF-8, in the user log folder; never fatal when it cannot be written."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from pharmacy_desk.desk import logs
from pharmacy_desk.desk.logs import LOG_FILE_NAME, current_log_file, default_log_dir, log_files, setup_logging

log = logging.getLogger("pharmacy_desk.test_logs")


@pytest.fixture(autouse=True)
def _restore_root() -> Iterator[None]:
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    try:
        yield
    finally:
        logs.shutdown_logging()
        root.setLevel(level)
        assert root.handlers == handlers


def _ours() -> list[logging.Handler]:
    return [h for h in logging.getLogger().handlers if h in logs._installed]


def test_the_log_file_is_utf8_in_the_given_folder(tmp_path: Path) -> None:
    path = setup_logging(log_dir=tmp_path / "log")
    assert path == tmp_path / "log" / LOG_FILE_NAME
    assert current_log_file() == path
    log.info("заказ %s собран", "A12-000042")
    log.debug("not at INFO")
    for handler in _ours():
        handler.flush()
    text = path.read_bytes().decode("utf-8")
    assert "INFO pharmacy_desk.test_logs: заказ A12-000042 собран" in text
    assert "not at INFO" not in text


def test_verbose_logs_debug(tmp_path: Path) -> None:
    path = setup_logging(verbose=True, log_dir=tmp_path, console=False)
    assert path is not None
    log.debug("подробно")
    for handler in _ours():
        handler.flush()
    assert "DEBUG pharmacy_desk.test_logs: подробно" in path.read_text(encoding="utf-8")


def test_the_file_rotates_and_keeps_five_old_ones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(logs, "MAX_BYTES", 300)
    setup_logging(log_dir=tmp_path, console=False)
    for n in range(100):
        log.info("строка %03d %s", n, "x" * 40)
    files = log_files(tmp_path)
    assert [p.name for p in files] == [LOG_FILE_NAME, *(f"{LOG_FILE_NAME}.{n}" for n in range(1, 6))]
    assert not (tmp_path / f"{LOG_FILE_NAME}.6").exists()
    assert all(p.stat().st_size <= 400 for p in files)
    assert "строка 099" in files[0].read_text(encoding="utf-8")


def test_calling_again_replaces_the_handlers(tmp_path: Path) -> None:
    setup_logging(log_dir=tmp_path / "a")
    setup_logging(log_dir=tmp_path / "b")
    assert len(_ours()) == 2  # console + file, not four
    assert current_log_file() == tmp_path / "b" / LOG_FILE_NAME


def test_an_unwritable_folder_logs_to_the_console_only(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    assert setup_logging(log_dir=blocker / "log") is None
    assert current_log_file() is None
    assert [type(h) for h in _ours()] == [logging.StreamHandler]
    assert "cannot write the log file" in caplog.text


def test_no_console_handler_without_a_console(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The windowed Windows program has no stderr: only the file."""
    monkeypatch.setattr(sys, "stderr", None)
    setup_logging(log_dir=tmp_path)
    assert [type(h).__name__ for h in _ours()] == ["RotatingFileHandler"]


def test_default_log_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(logs.ENV_LOG_DIR, raising=False)
    assert "pharmacy-desk" in default_log_dir().parts
    monkeypatch.setenv(logs.ENV_LOG_DIR, str(tmp_path))
    assert default_log_dir() == tmp_path
