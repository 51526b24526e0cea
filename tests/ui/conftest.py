"""Fixtures for the UI tests: real widgets, offscreen, against a real relay on loopback.

- Async tests run on a qasync loop bound to the test ``QApplication`` (``pytest_asyncio_loop_factories``),
  so the relay (uvicorn), the desk services and the widgets share one loop, as in the app.
- The Russian translation is installed for the whole session: the tests read the screens in Russian.
- ``live()``: ``async with live() as env`` starts the relay, ``await env.open_desk("Касса 1")`` a desk
  service with its shown main window (recording sound player); everything stops at the end of the block.
- Cyclic garbage is collected on Qt's thread only while a UI test runs (the app's
  :class:`~pharmacy_desk.ui.main_thread_gc.MainThreadCollector`), and once more after its teardown: a
  collection in an aiosqlite or executor thread would destroy the test's widgets there.
- Offscreen Qt says "This plugin does not support propagateSizeHints()" for every top-level window with a
  layout (a limitation of the offscreen platform plugin, not of the app): ignored in tests/ui only.
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Callable, Generator, Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtWidgets import QApplication

from pharmacy_desk.ui.app import make_application
from pharmacy_desk.ui.i18n import install_translators, remove_translators
from pharmacy_desk.ui.main_thread_gc import MainThreadCollector
from pharmacy_desk.ui.qt_async import event_loop
from pharmacy_desk.ui.scanner_filter import ScannerFilter
from tests.ui.ui_support import Live

UI_DIR = Path(__file__).resolve().parent
OFFSCREEN_NOISE = r"This plugin does not support propagateSizeHints\(\)"


def _app() -> QApplication:
    return make_application([sys.argv[0]])


def _qt_loop() -> Any:
    return event_loop(_app())


def pytest_asyncio_loop_factories(config: pytest.Config, item: pytest.Item) -> Mapping[str, Callable[[], Any]]:
    return {"qasync": _qt_loop}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        if UI_DIR in Path(str(item.path)).parents:
            item.add_marker(pytest.mark.qt_log_ignore(OFFSCREEN_NOISE))


@pytest.fixture(scope="session")
def qapp() -> Iterator[QApplication]:
    """pytest-qt's ``qapp``, made the way the app makes it (font, icon), in Russian."""
    app = _app()
    translators = install_translators(app, "ru")
    yield app
    remove_translators(app, translators)


@pytest.fixture(autouse=True)
def main_thread_gc(qapp: QApplication) -> Iterator[MainThreadCollector]:
    collector = MainThreadCollector(qapp)
    collector.start()
    yield collector
    collector.stop()
    collector.deleteLater()


@pytest.hookimpl(wrapper=True, trylast=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Generator[None, None, None]:
    """What the test's fixtures left as garbage is collected here, on Qt's thread, not in a later test's."""
    try:
        return (yield)
    finally:
        gc.collect()


@pytest.fixture
def scanner(qapp: QApplication) -> Iterator[ScannerFilter]:
    scanner = ScannerFilter(qapp)
    scanner.install(qapp)
    yield scanner
    scanner.uninstall(qapp)
    scanner.deleteLater()


@pytest.fixture
def live(tmp_path: Path, qapp: QApplication, scanner: ScannerFilter) -> Callable[[], Live]:
    """``async with live() as env:`` a relay on loopback and ``env.open_desk(...)``, all inside the test.

    Everything asynchronous starts and stops within the test's own coroutine: between pytest-asyncio's
    runs Qt still processes events (pytest-qt, qasync's last pass), and a relay or a stream left running
    then would get callbacks outside a running loop.
    """
    return lambda: Live(tmp_path, scanner)
